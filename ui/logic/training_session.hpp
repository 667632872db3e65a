// training_session.hpp: one training run of the Training lesson, GL-free and unit tested.
//
// A TrainingSession owns the model (attn::Transformer), its optimizer (Adam), the task's data
// streams, a fixed held-out set, the metrics history, a ring of parameter checkpoints and the
// recorded trace of one training step. It works in slices: work() does held-out evaluations
// that are due and optimizer steps until its time is spent, so a lesson can train inside a
// frame's budget. A step is itself split into work units of micro_batch sequences (forward and
// backward; the step's gradient accumulates, each micro-batch weighted by its share of the
// batch's targets not ignored), the clip and Adam update coming with the last unit: the same step,
// up to float rounding, over several frames when a whole one would not fit a frame.
//
// Determinism: a run is a function of its TrainingConfig (everything but the learning rate's
// changes while training; micro_batch changes the rounding of the gradient sums, not what they
// sum). Step s trains on the s-th batch of a stream seeded from the seed;
// the held-out set and the probe example come from a stream of their own (the same for every
// seed); evaluations and checkpoints fall on fixed steps. Training again to step N, in any
// slices, with or without recorded steps, gives the same parameters and the same curves.
//
// A loss, gradient or weight that is not finite stops the run: the last good state (saved every
// checkpoint interval: weights, optimizer moments, data stream) is restored, the metrics after
// it are dropped, and failure() says what happened. Nothing non-finite is kept.
//
// Model files: model_file() writes the run's weights as the CLI's `train -o` does (core's
// write_model_file); import_weights() starts a run from a file's weights (same config), whose
// steps then count from the import.
// Deliberately not here: drawing (ui/app/lessons/train.cpp), threads, file I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "attn/trace.hpp"
#include "attn/train/optim.hpp"
#include "attn/train/rng.hpp"
#include "attn/train/tasks.hpp"
#include "attn/train/transformer.hpp"

namespace attn::ui {

// Whether a unit of work (an optimizer step, an evaluation chunk) fits what is left of a frame:
// its expected cost does, and the frame is not spent (a first unit's cost is not known yet: 0,
// which would otherwise fit a frame with no time left). The first unit of a frame always runs.
inline bool fits_in_frame(double remaining_ms, double cost_ms) { return remaining_ms > 0 && remaining_ms >= cost_ms; }

struct TrainingConfig {
    TaskConfig task;  // kind, length, vocab, k (induction)
    std::size_t d_model = 32, heads = 2, d_ff = 64, layers = 1;
    Positions positions = Positions::learned;
    nn::Activation activation = nn::Activation::relu;
    double lr = 3e-3;   // Adam's learning rate; may change while training (set_lr)
    double clip = 1.0;  // gradient clipping by global norm (0: none)
    std::size_t batch = 64;
    std::uint64_t seed = 1;
    std::size_t held_out = 1000;        // examples in the held-out set
    std::size_t eval_every = 25;        // steps between held-out evaluations (and last-good saves)
    std::size_t checkpoints = 48;       // capacity of the checkpoint ring
    std::size_t trace_cells_up_to = 8;  // a recorded step goes cell by cell up to this length, row by row above
    std::size_t micro_batch = 64;       // sequences per work unit of a step (≥ batch: whole steps)
    std::size_t eval_chunk = 50;        // held-out examples per evaluation unit

    // The lesson's defaults for a task (any seed reaches the README's targets with them).
    static TrainingConfig preset(TaskKind kind);
    TransformerConfig model() const;
    // Throws attn::Error naming the first bad field.
    void check() const;
    // True when the two configs train the same run (they may differ in the learning rate).
    bool same_run(const TrainingConfig& other) const;
};

// Snapshots of the parameters every `interval` steps, at most `capacity` of them. When full, every
// second snapshot is dropped (steps that are not multiples of twice the interval) and the interval
// doubles, so the ring always spans the whole run from step 0, more coarsely as it grows.
class CheckpointRing {
public:
    explicit CheckpointRing(std::size_t capacity = 48, std::size_t interval = 25);
    // Keeps a copy when step is a multiple of the interval; returns true when it did.
    bool offer(std::size_t step, const float* values, std::size_t count);
    // Drops the snapshots after `step` (a run restored to an earlier state).
    void drop_after(std::size_t step);
    std::size_t size() const { return entries_.size(); }
    std::size_t capacity() const { return capacity_; }
    std::size_t interval() const { return interval_; }
    std::size_t step(std::size_t i) const { return entries_.at(i).step; }
    const std::vector<float>& values(std::size_t i) const { return entries_.at(i).values; }
    // Index of the last snapshot at or before `step` (0 when none is).
    std::size_t index_at(std::size_t step) const;

private:
    struct Entry {
        std::size_t step = 0;
        std::vector<float> values;
    };
    std::size_t capacity_, interval_;
    std::vector<Entry> entries_;
    std::vector<std::vector<float>> spare_;  // storage of dropped snapshots, reused
};

// A per-step series (value s − 1 for step s) as at most max_points points: the mean of each run
// of consecutive steps, at the run's last step. Non-finite values are left out of the means.
void curve_points(const std::vector<float>& per_step, std::size_t max_points, std::vector<float>& x,
                  std::vector<float>& y);

// What the model makes of one input (the probe, a checkpoint's view of it, a typed input).
struct Inspection {
    std::vector<std::int32_t> tokens;     // the input (token tasks)
    std::vector<float> values;            // the input (series)
    std::vector<std::int32_t> predicted;  // argmax at every position (token tasks)
    std::vector<float> confidence;        // softmax probability of that prediction
    std::vector<float> predicted_values;  // series: ŷ at every position
    std::size_t layers = 0, heads = 0;
    std::vector<Matrix> attention;  // layer-major: attention[l·heads + h], (n, n)
    const Matrix& weights(std::size_t l, std::size_t h) const { return attention.at(l * heads + h); }
};

class TrainingSession {
public:
    // Builds the model at step 0 (weights from the seed) and the held-out set; throws attn::Error
    // on a bad config. The evaluation of step 0 is the first work due.
    explicit TrainingSession(const TrainingConfig& config);

    const TrainingConfig& config() const { return config_; }
    // The learning rate of the next steps (a finite value ≥ 0).
    void set_lr(double lr);
    // Which layer and head a recorded step follows through the attention backward.
    void set_trace_head(std::size_t layer, std::size_t head);

    // Work until out of time: the held-out evaluation that is due (in chunks), then the
    // micro-batches of optimizer steps while step() < until (a step begun is finished first).
    // Before each unit of work after the first, the unit's expected cost (a running mean of its
    // past costs) is compared with remaining_ms(); a unit that would not fit waits for the next
    // call. With record_first, the first step begun in this call is recorded (trace()); with
    // record_until, the step that reaches `until` is; a recorded step runs whole, as one unit.
    // Returns the number of optimizer steps completed; stops at a failure.
    std::size_t work(std::size_t until, const std::function<double()>& remaining_ms, bool record_first = false,
                     bool record_until = false);
    // Exactly one optimizer step, recorded (any evaluation due first); a step already begun is
    // finished instead, unrecorded. False on a failure.
    bool step_once();
    // At step 0 with nothing recorded yet: records step 1 and undoes it, so the step player has a
    // training step to show before training starts. Changes nothing else.
    void record_preview();

    std::size_t step() const { return step_; }
    // Micro-batches of the current step done (0: between steps), and per step.
    std::size_t units_done() const { return unit_; }
    std::size_t units_per_step() const;
    // The expected cost of the next unit of work (an evaluation chunk or a micro-batch; a running
    // mean of its past costs on this machine, 0 before the first), in ms.
    double expected_unit_ms() const { return eval_.pending ? chunk_ms_ : unit_ms_; }
    bool evaluation_due() const { return eval_.pending; }
    // Empty while the run is healthy; else what stopped it, e.g. "the loss became nan at step 812:
    // the weights of step 800 are restored; lower the learning rate".
    const std::string& failure() const { return failure_; }
    void clear_failure() { failure_.clear(); }

    // Metrics, one entry per optimizer step (index s − 1 for step s): the batch's loss, its
    // accuracy on the scored tokens (NaN for series) and, for induction, its loss on the copied
    // tokens an induction head can predict.
    const std::vector<float>& train_loss() const { return train_loss_; }
    const std::vector<float>& train_accuracy() const { return train_accuracy_; }
    const std::vector<float>& train_copied_loss() const { return train_copied_loss_; }
    // Held-out evaluations: every eval_every steps from step 0.
    struct Evaluation {
        std::size_t step = 0;
        float loss = 0;         // mean over every target (series: MSE)
        float accuracy = 0;     // token accuracy on the scored positions (series: NaN)
        float exact = 0;        // share of examples with every scored token right (series: NaN)
        float copied_loss = 0;  // induction: loss on the scored (copied) tokens; else NaN
        float baseline = 0;     // series: MSE of predicting the last value; else NaN
    };
    const std::vector<Evaluation>& evaluations() const { return evaluations_; }

    const CheckpointRing& checkpoints() const { return ring_; }
    // The trace of the last recorded step and a counter that grows with each new one.
    const Trace& trace() const { return trace_; }
    std::uint64_t trace_version() const { return trace_version_; }
    std::size_t traced_step() const { return traced_step_; }  // the step the trace shows (1-based)
    // The input and target of the recorded sequence (sequence 0 of that step's batch).
    const std::vector<std::int32_t>& traced_input() const { return traced_input_; }
    const std::vector<std::int32_t>& traced_target() const { return traced_target_; }
    const std::vector<float>& traced_input_values() const { return traced_input_values_; }

    // The fixed probe example (held-out example 0) and its target.
    const TaskBatch& held_out() const { return held_; }
    std::vector<std::int32_t> probe_tokens() const;
    std::vector<std::int32_t> probe_target() const;
    std::vector<float> probe_values() const;
    std::vector<std::uint8_t> probe_scored() const;

    // The model with the current weights (or a checkpoint's) on one input; tokens in [0, vocab),
    // 1 to length of them (series: values). Throws attn::Error on a bad input.
    Inspection inspect(const std::vector<std::int32_t>& tokens);
    Inspection inspect_checkpoint(std::size_t index, const std::vector<std::int32_t>& tokens);
    Inspection inspect_values(const std::vector<float>& values);
    Inspection inspect_checkpoint_values(std::size_t index, const std::vector<float>& values);

    // The current weights as a model file (attn/train/model_file.hpp), with the step and the
    // seed in its metadata, as `attnlab train -o` writes them.
    std::string model_file() const;
    // Starts this run over from another model's weights (a model file of the same config:
    // same names and shapes, checked; attn::Error otherwise): the optimizer, metrics,
    // checkpoints and recorded step start afresh at step 0 with those weights, and the held-out
    // evaluation of step 0 is due.
    void import_weights(const Parameters& from);

    // The model's parameters (PyTorch names and shapes).
    const Parameters& parameters() const { return model_.parameters(); }
    Parameters& parameters() { return model_.parameters(); }
    void reset_optimizer() { opt_.reset(); }
    const Adam& optimizer() const { return opt_; }

    // Typed token ids ("3 1 4 1 5", commas allowed) for this run's vocabulary and length;
    // "" or a message naming the first bad token.
    static std::string parse_tokens(const std::string& text, std::size_t vocab, std::size_t max_len,
                                    std::vector<std::int32_t>& out);

private:
    struct SavedState {  // the last good state, restored after a failure
        std::size_t step = 0;
        std::vector<float> values;
        Adam opt;
        Rng data{0};
        std::size_t evaluations = 0;
    };
    struct EvalProgress {
        bool pending = false;
        std::size_t step = 0, next = 0;  // the step evaluated, the next example
        double loss = 0, copied_loss = 0, baseline = 0;
        std::size_t targets = 0, scored = 0, correct = 0, exact = 0, copied = 0;
    };

    bool train_unit(bool record, bool preview = false);
    void eval_chunk();
    bool fail(const std::string& what);
    void save_state();
    Inspection run_inspection(const float* weights, const std::vector<std::int32_t>* tokens,
                              const std::vector<float>* values);

    TrainingConfig config_;
    Transformer model_, eval_model_, view_model_;
    Adam opt_;
    Rng data_rng_;
    TaskBatch batch_, held_;
    std::size_t step_ = 0;
    // The step in progress: micro-batches done, targets not ignored in its batch, its weighted
    // loss, scored tokens, right ones and their loss; whether a gradient was added, it is recorded.
    std::size_t unit_ = 0, step_targets_ = 0, step_scored_ = 0, step_correct_ = 0;
    double step_loss_ = 0, step_copied_ = 0;
    bool grads_started_ = false, recording_ = false;
    std::vector<float> train_loss_, train_accuracy_, train_copied_loss_;
    std::vector<Evaluation> evaluations_;
    EvalProgress eval_;
    CheckpointRing ring_;
    SavedState saved_;
    std::string failure_;
    std::size_t trace_layer_ = 0, trace_head_ = 0;
    Trace trace_, scratch_trace_;
    std::uint64_t trace_version_ = 0;
    std::size_t traced_step_ = 0;
    std::vector<std::int32_t> traced_input_, traced_target_;
    std::vector<float> traced_input_values_;
    double unit_ms_ = 0, chunk_ms_ = 0;  // running means of the cost of a micro-batch, of an eval chunk
};

}  // namespace attn::ui
