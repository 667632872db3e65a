// train_model_file.cpp: model files (safetensors + config) read and written from bytes; see
// attn/train/model_file.hpp.
//
// [SECTION] Small helpers
// [SECTION] The config: writing
// [SECTION] The config: reading and checking
// [SECTION] Model files
// [SECTION] Gradient files
#include "attn/train/model_file.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include <nlohmann/json.hpp>

#include "attn/safetensors.hpp"
#include "json/json_text.hpp"

namespace attn {

using nlohmann::json;

// =====================================================================================
// [SECTION] Small helpers
// =====================================================================================

namespace {

std::string str(std::uint64_t x) { return std::to_string(x); }

std::string shape_text(const std::vector<std::size_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + str(shape[i]);
    return s + "]";
}

// A JSON value as a message shows it: numbers, booleans and short strings as written, others by type.
std::string describe(const json& x) {
    if (x.is_number() || x.is_boolean()) return x.dump();
    if (x.is_string()) return json_text::quote(x.get<std::string>());
    return json_text::type_phrase(x);
}

constexpr const char* kConfigKeys[] = {"model",   "vocab",     "d_model",    "heads",  "d_ff", "layers",
                                       "max_len", "positions", "activation", "causal", "task"};

const char* const kConfigKeyList =
    "model, vocab, d_model, heads, d_ff, layers, max_len, positions, activation, causal, task";

// The keys of a task object besides "name", in the order they are written.
std::vector<const char*> task_keys(TaskKind kind) {
    switch (kind) {
        case TaskKind::induction: return {"length", "vocab", "k"};
        case TaskKind::series: return {"length", "noise"};
        default: return {"length", "vocab"};
    }
}

std::string key_list(const std::vector<const char*>& keys) {
    std::string s = "name";
    for (const char* k : keys) s += std::string(", ") + k;
    return s;
}

}  // namespace

std::string shortest_float_text(float x) {
    if (std::isnan(x)) return "nan";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    char buf[32];
    for (int precision = 1; precision <= 9; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, static_cast<double>(x));
        if (std::strtof(buf, nullptr) == x) break;
    }
    return buf;
}

TransformerConfig model_for_task(const TaskConfig& task, std::size_t d_model, std::size_t heads, std::size_t d_ff,
                                 std::size_t layers) {
    TransformerConfig c;
    c.input = task.tokens() ? ModelInput::tokens : ModelInput::series;
    c.vocab = task.tokens() ? task.vocab : 1;
    c.d_model = d_model;
    c.heads = heads;
    c.d_ff = d_ff;
    c.layers = layers;
    c.max_len = task.length;
    c.causal = task.causal();
    return c;
}

// =====================================================================================
// [SECTION] The config: writing
// =====================================================================================

std::string model_config_json(const ModelConfig& config) {
    const TransformerConfig& m = config.model;
    const TaskConfig& t = config.task;
    // Written by hand so the keys keep the documented order (nlohmann's objects sort them).
    std::string s = "{\"model\":\"transformer\",\"vocab\":" + str(m.vocab) + ",\"d_model\":" + str(m.d_model) +
                    ",\"heads\":" + str(m.heads) + ",\"d_ff\":" + str(m.d_ff) + ",\"layers\":" + str(m.layers) +
                    ",\"max_len\":" + str(m.max_len) + ",\"positions\":\"" + positions_name(m.positions) +
                    "\",\"activation\":\"" + nn::activation_name(m.activation) +
                    "\",\"causal\":" + (m.causal ? "true" : "false") + ",\"task\":{\"name\":\"" + task_name(t.kind) +
                    "\"";
    for (const char* k : task_keys(t.kind)) {
        const std::string key = k;
        s += ",\"" + key + "\":";
        if (key == "length") s += str(t.length);
        if (key == "vocab") s += str(t.vocab);
        if (key == "k") s += str(t.k);
        if (key == "noise") s += shortest_float_text(t.noise);
    }
    return s + "}}";
}

// =====================================================================================
// [SECTION] The config: reading and checking
// =====================================================================================

namespace {

// Sentinel source: the reader's messages about the text as a whole carry it as their field.
const char* const kConfigSource = "\x01config";

[[noreturn]] void config_error(const std::string& key, const std::string& problem) {
    throw Error(key.empty() ? "config" : "config." + key, problem);
}

std::size_t whole_number(const json& x, const std::string& key, std::size_t lo, std::size_t hi,
                         const std::string& why = "") {
    // nlohmann reads non-negative integer literals as unsigned; -1, 8.0 and "8" are refused.
    if (!x.is_number_unsigned())
        config_error(key, "is " + describe(x) + ", expected a whole number from " + str(lo) + " to " + str(hi) + why);
    const std::uint64_t v = x.get<std::uint64_t>();
    if (v < lo || v > hi) config_error(key, "is " + str(v) + ", expected " + str(lo) + " to " + str(hi) + why);
    return static_cast<std::size_t>(v);
}

std::string choice(const json& x, const std::string& key, const std::vector<std::string>& allowed) {
    std::string list;
    for (std::size_t i = 0; i < allowed.size(); ++i)
        list += (i ? (i + 1 == allowed.size() ? " or \"" : ", \"") : "\"") + allowed[i] + "\"";
    if (!x.is_string()) config_error(key, "is " + describe(x) + ", expected " + list);
    const std::string s = x.get<std::string>();
    for (const std::string& a : allowed)
        if (s == a) return s;
    config_error(key, "is " + describe(x) + ", expected " + list);
}

// Unknown keys first (a misspelt key would otherwise read as a missing one), then each known
// key in order.
void check_keys(const json& obj, const std::string& where, const std::vector<std::string>& keys,
                const std::string& list) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        bool known = false;
        for (const std::string& k : keys) known = known || it.key() == k;
        if (!known)
            config_error((where.empty() ? "" : where + ".") + it.key(),
                         "is not a config key (the keys are " + list + ")");
    }
    for (const std::string& k : keys)
        if (!obj.contains(k)) config_error(where, "has no \"" + k + "\" (the keys are " + list + ")");
}

void read_task(const json& j, const TransformerConfig& model, TaskConfig& task) {
    if (!j.is_object())
        config_error("task", "is " + describe(j) + ", expected an object {\"name\": ..., and the task's parameters}");
    if (!j.contains("name")) config_error("task", "has no \"name\" (copy, reverse, sort, induction or series)");
    const std::string name = choice(j["name"], "task.name", {"copy", "reverse", "sort", "induction", "series"});
    task.kind = parse_task(name);
    std::vector<std::string> keys = {"name"};
    for (const char* k : task_keys(task.kind)) keys.push_back(k);
    check_keys(j, "task", keys, key_list(task_keys(task.kind)) + " for " + name);

    task.length = whole_number(j["length"], "task.length", 1, model.max_len, " (at most max_len)");
    if (task.tokens()) {
        if (model.vocab < 2)
            config_error("vocab", "is " + str(model.vocab) + ", but the " + name + " task needs at least 2 tokens");
        task.vocab = whole_number(j["vocab"], "task.vocab", 2, model.vocab, " (at most the model's vocab)");
    } else if (model.vocab != 1) {
        config_error("vocab", "is " + str(model.vocab) + ", expected 1 for the series task (one value per position)");
    }
    if (task.kind == TaskKind::induction)
        task.k =
            whole_number(j["k"], "task.k", 1, (task.length + 1) / 2, " (a copy of k tokens needs length + 1 ≥ 2k)");
    if (task.kind == TaskKind::series) {
        const json& noise = j["noise"];
        if (!noise.is_number() || !(noise.get<double>() >= 0.0) || noise.get<double>() > 1e6)
            config_error("task.noise", "is " + describe(noise) + ", expected a number from 0 to 1e6");
        task.noise = static_cast<float>(noise.get<double>());
    }
}

}  // namespace

ModelConfig parse_model_config(const std::string& json_text) {
    json j;
    try {
        j = json_text::read(json_text, kConfigSource);
    } catch (const Error& e) {
        if (e.field() == kConfigSource) config_error("", e.problem());
        config_error(e.field(), e.problem());
    }
    if (!j.is_object())
        config_error("", "is " + describe(j) + ", expected a JSON object {\"model\": \"transformer\", ...}");
    check_keys(j, "", {std::begin(kConfigKeys), std::end(kConfigKeys)}, kConfigKeyList);

    ModelConfig c;
    TransformerConfig& m = c.model;
    choice(j["model"], "model", {"transformer"});
    // vocab 1 is a series model's (checked against the task below).
    m.vocab = whole_number(j["vocab"], "vocab", 1, kMaxVocab);
    m.d_model = whole_number(j["d_model"], "d_model", 1, kMaxDModel);
    m.heads = whole_number(j["heads"], "heads", 1, m.d_model, " (at most d_model)");
    if (m.d_model % m.heads != 0)
        config_error("heads", "is " + str(m.heads) + ", which does not divide d_model " + str(m.d_model));
    m.d_ff = whole_number(j["d_ff"], "d_ff", 1, kMaxDff);
    m.layers = whole_number(j["layers"], "layers", 1, kMaxLayers);
    m.max_len = whole_number(j["max_len"], "max_len", 1, kMaxLength);
    m.positions = choice(j["positions"], "positions", {"learned", "sinusoidal"}) == "learned" ? Positions::learned
                                                                                              : Positions::sinusoidal;
    m.activation =
        choice(j["activation"], "activation", {"relu", "gelu"}) == "relu" ? nn::Activation::relu : nn::Activation::gelu;
    if (!j["causal"].is_boolean()) config_error("causal", "is " + describe(j["causal"]) + ", expected true or false");
    m.causal = j["causal"].get<bool>();
    read_task(j["task"], m, c.task);
    m.input = c.task.tokens() ? ModelInput::tokens : ModelInput::series;
    m.check();
    c.task.check();
    return c;
}

// =====================================================================================
// [SECTION] Model files
// =====================================================================================

namespace {

using Metadata = std::vector<std::pair<std::string, std::string>>;

void check_extra(const Metadata& extra, std::initializer_list<const char*> reserved) {
    for (const auto& [k, v] : extra)
        for (const char* r : reserved)
            if (k == r) throw Error("metadata key \"" + k + "\" is written by the core itself");
}

// What a tensor's shape means, for messages: "d_ff × d_model".
std::string shape_meaning(const std::string& name, const TransformerConfig& c) {
    auto ends = [&](const char* s) {
        const std::string suffix = s;
        return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    const std::string out = c.input == ModelInput::tokens ? "vocab" : "1";
    if (name == "tok_emb.weight") return "vocab × d_model";
    if (name == "in_proj.weight") return "d_model × 1";
    if (name == "pos_emb.weight") return "max_len × d_model";
    if (name == "head.weight") return out + " × d_model";
    if (name == "head.bias") return out;
    if (ends("in_proj_weight")) return "3·d_model × d_model";
    if (ends("in_proj_bias")) return "3·d_model";
    if (ends("out_proj.weight")) return "d_model × d_model";
    if (ends("linear1.weight")) return "d_ff × d_model";
    if (ends("linear1.bias")) return "d_ff";
    if (ends("linear2.weight")) return "d_model × d_ff";
    return "d_model";
}

// Why a tensor the file holds is not one of the model's.
std::string unexpected_reason(const std::string& name, const TransformerConfig& c) {
    if (name == "pos_emb.weight" && c.positions == Positions::sinusoidal)
        return "is not a tensor of this model: the config says \"positions\": \"sinusoidal\" (a fixed table, no "
               "tensor)";
    if (name == "tok_emb.weight" && c.input == ModelInput::series)
        return "is not a tensor of this model: a series model reads values through in_proj";
    if ((name == "in_proj.weight" || name == "in_proj.bias") && c.input == ModelInput::tokens)
        return "is not a tensor of this model: a token model reads tokens through tok_emb";
    if (name.compare(0, 7, "layers.") == 0) {
        const std::size_t dot = name.find('.', 7);
        const std::string index = name.substr(7, dot == std::string::npos ? std::string::npos : dot - 7);
        if (!index.empty() && index.find_first_not_of("0123456789") == std::string::npos && index.size() < 6 &&
            std::stoul(index) >= c.layers)
            return "is not a tensor of this model: the config says \"layers\": " + str(c.layers);
    }
    return "is not a tensor of the model the config describes (its tensors are tok_emb/in_proj, pos_emb, "
           "layers.<i>.{self_attn, linear1, linear2, norm1, norm2}, norm, head, as PyTorch names them)";
}

std::uint64_t parse_step(const std::string& s) {
    const char* field = "__metadata__.step";
    if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string::npos)
        throw Error(field, "is " + json_text::quote(s) + ", expected a whole number ≥ 0 in decimal, such as \"400\"");
    std::uint64_t v = 0;
    for (char ch : s) {
        const std::uint64_t d = static_cast<std::uint64_t>(ch - '0');
        if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10)
            throw Error(field, "is " + s + ", more than 2^64 − 1");
        v = v * 10 + d;
    }
    return v;
}

}  // namespace

const std::string* ModelFile::find_metadata(const std::string& key) const {
    for (const auto& [k, v] : metadata)
        if (k == key) return &v;
    return nullptr;
}

std::string write_model_file(const Transformer& model, const TaskConfig& task, std::uint64_t step,
                             const Metadata& extra) {
    check_extra(extra, {"step", "config"});
    ModelConfig config{model.config(), task};
    // The config written must read back: check it the way the reader will.
    parse_model_config(model_config_json(config));
    const Parameters& p = model.parameters();
    std::vector<safetensors::TensorView> tensors;
    for (std::size_t i = 0; i < p.size(); ++i) tensors.push_back({p.info(i).name, p.info(i).shape, p.value(i)});
    Metadata meta = {{"step", str(step)}, {"config", model_config_json(config)}};
    meta.insert(meta.end(), extra.begin(), extra.end());
    return safetensors::write(tensors, meta);
}

ModelFile read_model_file(const std::string& bytes) {
    safetensors::File file;
    try {
        file = safetensors::parse(bytes);
    } catch (const safetensors::FormatError& e) {
        if (e.about_tensor()) throw Error(e.field().empty() ? "\"\"" : e.field(), e.problem());
        throw Error(e.problem());
    }
    ModelFile out;
    out.metadata = file.metadata;
    const std::string* config_text = file.find_metadata("config");
    const std::string* step_text = file.find_metadata("step");
    if (file.metadata.empty())
        throw Error("__metadata__",
                    "is missing: a model file's __metadata__ holds \"step\" and \"config\" (the model's "
                    "sizes and task); tensors alone do not say which model they are");
    if (!config_text) throw Error("__metadata__", "has no \"config\" (a JSON object: the model's sizes and task)");
    if (!step_text) throw Error("__metadata__", "has no \"step\" (the number of steps trained, such as \"400\")");
    out.step = parse_step(*step_text);
    out.config = parse_model_config(*config_text);
    const TransformerConfig& c = out.config.model;

    // Every tensor of the model, in its order: present, a float dtype, the right shape.
    const std::vector<ParameterInfo> layout = Transformer::layout(c);
    for (const ParameterInfo& p : layout) {
        const safetensors::Tensor* t = file.find(p.name);
        if (!t)
            throw Error(p.name, "is missing: the config describes a model with this tensor, of shape " +
                                    shape_text(p.shape) + " (" + shape_meaning(p.name, c) + ")");
        if (!t->converted) throw Error(p.name, "has dtype " + t->dtype + "; " + safetensors::kReadDtypes);
        if (t->shape != p.shape)
            throw Error(p.name, "has shape " + shape_text(t->shape) + ", expected " + shape_text(p.shape) + " (" +
                                    shape_meaning(p.name, c) + " in the config)");
    }
    for (const safetensors::Tensor& t : file.tensors) {
        bool expected = false;
        for (const ParameterInfo& p : layout) expected = expected || p.name == t.name;
        if (!expected) throw Error(t.name.empty() ? "\"\"" : t.name, unexpected_reason(t.name, c));
    }

    out.model = std::make_unique<Transformer>(c);
    Parameters& params = out.model->parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
        const std::vector<float>& v = file.find(params.info(i).name)->values;
        std::copy(v.begin(), v.end(), params.value(i));
    }
    return out;
}

// =====================================================================================
// [SECTION] Gradient files
// =====================================================================================

std::string write_gradients_file(const Transformer& model, float loss, std::size_t targets, const Metadata& extra) {
    check_extra(extra, {"loss", "targets"});
    if (!std::isfinite(loss))
        throw Error("loss", "is " + shortest_float_text(loss) + "; only finite gradients are written");
    const Parameters& p = model.parameters();
    std::vector<safetensors::TensorView> tensors;
    for (std::size_t i = 0; i < p.size(); ++i) tensors.push_back({p.info(i).name, p.info(i).shape, p.grad(i)});
    Metadata meta = {{"loss", shortest_float_text(loss)}, {"targets", str(targets)}};
    meta.insert(meta.end(), extra.begin(), extra.end());
    return safetensors::write(tensors, meta);
}

}  // namespace attn
