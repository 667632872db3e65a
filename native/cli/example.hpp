// example.hpp: the built-in example of `attnlab compute --example`, the first thing a new
// user sees: causal scaled dot-product self-attention over a six-word sentence with tiny
// hand-made embeddings, printed as a labelled table of weights.
#pragma once

#include <string>

#include "spec.hpp"

namespace attn::cli {

Spec example_spec();

// Title, explanation, the weights table and a hint of what to try next.
std::string example_report(const Spec& spec, const ComputeResult& result);

}  // namespace attn::cli
