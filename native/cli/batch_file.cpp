// batch_file.cpp: BATCH.json → checked token ids or values; see batch_file.hpp.
//
// Order of the checks: the JSON itself (json_reader: syntax, duplicate keys, depth, numbers too
// large for a double), the keys, then input row by row and value by value, then target against
// input, then the batch as a whole (something to compute a loss over, sizes the core can hold).
#include "batch_file.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>

#include "errors.hpp"
#include "json_reader.hpp"

namespace attn::cli {

using nlohmann::json;

namespace {

std::string str(std::uint64_t x) { return std::to_string(x); }

const char* const kForm =
    "a batch is {\"input\": [[ids]], \"target\": [[ids, or -100 to ignore]]}, values instead of ids for a series model";

// A JSON value as a message shows it.
std::string describe(const json& x) {
    if (x.is_number() || x.is_boolean()) return x.dump();
    if (x.is_string()) return json_text::quote(x.get<std::string>());
    return json_type_phrase(x);
}

struct Reader {
    const std::string& source;
    const TransformerConfig& model;

    [[noreturn]] void fail(const std::string& where, const std::string& problem) const {
        throw InputError(source, where + ": " + problem);
    }

    std::string at(const char* key, std::size_t i) const { return std::string(key) + "[" + str(i) + "]"; }
    std::string at(const char* key, std::size_t i, std::size_t j) const { return at(key, i) + "[" + str(j) + "]"; }

    // The rows of input or target: a non-empty array of non-empty arrays of one length (B, n).
    void shape(const json& x, const char* key, std::size_t& B, std::size_t& n) const {
        const bool tokens = model.input == ModelInput::tokens;
        const std::string kind = tokens ? "token ids" : "values";
        if (!x.is_array())
            fail(key, "is " + describe(x) + ", expected an array of rows of " + kind + " (" + kForm + ")");
        if (x.empty()) fail(key, "has no rows; a batch has at least one sequence");
        for (std::size_t i = 0; i < x.size(); ++i) {
            if (!x[i].is_array()) fail(at(key, i), "is " + describe(x[i]) + ", expected an array of " + kind);
            if (x[i].empty()) fail(at(key, i), "is empty; a sequence has at least one position");
            if (i > 0 && x[i].size() != x[0].size())
                fail(at(key, i), "has " + str(x[i].size()) + " entries, " + at(key, 0) + " has " + str(x[0].size()) +
                                     " (every row has the same length)");
        }
        B = x.size();
        n = x[0].size();
    }

    std::int32_t id(const json& x, const std::string& where, bool target) const {
        const std::string range = "a token id from 0 to " + str(model.vocab - 1) + (target ? " or -100 (ignored)" : "");
        if (!x.is_number_integer()) fail(where, "is " + describe(x) + ", expected " + range);
        const std::int64_t v =
            x.is_number_unsigned()
                ? static_cast<std::int64_t>(std::min<std::uint64_t>(x.get<std::uint64_t>(), INT64_MAX))
                : x.get<std::int64_t>();
        if (target && v == nn::kIgnoreIndex) return nn::kIgnoreIndex;
        if (v < 0 || static_cast<std::uint64_t>(v) >= model.vocab)
            fail(where, "is " + x.dump() + ", outside the model's vocabulary (expected " + range + ")");
        return static_cast<std::int32_t>(v);
    }

    float value(const json& x, const std::string& where) const {
        if (!x.is_number()) fail(where, "is " + describe(x) + ", expected a number");
        const double v = x.get<double>();  // finite: the reader refuses 1e999
        if (std::fabs(v) > static_cast<double>(FLT_MAX))
            fail(where, "is " + x.dump() + ", too large for a 32-bit float (largest is about 3.4e38)");
        return static_cast<float>(v);
    }
};

}  // namespace

Batch parse_batch(const std::string& text, const std::string& source, const TransformerConfig& model) {
    json root;
    try {
        root = read_json(text, source);
    } catch (const InputError& e) {
        if (e.field() == source) throw;
        // "input" + "[0][2] is 1e999, ..." → "input[0][2]: is 1e999, ..."
        const std::string& p = e.problem();
        const std::size_t space = p.empty() || p[0] != '[' ? 0 : p.find(' ');
        if (space == 0 || space == std::string::npos) throw InputError(source, e.field() + ": " + p);
        throw InputError(source, e.field() + p.substr(0, space) + ":" + p.substr(space));
    }
    const Reader r{source, model};
    if (!root.is_object())
        throw InputError(source, "is " + describe(root) + ", expected a JSON object (" + kForm + ")");
    for (auto it = root.begin(); it != root.end(); ++it)
        if (it.key() != "input" && it.key() != "target")
            r.fail(it.key(), std::string("is not a batch key (") + kForm + ")");
    for (const char* key : {"input", "target"})
        if (!root.contains(key)) r.fail(key, std::string("is missing (") + kForm + ")");

    const bool tokens = model.input == ModelInput::tokens;
    Batch b;
    const json& in = root["input"];
    r.shape(in, "input", b.size, b.length);
    if (b.length > model.max_len)
        r.fail("input[0]", "has " + str(b.length) + " positions, more than the model's max_len " + str(model.max_len));
    if (b.size > kMaxBatchPositions / b.length)
        r.fail("input", str(b.size) + " rows × " + str(b.length) + " positions is more than 2^20 positions");
    // The activations of the batch: the core's matrices hold at most 2^26 elements each.
    const std::uint64_t N = b.size * b.length;
    if (N * model.heads * b.length > kMaxElements || N * std::max(model.d_ff, 3 * model.d_model) > kMaxElements)
        r.fail("input", str(b.size) + " rows × " + str(b.length) +
                            " positions need activations of more than 2^26 values in this model; send fewer rows");
    for (std::size_t i = 0; i < b.size; ++i)
        for (std::size_t t = 0; t < b.length; ++t) {
            if (tokens)
                b.input.push_back(r.id(in[i][t], r.at("input", i, t), false));
            else
                b.input_values.push_back(r.value(in[i][t], r.at("input", i, t)));
        }

    const json& tg = root["target"];
    std::size_t tB = 0, tn = 0;
    r.shape(tg, "target", tB, tn);
    if (tB != b.size) r.fail("target", "has " + str(tB) + " rows, input has " + str(b.size));
    if (tn != b.length) r.fail("target[0]", "has " + str(tn) + " entries, input[0] has " + str(b.length));
    for (std::size_t i = 0; i < b.size; ++i)
        for (std::size_t t = 0; t < b.length; ++t) {
            if (tokens) {
                b.target.push_back(r.id(tg[i][t], r.at("target", i, t), true));
                if (b.target.back() != nn::kIgnoreIndex) ++b.targets;
            } else {
                b.target_values.push_back(r.value(tg[i][t], r.at("target", i, t)));
                ++b.targets;
            }
        }
    if (b.targets == 0) r.fail("target", "is -100 (ignored) everywhere; the loss needs at least one target");
    return b;
}

}  // namespace attn::cli
