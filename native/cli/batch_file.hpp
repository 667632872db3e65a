// batch_file.hpp: the BATCH.json of `attnlab grad`, checked against the model it goes through.
//
//   token models:  {"input": [[ids]], "target": [[ids, or -100 = ignore]]}
//   series models: {"input": [[values]], "target": [[values]]}
// B ≥ 1 rows of the same length n (1 ≤ n ≤ the model's max_len), target of the same shape as
// input. Ids are whole numbers in [0, vocab); values finite and within the float range; at
// least one target not ignored. Problems are InputError(source, "<where>: <problem>"), where
// is the key and position ("input[1][3]").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "attn/train/transformer.hpp"

namespace attn::cli {

struct Batch {
    std::size_t size = 0, length = 0;                // B rows of n positions
    std::vector<std::int32_t> input, target;         // (B, n) token models
    std::vector<float> input_values, target_values;  // (B, n) series models
    std::size_t targets = 0;                         // targets not ignored (token models), B·n (series)
};

// The largest batch accepted: B·n ≤ 2^20 positions (and the model's activations for it must fit
// the core's 2^26-element matrices, checked here with the batch's sizes).
inline constexpr std::size_t kMaxBatchPositions = std::size_t{1} << 20;

Batch parse_batch(const std::string& text, const std::string& source, const TransformerConfig& model);

}  // namespace attn::cli
