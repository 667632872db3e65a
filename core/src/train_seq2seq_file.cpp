// train_seq2seq_file.cpp: date-translator model files; see attn/train/seq2seq_file.hpp.
#include "attn/train/seq2seq_file.hpp"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "attn/safetensors.hpp"
#include "attn/train/model_file.hpp"
#include "json/json_text.hpp"

namespace attn {

using nlohmann::json;

namespace {

const char* const kKeys[] = {"model",       "emb",          "enc_hidden",   "dec_hidden",
                             "attn_hidden", "source_vocab", "target_vocab", "task"};
const char* const kKeyList = "model, emb, enc_hidden, dec_hidden, attn_hidden, source_vocab, target_vocab, task";
const char* const kSpecials[4] = {"<pad>", "<bos>", "<eos>", "<unk>"};

std::string str(std::uint64_t x) { return std::to_string(x); }

std::string shape_text(const std::vector<std::size_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + str(shape[i]);
    return s + "]";
}

std::string describe(const json& x) {
    if (x.is_string()) return json_text::quote(x.get<std::string>());
    if (x.is_number() || x.is_boolean()) return x.dump();
    return json_text::type_phrase(x);
}

[[noreturn]] void config_error(const std::string& key, const std::string& problem) {
    throw Error(key.empty() ? "config" : "config." + key, problem);
}

std::size_t whole_number(const json& x, const std::string& key, std::size_t lo, std::size_t hi) {
    if (!x.is_number_unsigned())
        config_error(key, "is " + describe(x) + ", expected a whole number from " + str(lo) + " to " + str(hi));
    const std::uint64_t v = x.get<std::uint64_t>();
    if (v < lo || v > hi) config_error(key, "is " + str(v) + ", expected " + str(lo) + " to " + str(hi));
    return static_cast<std::size_t>(v);
}

std::vector<std::string> read_vocab(const json& x, const std::string& key) {
    if (!x.is_array() || x.size() < 5 || x.size() > 4096)
        config_error(key, "is " + describe(x) +
                              ", expected an array of 5 to 4096 strings: \"<pad>\", \"<bos>\", \"<eos>\", \"<unk>\", "
                              "then one character each");
    std::vector<std::string> out;
    bool seen[256] = {};
    for (std::size_t i = 0; i < x.size(); ++i) {
        const std::string at = key + "[" + str(i) + "]";
        if (!x[i].is_string()) config_error(at, "is " + describe(x[i]) + ", expected a string");
        const std::string s = x[i].get<std::string>();
        if (i < 4) {
            if (s != kSpecials[i]) config_error(at, "is " + describe(x[i]) + ", expected \"" + kSpecials[i] + "\"");
        } else {
            if (s.size() != 1 || static_cast<unsigned char>(s[0]) < 32 || static_cast<unsigned char>(s[0]) > 126)
                config_error(at, "is " + describe(x[i]) + ", expected one printable ASCII character");
            if (seen[static_cast<unsigned char>(s[0])]) config_error(at, "is " + describe(x[i]) + ", a repeat");
            seen[static_cast<unsigned char>(s[0])] = true;
        }
        out.push_back(s);
    }
    return out;
}

std::string quoted_list(const std::vector<std::string>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + json(v[i]).dump();
    return s + "]";
}

std::uint64_t parse_step(const std::string& s) {
    const char* field = "__metadata__.step";
    if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string::npos)
        throw Error(field, "is " + json_text::quote(s) + ", expected a whole number ≥ 0 in decimal, such as \"400\"");
    std::uint64_t v = 0;
    for (char ch : s) {
        const auto d = static_cast<std::uint64_t>(ch - '0');
        if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10)
            throw Error(field, "is " + s + ", more than 2^64 − 1");
        v = v * 10 + d;
    }
    return v;
}

void parse_config(const std::string& text, Seq2SeqFile& out) {
    json j;
    try {
        j = json_text::read(text, "\x01config");
    } catch (const Error& e) {
        config_error(e.field() == "\x01config" ? "" : e.field(), e.problem());
    }
    if (!j.is_object()) config_error("", "is " + describe(j) + ", expected a JSON object {\"model\": ..., ...}");
    for (auto it = j.begin(); it != j.end(); ++it) {
        bool known = false;
        for (const char* k : kKeys) known = known || it.key() == k;
        if (!known) config_error(it.key(), std::string("is not a config key (the keys are ") + kKeyList + ")");
    }
    for (const char* k : kKeys)
        if (!j.contains(k)) config_error("", std::string("has no \"") + k + "\" (the keys are " + kKeyList + ")");
    if (j["model"] != "seq2seq_additive")
        config_error("model", "is " + describe(j["model"]) + ", expected \"seq2seq_additive\"");
    Seq2SeqConfig& c = out.config;
    c.emb = whole_number(j["emb"], "emb", 1, 1024);
    c.enc_hidden = whole_number(j["enc_hidden"], "enc_hidden", 1, 1024);
    c.dec_hidden = whole_number(j["dec_hidden"], "dec_hidden", 1, 1024);
    c.attn_hidden = whole_number(j["attn_hidden"], "attn_hidden", 1, 1024);
    out.source_vocab = read_vocab(j["source_vocab"], "source_vocab");
    out.target_vocab = read_vocab(j["target_vocab"], "target_vocab");
    c.source_vocab = out.source_vocab.size();
    c.target_vocab = out.target_vocab.size();
    const json& task = j["task"];
    if (!task.is_object() || task.size() != 1 || !task.contains("name") || task["name"] != "dates")
        config_error("task",
                     "is " + (task.is_object() ? task.dump() : describe(task)) + ", expected {\"name\": \"dates\"}");
    // The target vocabulary must hold what the task writes: the digits and "-".
    for (char ch : std::string("-0123456789")) {
        bool found = false;
        for (const std::string& s : out.target_vocab) found = found || s == std::string(1, ch);
        if (!found)
            config_error("target_vocab", std::string("has no \"") + ch + "\": the dates task writes YYYY-MM-DD");
    }
    c.check();
}

}  // namespace

const std::string* Seq2SeqFile::find_metadata(const std::string& key) const {
    for (const auto& [k, v] : metadata)
        if (k == key) return &v;
    return nullptr;
}

std::string model_file_kind(const std::string& bytes) {
    try {
        const safetensors::File f = safetensors::parse(bytes);
        const std::string* config = f.find_metadata("config");
        if (!config) return "";
        const json j = json_text::read(*config, "config");
        if (j.is_object() && j.contains("model") && j["model"].is_string()) return j["model"].get<std::string>();
    } catch (const std::exception&) {
    }
    return "";
}

std::string seq2seq_config_json(const Seq2SeqConfig& c, const std::vector<std::string>& sv,
                                const std::vector<std::string>& tv) {
    return "{\"model\":\"seq2seq_additive\",\"emb\":" + str(c.emb) + ",\"enc_hidden\":" + str(c.enc_hidden) +
           ",\"dec_hidden\":" + str(c.dec_hidden) + ",\"attn_hidden\":" + str(c.attn_hidden) +
           ",\"source_vocab\":" + quoted_list(sv) + ",\"target_vocab\":" + quoted_list(tv) +
           ",\"task\":{\"name\":\"dates\"}}";
}

std::string write_seq2seq_file(const Seq2Seq& model, const dates::Vocabulary& sv, const dates::Vocabulary& tv,
                               std::uint64_t step, const std::vector<std::pair<std::string, std::string>>& extra) {
    for (const auto& kv : extra)
        if (kv.first == "step" || kv.first == "config")
            throw Error("metadata key \"" + kv.first + "\" is written by the core itself");
    if (sv.size() != model.config().source_vocab || tv.size() != model.config().target_vocab)
        throw Error("vocabulary", "sizes " + str(sv.size()) + " and " + str(tv.size()) + " are not the model's " +
                                      str(model.config().source_vocab) + " and " + str(model.config().target_vocab));
    const std::string config = seq2seq_config_json(model.config(), sv.tokens(), tv.tokens());
    Seq2SeqFile check;
    parse_config(config, check);  // what is written must read back
    const Parameters& p = model.parameters();
    std::vector<safetensors::TensorView> tensors;
    for (std::size_t i = 0; i < p.size(); ++i) tensors.push_back({p.info(i).name, p.info(i).shape, p.value(i)});
    safetensors::Metadata meta = {{"step", str(step)}, {"config", config}};
    meta.insert(meta.end(), extra.begin(), extra.end());
    return safetensors::write(tensors, meta);
}

Seq2SeqFile read_seq2seq_file(const std::string& bytes) {
    safetensors::File file;
    try {
        file = safetensors::parse(bytes);
    } catch (const safetensors::FormatError& e) {
        if (e.about_tensor()) throw Error(e.field().empty() ? "\"\"" : e.field(), e.problem());
        throw Error(e.problem());
    }
    Seq2SeqFile out;
    out.metadata = file.metadata;
    const std::string* config = file.find_metadata("config");
    const std::string* step = file.find_metadata("step");
    if (file.metadata.empty())
        throw Error("__metadata__", "is missing: a model file's __metadata__ holds \"step\" and \"config\"");
    if (!config) throw Error("__metadata__", "has no \"config\" (a JSON object: the model's sizes and vocabularies)");
    if (!step) throw Error("__metadata__", "has no \"step\" (the number of steps trained, such as \"400\")");
    out.step = parse_step(*step);
    parse_config(*config, out);
    const std::vector<ParameterInfo> layout = Seq2Seq::layout(out.config);
    for (const ParameterInfo& p : layout) {
        const safetensors::Tensor* t = file.find(p.name);
        if (!t)
            throw Error(p.name,
                        "is missing: the config describes a model with this tensor, of shape " + shape_text(p.shape));
        if (!t->converted) throw Error(p.name, "has dtype " + t->dtype + "; " + safetensors::kReadDtypes);
        if (t->shape != p.shape)
            throw Error(p.name, "has shape " + shape_text(t->shape) + ", expected " + shape_text(p.shape) +
                                    " for the config's sizes");
    }
    for (const safetensors::Tensor& t : file.tensors) {
        bool expected = false;
        for (const ParameterInfo& p : layout) expected = expected || p.name == t.name;
        if (!expected)
            throw Error(t.name.empty() ? "\"\"" : t.name,
                        "is not a tensor of the seq2seq_additive model (its tensors are src_emb, encoder, init, "
                        "tgt_emb, attn.{W_s, W_h, v}, decoder, out, as PyTorch names them)");
    }
    out.model = std::make_unique<Seq2Seq>(out.config);
    Parameters& params = out.model->parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
        const std::vector<float>& v = file.find(params.info(i).name)->values;
        std::copy(v.begin(), v.end(), params.value(i));
    }
    return out;
}

std::string write_seq2seq_gradients(const Seq2Seq& model, float loss, std::size_t targets) {
    if (!std::isfinite(loss)) throw Error("loss", "is not finite; only finite gradients are written");
    const Parameters& p = model.parameters();
    std::vector<safetensors::TensorView> tensors;
    for (std::size_t i = 0; i < p.size(); ++i) tensors.push_back({p.info(i).name, p.info(i).shape, p.grad(i)});
    return safetensors::write(tensors, {{"loss", shortest_float_text(loss)}, {"targets", str(targets)}});
}

}  // namespace attn
