// head_scores.hpp: what a trained head does, measured on one sequence's attention weights.
//
// Interpretability's standard scores for the heads the lessons show (Olsson et al., "In-context
// Learning and Induction Heads", 2022, for the last two):
//   anti_diagonal_score   mean weight of query i on key n−1−i: the head that reverses a sequence;
//   previous_token_score  mean weight of query i on key i−1 (i ≥ 1): the first half of an
//                         induction circuit;
//   induction_score       for each query i whose token appeared earlier (latest at c < i − 1),
//                         the weight on key c + 1, the token that followed it: the mean over such
//                         queries (0 when the sequence repeats no token that way).
// Each takes an n×n matrix of weights (rows: queries, columns: keys) and returns a value in [0, 1]
// for rows that sum to one. layer_attention_params gives a Transformer layer's self-attention in
// the core's multi-head layout, so a lesson can recompute that layer's heads with a trace.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "attn/matrix.hpp"
#include "attn/multihead.hpp"

namespace attn {

class Transformer;

double anti_diagonal_score(ConstMatrixView weights);
double previous_token_score(ConstMatrixView weights);
// ids: the n tokens of the sequence the weights were computed on.
double induction_score(ConstMatrixView weights, const std::vector<std::int32_t>& ids);

// layers.<layer>.self_attn's in_proj and out_proj (weights and biases) as MultiHeadParams.
MultiHeadParams layer_attention_params(const Transformer& model, std::size_t layer);

}  // namespace attn
