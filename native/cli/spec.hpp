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
    std::string attention;     // "scaled_dot", ..., "multi_head"
    Matrix query, key, value;  // (L, d_q), (S, d_k), (S, d_v); multi-head: d = E
    Mask mask;
    float temperature = 1.0f;
    ScoreParams score;           // single head; score.temperature == temperature
    MultiHeadParams multi_head;  // multi-head; the temperature goes to MultiHeadOptions
    Implementation implementation = Implementation::plain;
    // Labels for the rows (queries) and columns (keys) of printed tables; empty = indices.
    std::vector<std::string> query_labels, key_labels;
};

struct ComputeResult {
    SpecKind kind = SpecKind::single_head;
    Matrix scores;                // (L, S), single head only: after the temperature, before masking
    std::vector<Matrix> weights;  // one (L, S) per head (exactly one for single head)
    Matrix output;                // (L, d_v) or (L, E)
};

// A multi-head parameter that may come from a weights file (attnlab compute --weights)
// instead of the spec: the tensor looked for, and what the file holds under that name.
struct ExternalTensor {
    std::string name;  // the tensor's name in the file, prefix included
    bool found = false;
    std::vector<std::size_t> shape;  // as in the file (any rank; parse_spec checks it)
    std::vector<float> values;       // row-major, finite
};

// The four nn.MultiheadAttention parameters a weights file may supply. A parameter found in
// the file must not also be in the spec; one found in neither is an error if it is required.
struct ExternalParams {
    std::string file;     // for messages: "<file>: ..." and "... (in <file>)"
    std::string listing;  // for messages about missing tensors: "its tensors: a, b, ..."
    ExternalTensor in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias;
};

// text: the spec as JSON; source names it in messages ("spec.json", "stdin").
// external: parameters from a weights file (multi_head only), or null.
// Throws InputError naming the field and the problem; problems with a tensor of the weights
// file name it as "--weights: <tensor>".
Spec parse_spec(const std::string& text, const std::string& source, const ExternalParams* external = nullptr);

// Throws InputError when the core rejects the spec or a result is not finite
// (inputs too large for 32-bit floats).
ComputeResult run_spec(const Spec& spec);

// The schema summary printed by `attnlab compute --help`.
const char* spec_help();

}  // namespace attn::cli
