// scenario.hpp: a whole view saved as JSON — lesson, step, parameters and lesson data (tokens,
// custom matrices) — so a teacher can export a scenario and load it back, or hand it out.
//
//   {"attnlab": "scenario", "version": 1, "lesson": "dot", "step": 3,
//    "params": {"dk": "64", "scaled": "1"}, "data": { ...lesson specific... }}
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace attn::ui {

struct Scenario {
    std::string lesson;
    long step = 0;
    std::vector<std::pair<std::string, std::string>> params;
    nlohmann::json data = nlohmann::json::object();
};

std::string scenario_to_json(const Scenario& s);
// Parses and validates the envelope (types, sizes: at most 1 MiB of text, 64 params).
// Returns an empty string on success, else a one-line message saying what is wrong.
std::string scenario_from_json(const std::string& text, Scenario& out);

}  // namespace attn::ui
