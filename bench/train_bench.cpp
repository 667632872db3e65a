// train_bench.cpp: attnlab-bench --what train: milliseconds per optimizer step of the
// Transformer of attn/train (forward, cross-entropy or MSE, backward, AdamW) on batches of a
// task, one thread. The peer is bench/peers/torch_train_peer.py: the same PyTorch module, batch
// and optimizer. Batches are drawn before timing (the data generator is not what is measured).
#include "train_bench.hpp"

namespace bench {

std::function<void()> train_step(const TrainArgs& a, TrainState& s) {
    s.task.kind = attn::parse_task(a.task);
    s.task.length = a.length;
    s.task.vocab = a.vocab;
    s.task.check();
    attn::TransformerConfig c;
    c.input = s.task.tokens() ? attn::ModelInput::tokens : attn::ModelInput::series;
    c.vocab = a.vocab;
    c.d_model = a.d_model;
    c.heads = a.heads;
    c.d_ff = a.d_ff;
    c.layers = a.layers;
    c.max_len = a.length;
    c.causal = s.task.causal();
    c.check();
    s.model = std::make_unique<attn::Transformer>(c);
    s.model->init(1);
    s.adam = std::make_unique<attn::Adam>(attn::AdamConfig::adamw(1e-3));
    attn::Rng rng(7);
    s.batches.resize(8);
    for (auto& b : s.batches) attn::generate_batch(s.task, a.batch, rng, b);
    return [&s] {
        const attn::TaskBatch& b = s.batches[s.next++ % s.batches.size()];
        if (s.task.tokens()) {
            s.model->forward(b.input.data(), b.size, b.length);
            s.loss = s.model->cross_entropy_loss(b.target.data());
        } else {
            s.model->forward_series(b.input_values.data(), b.size, b.length);
            s.loss = s.model->mse_loss(b.target_values.data());
        }
        s.model->backward();
        s.adam->step(s.model->parameters());
    };
}

}  // namespace bench
