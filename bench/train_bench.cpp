// train_bench.cpp: attnlab-bench --what train: milliseconds per optimizer step of the
// Transformer of attn/train (forward, cross-entropy or MSE, backward, AdamW) on batches of a
// task (on --threads threads: attnlab_bench.cpp times 1 and T in the same run). The peer is
// bench/peers/torch_train_peer.py: the same PyTorch module, batch and optimizer. Batches are drawn before timing (the
// data generator is not what is measured).
#include "train_bench.hpp"

#include "attn/train/seq2seq_trainer.hpp"

namespace bench {

namespace {

std::function<void()> dates_step(TrainArgs& a, TrainState& s) {
    attn::DatesRecipe r = attn::default_dates_recipe();
    for (auto [size, fallback] :
         {std::make_pair(&a.emb, r.model.emb), std::make_pair(&a.enc_hidden, r.model.enc_hidden),
          std::make_pair(&a.dec_hidden, r.model.dec_hidden), std::make_pair(&a.attn_hidden, r.model.attn_hidden)})
        if (*size == 0) *size = fallback;
    r.model.emb = a.emb;
    r.model.enc_hidden = a.enc_hidden;
    r.model.dec_hidden = a.dec_hidden;
    r.model.attn_hidden = a.attn_hidden;
    s.seq2seq = std::make_unique<attn::Seq2Seq>(r.model);
    s.seq2seq->init(1);
    s.adam = std::make_unique<attn::Adam>(r.optim);
    attn::Rng rng(7);
    s.date_batches.resize(8);
    for (auto& b : s.date_batches) attn::dates::generate_batch(a.batch, rng, b);
    return [&s] {
        const attn::dates::Batch& b = s.date_batches[s.next++ % s.date_batches.size()];
        s.seq2seq->forward(b.source.data(), b.lengths.data(), b.size, b.source_length, b.target.data(),
                           b.target_length);
        s.loss = s.seq2seq->cross_entropy_loss();
        s.seq2seq->backward();
        s.adam->step(s.seq2seq->parameters());
    };
}

}  // namespace

std::function<void()> train_step(TrainArgs& a, TrainState& s) {
    if (a.task == "dates") return dates_step(a, s);
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
