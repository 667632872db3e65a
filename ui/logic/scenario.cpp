// scenario.cpp
#include "scenario.hpp"

namespace attn::ui {

namespace {
constexpr std::size_t kMaxScenarioBytes = 1u << 20;
constexpr std::size_t kMaxParams = 64;
}  // namespace

std::string scenario_to_json(const Scenario& s) {
    nlohmann::json j;
    j["attnlab"] = "scenario";
    j["version"] = 1;
    j["lesson"] = s.lesson;
    j["step"] = s.step;
    j["params"] = nlohmann::json::object();
    for (const auto& [k, v] : s.params) j["params"][k] = v;
    j["data"] = s.data;
    return j.dump(2);
}

std::string scenario_from_json(const std::string& text, Scenario& out) {
    if (text.size() > kMaxScenarioBytes) return "scenario file is larger than 1 MiB";
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return "scenario is not valid JSON";
    if (!j.is_object()) return "scenario must be a JSON object";
    if (!j.contains("attnlab") || j["attnlab"] != "scenario")
        return "not an attnlab scenario (missing \"attnlab\": \"scenario\")";
    if (!j.contains("version") || !j["version"].is_number_integer() || j["version"] != 1)
        return "unsupported scenario version (expected 1)";
    Scenario s;
    if (!j.contains("lesson") || !j["lesson"].is_string()) return "scenario: \"lesson\" must be a string";
    s.lesson = j["lesson"].get<std::string>();
    if (j.contains("step")) {
        if (!j["step"].is_number_integer() || j["step"].get<long long>() < 0 || j["step"].get<long long>() > 100000000)
            return "scenario: \"step\" must be a whole number ≥ 0";
        s.step = static_cast<long>(j["step"].get<long long>());
    }
    if (j.contains("params")) {
        if (!j["params"].is_object()) return "scenario: \"params\" must be an object";
        if (j["params"].size() > kMaxParams) return "scenario: more than 64 params";
        for (auto it = j["params"].begin(); it != j["params"].end(); ++it) {
            if (it.value().is_string())
                s.params.emplace_back(it.key(), it.value().get<std::string>());
            else if (it.value().is_number() || it.value().is_boolean())
                s.params.emplace_back(
                    it.key(), it.value().is_boolean() ? (it.value().get<bool>() ? "1" : "0") : it.value().dump());
            else
                return "scenario: params." + it.key() + " must be a string or a number";
        }
    }
    if (j.contains("data")) {
        if (!j["data"].is_object()) return "scenario: \"data\" must be an object";
        s.data = j["data"];
    }
    out = std::move(s);
    return "";
}

}  // namespace attn::ui
