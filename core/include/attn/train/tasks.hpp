// tasks.hpp: seeded generators of the toy tasks the Transformer learns.
//
//   copy, reverse, sort   input: n tokens uniform in [0, vocab); target: the same tokens, reversed,
//                         or sorted ascending; a prediction at every position (bidirectional model).
//   induction             n + 1 tokens uniform in [0, vocab) in which a segment of k tokens at a
//                         random position p is copied to a random q ≥ p + k; input = tokens[:−1],
//                         target = tokens[1:] (causal language modelling). Scored positions are
//                         the copy's tokens after its first (those an induction head can predict).
//   series                x_t = sin(2π·t/P + φ) + ε, P an integer in [3, max(3, n/2)], φ uniform
//                         in [0, 2π), ε ~ N(0, noise²); input = x[:−1], target = x[1:] (causal
//                         next-value regression).
// A batch reuses its buffers (no allocation once warm). The same Rng state gives the same batch
// natively and in wasm (attn::Rng is written out; sin is the only libm call, for series).
// Deliberately not here: accuracy over held-out sets and training loops (a later layer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "attn/train/rng.hpp"

namespace attn {

enum class TaskKind { copy, reverse, sort, induction, series };

const char* task_name(TaskKind t);  // "copy", "reverse", "sort", "induction", "series"
// Throws attn::Error listing the valid names.
TaskKind parse_task(const std::string& name);

struct TaskConfig {
    TaskKind kind = TaskKind::reverse;
    std::size_t length = 8;  // n: the model's input length
    std::size_t vocab = 10;  // token tasks
    std::size_t k = 3;       // induction: copied segment length (n + 1 ≥ 2k)
    float noise = 0.05f;     // series: standard deviation of ε

    // Throws attn::Error naming the field.
    void check() const;
    bool causal() const { return kind == TaskKind::induction || kind == TaskKind::series; }
    bool tokens() const { return kind != TaskKind::series; }
};

struct TaskBatch {
    std::size_t size = 0, length = 0;  // B sequences of n positions
    std::vector<std::int32_t> input;   // (B, n) token tasks
    std::vector<std::int32_t> target;  // (B, n) token tasks
    std::vector<float> input_values;   // (B, n) series
    std::vector<float> target_values;  // (B, n) series
    std::vector<std::uint8_t> scored;  // (B, n) 1 where accuracy counts (all of copy/reverse/sort)
};

// Fills `batch` with B fresh examples drawn from rng.
void generate_batch(const TaskConfig& task, std::size_t B, Rng& rng, TaskBatch& batch);

}  // namespace attn
