// spec.hpp: the JSON spec of `attnlab compute`, turned into core types, and running it.
//
// parse_spec checks every field before the core sees it, so a bad spec is reported as
// "<field>: <problem>" with the sizes found and expected (InputError); run_spec calls
// attn::attention or attn::multi_head_attention and checks the results are finite.
// The schema itself is documented once, in spec_help(), which `compute --help` prints.
#pragma once

#include <string>
#include <vector>

#include "attn/attention.hpp"
#include "attn/mask.hpp"
#include "attn/matrix.hpp"
#include "attn/multihead.hpp"

namespace attn::cli {

enum class SpecKind { single_head, multi_head };

struct Spec {
    SpecKind kind = SpecKind::single_head;
    std::string attention;   // "scaled_dot", ..., "multi_head"
    Matrix query, key, value;  // (L, d_q), (S, d_k), (S, d_v); multi-head: d = E
    Mask mask;
    float temperature = 1.0f;
    ScoreParams score;            // single head; score.temperature == temperature
    MultiHeadParams multi_head;   // multi-head; the temperature is folded into W_q and b_q
    Implementation implementation = Implementation::plain;
    // Labels for the rows (queries) and columns (keys) of printed tables; empty = indices.
    std::vector<std::string> query_labels, key_labels;
};

struct ComputeResult {
    SpecKind kind = SpecKind::single_head;
    Matrix scores;               // (L, S), single head only: after the temperature, before masking
    std::vector<Matrix> weights;  // one (L, S) per head (exactly one for single head)
    Matrix output;               // (L, d_v) or (L, E)
};

// text: the spec as JSON; source names it in messages ("spec.json", "stdin").
// Throws InputError naming the field and the problem.
Spec parse_spec(const std::string& text, const std::string& source);

// Throws InputError when the core rejects the spec or a result is not finite
// (inputs too large for 32-bit floats).
ComputeResult run_spec(const Spec& spec);

// The schema summary printed by `attnlab compute --help`.
const char* spec_help();

}  // namespace attn::cli
