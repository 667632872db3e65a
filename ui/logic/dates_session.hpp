// dates_session.hpp: one training run of the date translator (issue 12) for the Training lesson,
// GL-free and unit tested: the seq2seq_additive kind of model beside the Transformer's
// TrainingSession (training_session.hpp), sharing its checkpoint ring and curves.
//
// A DatesSession owns the model (attn::Seq2Seq with the core's default sizes and optimizer,
// default_dates_recipe()), its Adam, the stream of training dates, a fixed held-out set of dates,
// the metrics history and a ring of parameter checkpoints. It works in slices like
// TrainingSession: work() does the held-out evaluation that is due (in chunks of eval_chunk
// dates) and optimizer steps until its time is spent. A step is itself split into work units of
// micro_batch dates each (forward and backward; the gradients of the step's batch accumulate,
// each micro-batch weighted by its share of the batch), the Adam update coming with the last
// unit: the same batch-B step, up to float rounding, done over several frames when one whole
// step would not fit a frame (a batch-64 step is ~25–85 ms in the browser).
//
// Determinism: a run is a function of its config (the learning rate may change while training;
// micro_batch changes the rounding of the gradient sums, not what they sum).
// Step s trains on the s-th batch of a stream seeded from the seed; the held-out dates come from a
// constant stream of their own (the same for every seed); evaluations and checkpoints fall on
// fixed steps. Training to step N in any slices gives the same parameters and curves.
//
// Evaluations are those of `attnlab eval` (evaluate_dates): greedy exact match, character
// accuracy, teacher-forced loss and the alignment masses of the year, month and day.
//
// A loss, gradient or weight that is not finite stops the run: the last good state (saved every
// evaluation interval) is restored and failure() says what happened.
// Deliberately not here: drawing, threads, file I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "attn/matrix.hpp"
#include "attn/train/dates.hpp"
#include "attn/train/optim.hpp"
#include "attn/train/rng.hpp"
#include "attn/train/seq2seq.hpp"
#include "attn/train/seq2seq_file.hpp"
#include "attn/train/seq2seq_trainer.hpp"
#include "training_session.hpp"

namespace attn::ui {

struct DatesTrainingConfig {
    DatesRecipe recipe = default_dates_recipe();  // model sizes, Adam, batch: the core's defaults
    std::uint64_t seed = 1;
    std::size_t held_out = 1000;   // held-out dates
    std::size_t eval_every = 25;   // steps between held-out evaluations (and last-good saves)
    std::size_t checkpoints = 48;  // capacity of the checkpoint ring
    std::size_t micro_batch = 16;  // dates per work unit of a step (≥ batch: whole steps)
    std::size_t eval_chunk = 25;   // held-out dates per evaluation unit

    // Throws attn::Error naming the first bad field.
    void check() const;
    // True when the two configs train the same run (they may differ in the learning rate).
    bool same_run(const DatesTrainingConfig& other) const;
};

// What the model makes of one source at some weights, decoded greedily or teacher-forced on a
// target: the output characters, the probability of each, and the alignment α (output steps ×
// source characters).
struct DatesInspection {
    bool teacher_forced = false;
    std::vector<std::string> source_chars;  // the source's characters (code points)
    std::vector<std::string> output_chars;  // the predicted character of every step ("<eos>" …)
    std::vector<float> confidence;          // its softmax probability
    std::string output;                     // the output up to its first <eos>
    Matrix alignment;                       // (steps, source characters)
};

class DatesSession {
public:
    explicit DatesSession(const DatesTrainingConfig& config);

    const DatesTrainingConfig& config() const { return config_; }
    void set_lr(double lr);

    // As TrainingSession::work, in units: the due evaluation's chunks, then the micro-batches of
    // the steps while step() < until (a step begun is finished first), each unit only when its
    // expected cost fits remaining_ms() (the first always runs). Returns the steps completed.
    std::size_t work(std::size_t until, const std::function<double()>& remaining_ms);
    // The rest of the current optimizer step (any evaluation due first). False on a failure.
    bool step_once();

    std::size_t step() const { return step_; }
    // Micro-batches of the current step done (0: between steps), and per step.
    std::size_t units_done() const { return unit_; }
    std::size_t units_per_step() const;
    // The expected cost of the next unit of work (an evaluation chunk or a micro-batch), in ms.
    double expected_unit_ms() const { return eval_.pending ? chunk_ms_ : unit_ms_; }
    bool evaluation_due() const { return eval_.pending; }
    const std::string& failure() const { return failure_; }
    void clear_failure() { failure_.clear(); }

    // Per optimizer step (index s − 1 for step s): the batch's teacher-forced loss and its
    // character accuracy (argmax of the 10 characters and <eos>).
    const std::vector<float>& train_loss() const { return train_loss_; }
    const std::vector<float>& train_accuracy() const { return train_accuracy_; }
    struct Evaluation {
        std::size_t step = 0;
        float loss = 0, exact = 0, char_accuracy = 0;
        float year = 0, month = 0, day = 0;  // alignment masses
    };
    const std::vector<Evaluation>& evaluations() const { return evaluations_; }
    const CheckpointRing& checkpoints() const { return ring_; }

    // The probe date: "the 23rd of November 2026" → "2026-11-23".
    static const std::string& probe_source();
    static const std::string& probe_target();

    // The model at the current weights (or a checkpoint's) on a source: greedy when target is
    // empty, else teacher-forced on the ISO target (then <eos>). Throws attn::Error on an empty or
    // over-long source or a target that is not a date.
    DatesInspection inspect(const std::string& source, const std::string& target = "");
    DatesInspection inspect_checkpoint(std::size_t index, const std::string& source, const std::string& target = "");

    // The current weights as a seq2seq_additive model file, as `attnlab train --task dates -o` writes.
    std::string model_file() const;
    // Starts this run over from a file's weights (same sizes and vocabularies; attn::Error
    // otherwise): optimizer, metrics and checkpoints afresh at step 0, its evaluation due.
    void import_model(const Seq2SeqFile& file);

    const Parameters& parameters() const { return model_.parameters(); }

private:
    struct SavedState {
        std::size_t step = 0;
        std::vector<float> values;
        Adam opt;
        Rng data{0};
        std::size_t evaluations = 0;
    };
    struct EvalProgress {
        bool pending = false;
        std::size_t step = 0, next = 0;  // the step evaluated, the next chunk
        double loss = 0, year = 0, month = 0, day = 0;
        std::size_t exact = 0, chars = 0, examples = 0;
    };

    bool train_unit();
    void eval_chunk();
    bool fail(const std::string& what);
    void save_state();
    void restart();
    DatesInspection run_inspection(const float* weights, const std::string& source, const std::string& target);

    DatesTrainingConfig config_;
    Seq2Seq model_, eval_model_, view_model_;
    Adam opt_;
    Rng data_rng_;
    dates::Batch batch_, view_batch_;
    std::vector<dates::Batch> held_;  // the held-out dates in evaluation chunks
    std::size_t step_ = 0;
    std::size_t unit_ = 0;          // micro-batches of step_ + 1 done
    double unit_loss_ = 0;          // their loss, weighted by their share of the batch
    std::size_t unit_correct_ = 0;  // their right characters
    std::vector<float> train_loss_, train_accuracy_;
    std::vector<Evaluation> evaluations_;
    EvalProgress eval_;
    CheckpointRing ring_;
    SavedState saved_;
    std::string failure_;
    double unit_ms_ = 0, chunk_ms_ = 0;
};

}  // namespace attn::ui
