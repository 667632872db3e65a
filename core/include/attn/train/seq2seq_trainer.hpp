// seq2seq_trainer.hpp: training and held-out evaluation of the date translator
// (attn/train/seq2seq.hpp on the task of attn/train/dates.hpp), as `attnlab train --task dates`
// and `attnlab eval` run them, and as a lesson steps it (one optimizer step per call,
// deterministic for a seed).
//
//   step:     a fresh batch of dates, teacher-forced forward, mean cross-entropy over the 10
//             characters and the final <eos>, backward, then Adam (clipping, warm-up).
//   evaluate: K held-out dates from their own seed, greedy decoding: exact match (the 10
//             characters and then <eos>), character accuracy, the teacher-forced loss, and the
//             alignment masses: the mean attention weight that the output's year (characters
//             0–3), month (5–6) and day (8–9) put on the source span of the year, the month and
//             the day.
// Random streams: for a run seed S the model is initialised from Rng(S), batches come from
// Rng(training_data_seed(S)) and held-out dates from Rng(held_out_seed(S)).
#pragma once

#include <cstddef>
#include <cstdint>

#include "attn/train/dates.hpp"
#include "attn/train/optim.hpp"
#include "attn/train/seq2seq.hpp"

namespace attn {

struct DatesRecipe {
    Seq2SeqConfig model;  // sizes (vocab sizes: the dates vocabularies')
    AdamConfig optim;
    std::size_t batch = 64;
    std::size_t steps = 400;  // as default_dates_recipe()
};

// attnlab train --task dates's defaults (the measurements behind them are in the README).
DatesRecipe default_dates_recipe();

struct DatesEvaluation {
    std::size_t examples = 0;
    double exact_match = 0.0;    // fraction of dates translated exactly (and ended with <eos>)
    double char_accuracy = 0.0;  // fraction of the 10 output characters right
    double loss = 0.0;           // teacher-forced mean cross-entropy
    double year_mass = 0.0, month_mass = 0.0, day_mass = 0.0;  // alignment scores in [0, 1]
};

// Greedy decoding of `examples` held-out dates drawn from Rng(seed), in chunks of up to 250.
// The model's vocabularies are given (a file's may differ from ours in order).
DatesEvaluation evaluate_dates(Seq2Seq& model, std::size_t examples, std::uint64_t seed,
                               const dates::Vocabulary& source_vocab = dates::source_vocabulary(),
                               const dates::Vocabulary& target_vocab = dates::target_vocabulary());

class DatesTrainer {
public:
    DatesTrainer(Seq2Seq& model, const AdamConfig& optim, std::size_t batch, std::uint64_t data_seed);
    // One optimizer step on a fresh batch; returns that batch's loss before the update. Throws
    // DivergedError (attn/train/trainer.hpp) when the loss or the gradient norm is not finite
    // (found before the update: the parameters stay those of the last good step), or when the
    // update made a parameter non-finite (the parameters are then spoilt: restore a checkpoint).
    float step();
    std::size_t steps() const { return optimizer_.steps(); }
    Adam& optimizer() { return optimizer_; }
    const dates::Batch& last_batch() const { return batch_; }

private:
    Seq2Seq& model_;
    Adam optimizer_;
    std::size_t batch_size_;
    Rng rng_;
    dates::Batch batch_;
};

}  // namespace attn
