// train_bench.hpp: the optimizer step that attnlab-bench --what train times (train_bench.cpp).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "attn/train/optim.hpp"
#include "attn/train/tasks.hpp"
#include "attn/train/transformer.hpp"

namespace bench {

struct TrainArgs {
    std::string task = "reverse";
    std::size_t length = 8, vocab = 10, d_model = 32, heads = 2, d_ff = 64, layers = 1, batch = 64;
};

// What the timed step works on; it must outlive the step.
struct TrainState {
    attn::TaskConfig task;
    std::unique_ptr<attn::Transformer> model;
    std::unique_ptr<attn::Adam> adam;
    std::vector<attn::TaskBatch> batches;
    std::size_t next = 0;
    float loss = 0;
};

// One AdamW step (forward, loss, backward, update) on the next of 8 pre-drawn batches.
std::function<void()> train_step(const TrainArgs& a, TrainState& s);

}  // namespace bench
