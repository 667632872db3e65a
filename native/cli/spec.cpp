// spec.cpp: JSON spec → core calls.
//
// [SECTION] Reading values: numbers, vectors, matrices (shape, type, finiteness, size limit)
// [SECTION] Masks
// [SECTION] Single-head and multi-head specs
// [SECTION] Running a spec
// [SECTION] Help text
//
// Every check here names the field and says what was found and what was expected, e.g.
//   key: row 2 has 3 values, row 0 has 4
//   key: has 5 columns, query has 4 columns
// The core repeats most checks (it is the authority) and names the input each error is about
// (attn::Error::field(), the names the spec uses too); the CLI checks first all the same, since
// it can say more (row numbers, JSON types), and reports what only the core finds (a score
// that overflows) under the core's field.
#include "spec.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <initializer_list>

#include <nlohmann/json.hpp>

#include "errors.hpp"
#include "json_reader.hpp"

namespace attn::cli {

using nlohmann::json;

namespace {

// =====================================================================================
// [SECTION] Reading values
// =====================================================================================

std::string num(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", x);
    return buf;
}

std::string str(std::size_t n) { return std::to_string(n); }

// "1 row", "3 rows".
std::string count(std::size_t n, const std::string& noun) {
    if (n == 1) return "1 " + noun;
    if (noun == "entry") return str(n) + " entries";
    return str(n) + " " + noun + "s";
}

// "where is ..." or just "is ..." for a scalar field.
std::string at(const std::string& where, const std::string& text) { return where.empty() ? text : where + " " + text; }

float read_float(const json& x, const std::string& field, const std::string& where) {
    if (!x.is_number()) throw InputError(field, at(where, "is " + json_type_phrase(x) + ", expected a number"));
    const double d = x.get<double>();
    if (!std::isfinite(d)) throw InputError(field, at(where, "is not a finite number"));
    if (std::fabs(d) > static_cast<double>(FLT_MAX))
        throw InputError(field, at(where, "is " + num(d) + ", too large for a 32-bit float (largest is about 3.4e38)"));
    return static_cast<float>(d);
}

void check_element_limit(std::size_t rows, std::size_t cols, const std::string& field, const std::string& what) {
    if (cols != 0 && rows > kMaxElements / cols)
        throw InputError(field, what + " " + shape_string(rows, cols) + " = " + str(rows * cols) +
                                    " elements, more than the limit of " + str(kMaxElements) + " (2^26)");
}

// Checks j is a non-empty array of equally long, non-empty arrays; returns the column count.
std::size_t check_rows(const json& j, const std::string& field) {
    if (!j.is_array())
        throw InputError(
            field, "is " + json_type_phrase(j) + ", expected a matrix (an array of rows, each an array of numbers)");
    if (j.empty()) throw InputError(field, "is empty, expected at least one row");
    for (std::size_t i = 0; i < j.size(); ++i) {
        if (!j[i].is_array()) {
            std::string hint = j[i].is_number() ? " (write a single row as [[1, 2, 3]])" : "";
            throw InputError(
                field, "row " + str(i) + " is " + json_type_phrase(j[i]) + ", expected an array of numbers" + hint);
        }
    }
    const std::size_t cols = j[0].size();
    if (cols == 0) throw InputError(field, "row 0 is empty, expected at least one value");
    for (std::size_t i = 1; i < j.size(); ++i)
        if (j[i].size() != cols)
            throw InputError(field,
                             "row " + str(i) + " has " + count(j[i].size(), "value") + ", row 0 has " + str(cols));
    check_element_limit(j.size(), cols, field, "has");
    return cols;
}

Matrix read_matrix(const json& j, const std::string& field) {
    const std::size_t cols = check_rows(j, field);
    Matrix m(j.size(), cols);
    for (std::size_t i = 0; i < m.rows(); ++i)
        for (std::size_t c = 0; c < cols; ++c) m(i, c) = read_float(j[i][c], field, "[" + str(i) + "][" + str(c) + "]");
    return m;
}

std::vector<float> read_vector(const json& j, const std::string& field) {
    if (!j.is_array()) throw InputError(field, "is " + json_type_phrase(j) + ", expected an array of numbers");
    if (j.empty()) throw InputError(field, "is empty, expected at least one number");
    check_element_limit(1, j.size(), field, "has");
    std::vector<float> v(j.size());
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = read_float(j[i], field, "[" + str(i) + "]");
    return v;
}

// A non-negative integer (JSON 3 or 3.0). Returns false when x is not one.
bool as_count(const json& x, std::size_t& out) {
    if (x.is_number_unsigned()) {
        const auto u = x.get<std::uint64_t>();
        out = u > (std::uint64_t{1} << 53) ? std::size_t{1} << 53 : static_cast<std::size_t>(u);
        return true;
    }
    if (x.is_number_integer()) return false;  // negative (non-negative integers are "unsigned")
    if (x.is_number_float()) {
        const double d = x.get<double>();
        if (!(d >= 0) || std::floor(d) != d) return false;
        out = d > 9007199254740992.0 ? std::size_t{1} << 53 : static_cast<std::size_t>(d);
        return true;
    }
    return false;
}

std::string describe_value(const json& x) { return x.is_number() ? num(x.get<double>()) : json_type_phrase(x); }

const json* find(const json& spec, const char* name) {
    auto it = spec.find(name);
    return it == spec.end() ? nullptr : &*it;
}

const json& require(const json& spec, const char* name, const std::string& why) {
    const json* j = find(spec, name);
    if (!j) throw InputError(name, "missing; " + why);
    return *j;
}

// Fields are checked against the kind, so a typo ("temprature") is an error, not silently ignored.
void reject_unknown_fields(const json& spec, std::initializer_list<const char*> known, const std::string& kind) {
    for (auto it = spec.begin(); it != spec.end(); ++it) {
        const std::string& k = it.key();
        if (!k.empty() && k[0] == '_') continue;  // comments
        if (std::find_if(known.begin(), known.end(), [&](const char* n) { return k == n; }) != known.end()) continue;
        std::string list;
        for (const char* n : known) list += (list.empty() ? "" : ", ") + std::string(n);
        throw InputError(
            k, "unknown field for " + kind + " attention (fields: " + list + "; names starting with _ are ignored)");
    }
}

// =====================================================================================
// [SECTION] Masks
// =====================================================================================

const char* const kMaskForms =
    "expected \"none\", \"causal\", {\"key_padding\": [true = padding, ...]}, {\"window\": w} or a 0/1 matrix";

// A 0/1 (or false/true) entry of a mask matrix or padding list.
bool read_flag(const json& x, const std::string& where, const char* meaning) {
    if (x.is_boolean()) return x.get<bool>();
    if (x.is_number()) {
        const double d = x.get<double>();
        if (d == 0.0) return false;
        if (d == 1.0) return true;
    }
    throw InputError("mask", where + " is " + describe_value(x) + ", expected 0 or 1 (or false/true; " + meaning + ")");
}

Mask read_mask(const json* j, std::size_t n_queries, std::size_t n_keys) {
    if (!j || j->is_null()) return Mask::none();
    if (j->is_string()) {
        const std::string s = j->get<std::string>();
        if (s == "none") return Mask::none();
        if (s == "causal") return Mask::causal();
        throw InputError("mask", "unknown mask \"" + s + "\"; " + kMaskForms);
    }
    if (j->is_object()) {
        if (j->size() != 1) throw InputError("mask", "object has " + count(j->size(), "key") + ", " + kMaskForms);
        const std::string key = j->begin().key();
        const json& x = j->begin().value();
        if (key == "key_padding") {
            if (!x.is_array())
                throw InputError("mask", "key_padding is " + json_type_phrase(x) + ", expected an array of booleans");
            if (x.size() != n_keys)
                throw InputError("mask",
                                 "key_padding has " + count(x.size(), "entry") + ", key has " + count(n_keys, "row"));
            std::vector<bool> padding(x.size());
            for (std::size_t i = 0; i < x.size(); ++i)
                padding[i] = read_flag(x[i], "key_padding[" + str(i) + "]", "true = padding");
            return Mask::key_padding(std::move(padding));
        }
        if (key == "window") {
            std::size_t w = 0;
            if (!as_count(x, w))
                throw InputError("mask", "window is " + describe_value(x) + ", expected a non-negative integer");
            return Mask::window(w);
        }
        throw InputError("mask", "unknown key \"" + key + "\"; " + kMaskForms);
    }
    if (j->is_array()) {
        const std::size_t cols = check_rows(*j, "mask");
        if (j->size() != n_queries || cols != n_keys)
            throw InputError("mask", "is " + shape_string(j->size(), cols) + ", expected " +
                                         shape_string(n_queries, n_keys) + " (query rows × key rows)");
        std::vector<std::uint8_t> allowed(n_queries * n_keys);
        for (std::size_t i = 0; i < n_queries; ++i)
            for (std::size_t c = 0; c < n_keys; ++c)
                allowed[i * n_keys + c] = read_flag((*j)[i][c], "[" + str(i) + "][" + str(c) + "]", "1 = may attend");
        return Mask::matrix(n_queries, n_keys, std::move(allowed));
    }
    throw InputError("mask", "is " + json_type_phrase(*j) + ", " + kMaskForms);
}

// =====================================================================================
// [SECTION] Single-head and multi-head specs
// =====================================================================================

float read_temperature(const json& spec) {
    const json* t = find(spec, "temperature");
    if (!t) return 1.0f;
    if (!t->is_number()) throw InputError("temperature", "is " + json_type_phrase(*t) + ", expected a number > 0");
    const double d = t->get<double>();
    if (!(d > 0)) throw InputError("temperature", "must be > 0, found " + num(d));
    const float f = read_float(*t, "temperature", "");
    if (!(f >= FLT_MIN))
        throw InputError("temperature", "is " + num(d) + ", too small for a 32-bit float (smallest is about 1.2e-38)");
    return f;
}

// Reads query, key and value (value defaults to key) and checks value has a row per key.
void read_qkv(const json& spec, Spec& out) {
    out.query = read_matrix(require(spec, "query", "expected an L×d matrix of query vectors"), "query");
    out.key = read_matrix(require(spec, "key", "expected an S×d matrix of key vectors"), "key");
    const json* v = find(spec, "value");
    out.value = v ? read_matrix(*v, "value") : out.key;
    if (out.value.rows() != out.key.rows())
        throw InputError("value",
                         "has " + count(out.value.rows(), "row") + ", key has " + count(out.key.rows(), "row"));
}

void require_same_cols(const Matrix& m, const char* field, const Matrix& ref, const char* ref_name) {
    if (m.cols() != ref.cols())
        throw InputError(field,
                         "has " + count(m.cols(), "column") + ", " + ref_name + " has " + count(ref.cols(), "column"));
}

void parse_single_head(const json& spec, Spec& out) {
    out.kind = SpecKind::single_head;
    out.score.kind = parse_score(out.attention);
    reject_unknown_fields(spec, {"attention", "query", "key", "value", "mask", "temperature", "W", "W_q", "W_k", "v"},
                          out.attention);
    read_qkv(spec, out);
    const std::size_t d_q = out.query.cols(), d_k = out.key.cols();
    const std::size_t L = out.query.rows(), S = out.key.rows();
    switch (out.score.kind) {
        case Score::dot:
        case Score::scaled_dot:
        case Score::cosine: require_same_cols(out.key, "key", out.query, "query"); break;
        case Score::general: {
            const std::string expected = shape_string(d_q, d_k) + " (query columns × key columns)";
            out.score.W = read_matrix(require(spec, "W", "general attention needs W, a " + expected + " matrix"), "W");
            if (out.score.W.rows() != d_q || out.score.W.cols() != d_k)
                throw InputError(
                    "W", "is " + shape_string(out.score.W.rows(), out.score.W.cols()) + ", expected " + expected);
            break;
        }
        case Score::additive: {
            const char* why = "additive attention needs W_q (h×d_q), W_k (h×d_k) and v (h values)";
            out.score.W_q = read_matrix(require(spec, "W_q", why), "W_q");
            out.score.W_k = read_matrix(require(spec, "W_k", why), "W_k");
            out.score.v = read_vector(require(spec, "v", why), "v");
            const std::size_t h = out.score.W_q.rows();
            require_same_cols(out.score.W_q, "W_q", out.query, "query");
            if (out.score.W_k.rows() != h)
                throw InputError("W_k", "has " + count(out.score.W_k.rows(), "row") + ", W_q has " + count(h, "row"));
            require_same_cols(out.score.W_k, "W_k", out.key, "key");
            if (out.score.v.size() != h)
                throw InputError("v", "has " + count(out.score.v.size(), "entry") + ", W_q has " + count(h, "row"));
            break;
        }
    }
    out.temperature = read_temperature(spec);
    out.score.temperature = out.temperature;
    out.mask = read_mask(find(spec, "mask"), L, S);
    if (L > kMaxElements / S)
        throw InputError("scores", "would be " + shape_string(L, S) + " (query rows × key rows) = " + str(L * S) +
                                       " elements, more than the limit of " + str(kMaxElements) + " (2^26)");
}

// ---- Multi-head parameters from the spec or from a weights file (--weights) ----

// "24×8" for a matrix, "[24]" for a vector, "[24, 8, 1]" for anything else.
std::string tensor_shape_text(const std::vector<std::size_t>& shape) {
    if (shape.size() == 2) return shape_string(shape[0], shape[1]);
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + str(shape[i]);
    return s + "]";
}

InputError tensor_problem(const ExternalParams& ext, const ExternalTensor& t, const std::string& problem) {
    return InputError("--weights: " + t.name, problem + " (in " + ext.file + ")");
}

// The weights file's tensor for parameter `field`, or null when the spec gives it (or nobody
// does). A parameter in both places is an error: which one was meant is not ours to guess.
const ExternalTensor* external_tensor(const json& spec, const char* field, const ExternalParams* ext,
                                      ExternalTensor ExternalParams::*member) {
    if (!ext || !(ext->*member).found) return nullptr;
    const ExternalTensor& t = ext->*member;
    const json* j = find(spec, field);
    if (j && !j->is_null())
        throw tensor_problem(*ext, t,
                             std::string("is also given in the spec as ") + field +
                                 "; give each parameter in one place (remove it from the spec, or use another "
                                 "--weights-prefix)");
    return &t;
}

// A required weight matrix (rows × cols) from the file's tensor or the spec's field.
Matrix read_weight(const json& spec, const char* field, const ExternalParams* ext,
                   ExternalTensor ExternalParams::*member, std::size_t rows, std::size_t cols,
                   const std::string& expected) {
    if (const ExternalTensor* t = external_tensor(spec, field, ext, member)) {
        if (t->shape.size() != 2 || t->shape[0] != rows || t->shape[1] != cols)
            throw tensor_problem(*ext, *t,
                                 "is " + tensor_shape_text(t->shape) + ", expected " + expected + " for " + field);
        Matrix m(rows, cols);
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t c = 0; c < cols; ++c) m(i, c) = t->values[i * cols + c];
        return m;
    }
    const json* j = find(spec, field);
    if (!j && ext)
        throw InputError("--weights", ext->file + ": has no tensor " + (ext->*member).name + " and the spec has no " +
                                          field + " field; multi_head attention needs it, " + expected + " (" +
                                          ext->listing + ")");
    Matrix m = read_matrix(
        j ? *j : require(spec, field, std::string("multi_head attention needs ") + field + ", " + expected), field);
    if (m.rows() != rows || m.cols() != cols)
        throw InputError(field, "is " + shape_string(m.rows(), m.cols()) + ", expected " + expected);
    return m;
}

// An optional bias of n entries from the file's tensor or the spec's field (empty: no bias).
std::vector<float> read_bias(const json& spec, const char* field, const ExternalParams* ext,
                             ExternalTensor ExternalParams::*member, std::size_t n, const std::string& expected) {
    if (const ExternalTensor* t = external_tensor(spec, field, ext, member)) {
        if (t->shape.size() != 1 || t->shape[0] != n)
            throw tensor_problem(
                *ext, *t,
                "is " + tensor_shape_text(t->shape) + ", expected [" + str(n) + "] (" + expected + ") for " + field);
        return t->values;
    }
    const json* j = find(spec, field);
    if (!j || j->is_null()) return {};
    std::vector<float> b = read_vector(*j, field);
    if (b.size() != n)
        throw InputError(field, "has " + count(b.size(), "entry") + ", expected " + str(n) + " (" + expected + ")");
    return b;
}

void parse_multi_head(const json& spec, Spec& out, const ExternalParams* ext) {
    out.kind = SpecKind::multi_head;
    reject_unknown_fields(spec,
                          {"attention", "num_heads", "query", "key", "value", "in_proj_weight", "in_proj_bias",
                           "out_proj_weight", "out_proj_bias", "mask", "temperature", "implementation"},
                          "multi_head");
    read_qkv(spec, out);
    require_same_cols(out.key, "key", out.query, "query");
    require_same_cols(out.value, "value", out.query, "query");
    const std::size_t E = out.query.cols(), L = out.query.rows(), S = out.key.rows();
    const std::string e = "E = " + str(E);

    const json& h =
        require(spec, "num_heads", "multi_head attention needs the number of heads (a divisor of E = " + str(E) + ")");
    std::size_t heads = 0;
    if (!as_count(h, heads) || heads == 0)
        throw InputError("num_heads", "is " + describe_value(h) + ", expected a positive integer");
    if (E % heads != 0)
        throw InputError("num_heads",
                         str(heads) + " does not divide the embedding size E = " + str(E) + " (query columns)");
    out.multi_head.num_heads = heads;

    MultiHeadParams& p = out.multi_head;
    const std::string in_shape =
        shape_string(3 * E, E) + " (3E×E with " + e + ": [W_q; W_k; W_v] stacked, PyTorch layout)";
    p.in_proj_weight = read_weight(spec, "in_proj_weight", ext, &ExternalParams::in_proj_weight, 3 * E, E, in_shape);
    p.in_proj_bias = read_bias(spec, "in_proj_bias", ext, &ExternalParams::in_proj_bias, 3 * E, "3E with " + e);
    const std::string out_shape = shape_string(E, E) + " (E×E with " + e + ")";
    p.out_proj_weight = read_weight(spec, "out_proj_weight", ext, &ExternalParams::out_proj_weight, E, E, out_shape);
    p.out_proj_bias = read_bias(spec, "out_proj_bias", ext, &ExternalParams::out_proj_bias, E, e);

    if (const json* impl = find(spec, "implementation")) {
        const std::string s = impl->is_string() ? impl->get<std::string>() : "";
        if (s == "plain")
            out.implementation = Implementation::plain;
        else if (s == "tiled")
            out.implementation = Implementation::tiled;
        else
            throw InputError("implementation", "is " + (impl->is_string() ? "\"" + s + "\"" : json_type_phrase(*impl)) +
                                                   ", expected \"plain\" or \"tiled\"");
    }

    out.mask = read_mask(find(spec, "mask"), L, S);
    if (L > kMaxElements / S || heads > kMaxElements / (L * S))
        throw InputError("weights", "would be " + str(heads) + " heads × " + shape_string(L, S) +
                                        " (query rows × key rows), more than the limit of " + str(kMaxElements) +
                                        " (2^26) elements");

    // The core divides every head's scores by it (MultiHeadOptions::temperature).
    out.temperature = read_temperature(spec);
}

// =====================================================================================
// [SECTION] Running a spec
// =====================================================================================

// The core's errors name the input they are about (Error::field(), spelled like the spec's
// fields); an error about no single input is reported against the attention kind.
InputError from_core(const Error& e, const std::string& fallback_field) {
    if (e.field().empty()) return InputError(fallback_field, e.what());
    return InputError(e.field(), e.problem());
}

// A result that overflowed means the inputs were too large for 32-bit floats: report where.
void require_finite_result(const Matrix& m, const std::string& field) {
    for (std::size_t i = 0; i < m.rows(); ++i)
        for (std::size_t c = 0; c < m.cols(); ++c)
            if (!std::isfinite(m(i, c)))
                throw InputError(field, "[" + str(i) + "][" + str(c) + "] is " +
                                            (std::isnan(m(i, c)) ? "NaN" : "infinite") +
                                            ": the inputs (or 1/temperature) are too large for 32-bit floats");
}

}  // namespace

Spec parse_spec(const std::string& text, const std::string& source, const ExternalParams* external) {
    const json spec = read_json(text, source);
    if (!spec.is_object())
        throw InputError(source, "is " + json_type_phrase(spec) +
                                     ", expected a JSON object such as "
                                     "{\"attention\": \"scaled_dot\", \"query\": [[1, 0]], \"key\": [[1, 0], [0, 1]]}");
    Spec out;
    const char* kinds = "dot, scaled_dot, general, additive, cosine or multi_head";
    const json& a = require(spec, "attention", std::string("expected one of ") + kinds);
    if (!a.is_string()) throw InputError("attention", "is " + json_type_phrase(a) + ", expected one of " + kinds);
    out.attention = a.get<std::string>();
    if (out.attention == "multi_head") {
        parse_multi_head(spec, out, external);
        return out;
    }
    static const char* const kSingle[] = {"dot", "scaled_dot", "general", "additive", "cosine"};
    if (std::find(std::begin(kSingle), std::end(kSingle), out.attention) == std::end(kSingle))
        throw InputError("attention", "unknown kind \"" + out.attention + "\", expected " + kinds);
    if (external)
        throw InputError("--weights", external->file +
                                          ": gives the parameters of multi_head attention, but the spec's "
                                          "attention is \"" +
                                          out.attention + "\"");
    parse_single_head(spec, out);
    return out;
}

ComputeResult run_spec(const Spec& spec) {
    ComputeResult r;
    r.kind = spec.kind;
    try {
        if (spec.kind == SpecKind::single_head) {
            AttentionResult a = attention(spec.query, spec.key, spec.value, spec.score, spec.mask);
            r.scores = std::move(a.scores);
            r.weights.push_back(std::move(a.weights));
            r.output = std::move(a.output);
        } else {
            MultiHeadOptions options;
            options.implementation = spec.implementation;
            options.need_weights = true;
            options.temperature = spec.temperature;
            MultiHeadResult m =
                multi_head_attention(spec.query, spec.key, spec.value, spec.multi_head, spec.mask, options);
            r.weights = std::move(m.weights);
            r.output = std::move(m.output);
        }
    } catch (const Error& e) {
        throw from_core(e, spec.attention);
    }
    require_finite_result(r.scores, "scores");
    for (std::size_t h = 0; h < r.weights.size(); ++h)
        require_finite_result(r.weights[h], r.weights.size() == 1 ? "weights" : "weights (head " + str(h) + ")");
    require_finite_result(r.output, "output");
    return r;
}

// =====================================================================================
// [SECTION] Help text
// =====================================================================================

const char* spec_help() {
    return R"(SPEC (JSON; '-' reads it from stdin). Matrices are arrays of rows: [[1, 2], [3, 4]] is 2×2;
every matrix has at most 2^26 elements, every number must be finite.

Single head:
  {"attention": "dot" | "scaled_dot" | "general" | "additive" | "cosine",
   "query": L×d_q, "key": S×d_k, "value": S×d_v (optional, defaults to key),
   "mask": see below (optional), "temperature": T (optional, default 1, must be > 0),
   "W": d_q×d_k                                   (general:  s = qᵀ W k)
   "W_q": h×d_q, "W_k": h×d_k, "v": [h numbers]    (additive: s = vᵀ tanh(W_q q + W_k k))}
  dot: s = q·k (d_q = d_k); scaled_dot: s = q·k / √d_k; cosine: s = q·k / (‖q‖ ‖k‖).
  Every score is divided by T before the softmax (scaled_dot: q·k / (√d_k · T)).
  Result: {"scores": L×S (after /T, before masking), "weights": L×S, "output": L×d_v}

Multi-head (PyTorch nn.MultiheadAttention layout, batch_first, one batch element):
  {"attention": "multi_head", "num_heads": h (must divide E),
   "query": L×E, "key": S×E, "value": S×E (optional, defaults to key),
   "in_proj_weight": 3E×E ([W_q; W_k; W_v]), "in_proj_bias": [3E numbers] (optional),
   "out_proj_weight": E×E, "out_proj_bias": [E numbers] (optional),
   "mask": (optional), "temperature": T (optional; divides every head's scores),
   "implementation": "plain" | "tiled" (optional; tiled = online softmax, same result)}
  Result: {"output": L×E, "weights": h×L×S (per head, not averaged)}

Weights files (multi-head): --weights FILE.safetensors [--weights-prefix PREFIX]
  takes the parameters of a PyTorch nn.MultiheadAttention from a safetensors file, under their
  state_dict names PREFIX + in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias
  (dtypes F32, F64, F16 or BF16, read as 32-bit floats). The spec then leaves those fields out
  (a parameter in both places is an error); a bias in neither means no bias. Without
  --weights-prefix the names are taken bare, else under the one prefix in front of them
  (e.g. "encoder.layers.0.self_attn."); a file holding several layers needs --weights-prefix.
  From PyTorch: safetensors.torch.save_file(model.state_dict(), "model.safetensors").
  File problems: "attnlab: --weights: <file>: ..." or "attnlab: --weights: <tensor>: ...".

Masks (which keys j query i may attend):
  "none" | "causal" (j ≤ i) | {"key_padding": [S booleans, true = padding]}
  | {"window": w} (|i − j| ≤ w) | an L×S matrix of 0/1 (1 = may attend).
  A fully masked row gets zero weights and a zero output.
Unknown fields are errors; fields whose names start with _ are ignored (comments).

Outputs:
  stdout / -o FILE  the result JSON (-o - also means stdout)
  --csv FILE        the weights. Single head: L lines of S comma-separated values.
                    Multi-head: long format, header "head,row,col,value", one line per weight,
                    head by head, row by row.
  --png FILE        the weights as a heatmap (viridis: dark purple = 0, yellow = the largest
                    weight), one row per query, one column per key, heads side by side.
  Output files are written only when everything succeeded (never partially).

Exit status: 0 success; 2 bad input or usage, with one line on stderr
  "attnlab: <field>: <problem>"; 1 an output file could not be written.

Examples:
  attnlab compute --example
  echo '{"attention": "dot", "query": [[1, 0]], "key": [[1, 0], [0, 1]]}' | attnlab compute -
  attnlab compute spec.json -o result.json --csv weights.csv --png weights.png
  attnlab compute inputs.json --weights model.safetensors --weights-prefix encoder.layers.0.self_attn.
)";
}

}  // namespace attn::cli
