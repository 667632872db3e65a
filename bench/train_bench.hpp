// train_bench.hpp: the optimizer step that attnlab-bench --what train times (train_bench.cpp).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "attn/train/dates.hpp"
#include "attn/train/optim.hpp"
#include "attn/train/seq2seq.hpp"
#include "attn/train/tasks.hpp"
#include "attn/train/transformer.hpp"

namespace bench {

struct TrainArgs {
    std::string task = "reverse";
    std::size_t length = 8, vocab = 10, d_model = 32, heads = 2, d_ff = 64, layers = 1, batch = 64;
    // --task dates: the seq2seq translator's sizes (0: attnlab train --task dates's defaults)
    std::size_t emb = 0, enc_hidden = 0, dec_hidden = 0, attn_hidden = 0;
};

// What the timed step works on; it must outlive the step.
struct TrainState {
    attn::TaskConfig task;
    std::unique_ptr<attn::Transformer> model;
    std::unique_ptr<attn::Adam> adam;
    std::vector<attn::TaskBatch> batches;
    std::size_t next = 0;
    float loss = 0;
    // --task dates
    std::unique_ptr<attn::Seq2Seq> seq2seq;
    std::vector<attn::dates::Batch> date_batches;
};

// --task dates: one Adam step (attnlab train --task dates's optimizer: lr 1e-2, clip 1) of the
// seq2seq translator on the next of 8 pre-drawn batches of dates (teacher forcing, 11 decoder
// steps). Fills in the sizes left at 0.
// Otherwise: one AdamW step (forward, loss, backward, update) on the next of 8 pre-drawn batches.
std::function<void()> train_step(TrainArgs& a, TrainState& s);

}  // namespace bench
