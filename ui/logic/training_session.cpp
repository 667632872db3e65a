// training_session.cpp: see training_session.hpp.
//
// [SECTION] config and presets
// [SECTION] checkpoint ring
// [SECTION] session: construction, work, steps, evaluation, failures
// [SECTION] inspection and typed input
#include "training_session.hpp"

#include "attn/train/model_file.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace attn::ui {

namespace {

using Clock = std::chrono::steady_clock;

std::string str(std::size_t x) { return std::to_string(x); }

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// The data streams: training batches from the seed, the held-out set and its probe from a
// constant of their own (the same held-out examples for every seed of a task).
constexpr std::uint64_t kDataStream = 0x9E3779B97F4A7C15ull;
constexpr std::uint64_t kHeldOutSeed = 0x48454C444F5554ull;  // "HELDOUT"
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Row statistics of one position's logits: log-sum-exp, argmax.
struct RowStats {
    double lse;
    std::size_t argmax;
};
RowStats row_stats(const float* z, std::size_t V) {
    std::size_t am = 0;
    for (std::size_t j = 1; j < V; ++j)
        if (z[j] > z[am]) am = j;
    double sum = 0;
    for (std::size_t j = 0; j < V; ++j) sum += std::exp(static_cast<double>(z[j]) - z[am]);
    return {static_cast<double>(z[am]) + std::log(sum), am};
}

bool all_finite(const float* x, std::size_t n) {
    float acc = 0;  // NaN or ±inf anywhere makes the product 0·x NaN
    for (std::size_t i = 0; i < n; ++i) acc += 0.0f * x[i];
    return acc == 0.0f;
}

const char* nonfinite_name(double x) { return std::isnan(x) ? "nan" : "infinite"; }

}  // namespace

// [SECTION] config and presets

TrainingConfig TrainingConfig::preset(TaskKind kind) {
    TrainingConfig c;
    c.task.kind = kind;
    switch (kind) {
        case TaskKind::copy:
        case TaskKind::reverse:
        case TaskKind::sort: break;  // the struct's defaults: n = 8, vocab 10, one layer, batch 64
        case TaskKind::induction:
            // Two layers (a previous-token head feeds the induction head), a vocabulary large
            // enough that the token before a copied one rarely occurs twice, a copy of 6 (five
            // predictable tokens per example) and batches of 64: seeds 1 to 6 pass 90% on the
            // copied tokens by step 600 to 1400 (batches of 32: 700 to 4400 steps).
            c.task.length = 16;
            c.task.vocab = 64;
            c.task.k = 6;
            c.layers = 2;
            c.eval_every = 100;
            // A batch-64 step is 20-40 ms in the browser: work units of 8 sequences fit a frame.
            c.micro_batch = 8;
            c.eval_chunk = 16;  // held-out forward passes of a unit's cost too
            break;
        case TaskKind::series:
            c.task.length = 24;
            c.batch = 32;
            c.eval_every = 50;
            break;
    }
    return c;
}

// The core's model for a task (the CLI's and the model files'), with this run's sizes.
TransformerConfig TrainingConfig::model() const {
    TransformerConfig m = model_for_task(task, d_model, heads, d_ff, layers);
    m.positions = positions;
    m.activation = activation;
    return m;
}

void TrainingConfig::check() const {
    task.check();
    model().check();
    if (batch < 1 || batch > 4096) throw Error("batch is " + str(batch) + ", expected 1 to 4096");
    if (!std::isfinite(lr) || lr < 0) throw Error("lr must be a finite value ≥ 0");
    if (!std::isfinite(clip) || clip < 0) throw Error("clip must be a finite value ≥ 0");
    if (held_out < 1) throw Error("held_out must be at least 1 example");
    if (eval_every < 1) throw Error("eval_every must be at least 1 step");
    if (checkpoints < 2) throw Error("checkpoints must be at least 2");
    if (micro_batch < 1) throw Error("micro_batch must be at least 1 example");
    if (eval_chunk < 1) throw Error("eval_chunk must be at least 1 example");
}

bool TrainingConfig::same_run(const TrainingConfig& o) const {
    const bool same_task = task.kind == o.task.kind && task.length == o.task.length &&
                           (!task.tokens() || task.vocab == o.task.vocab) &&
                           (task.kind != TaskKind::induction || task.k == o.task.k) &&
                           (task.kind != TaskKind::series || task.noise == o.task.noise);
    return same_task && d_model == o.d_model && heads == o.heads && d_ff == o.d_ff && layers == o.layers &&
           positions == o.positions && activation == o.activation && clip == o.clip && batch == o.batch &&
           seed == o.seed && held_out == o.held_out && eval_every == o.eval_every && checkpoints == o.checkpoints &&
           trace_cells_up_to == o.trace_cells_up_to && micro_batch == o.micro_batch && eval_chunk == o.eval_chunk;
}

// [SECTION] checkpoint ring

CheckpointRing::CheckpointRing(std::size_t capacity, std::size_t interval)
    : capacity_(std::max<std::size_t>(capacity, 2)), interval_(std::max<std::size_t>(interval, 1)) {}

bool CheckpointRing::offer(std::size_t step, const float* values, std::size_t count) {
    if (step % interval_ != 0) return false;
    if (!entries_.empty() && step <= entries_.back().step) return false;
    if (entries_.size() == capacity_) {  // thin: keep the multiples of twice the interval
        interval_ *= 2;
        std::vector<Entry> kept;
        kept.reserve(capacity_);
        for (Entry& e : entries_) {
            if (e.step % interval_ == 0)
                kept.push_back(std::move(e));
            else
                spare_.push_back(std::move(e.values));
        }
        entries_ = std::move(kept);
        if (step % interval_ != 0) return false;
    }
    Entry e;
    e.step = step;
    if (!spare_.empty()) {
        e.values = std::move(spare_.back());
        spare_.pop_back();
    }
    e.values.assign(values, values + count);
    entries_.push_back(std::move(e));
    return true;
}

void CheckpointRing::drop_after(std::size_t step) {
    while (!entries_.empty() && entries_.back().step > step) {
        spare_.push_back(std::move(entries_.back().values));
        entries_.pop_back();
    }
}

std::size_t CheckpointRing::index_at(std::size_t step) const {
    std::size_t i = 0;
    for (std::size_t k = 0; k < entries_.size() && entries_[k].step <= step; ++k) i = k;
    return i;
}

void curve_points(const std::vector<float>& per_step, std::size_t max_points, std::vector<float>& x,
                  std::vector<float>& y) {
    x.clear();
    y.clear();
    const std::size_t n = per_step.size();
    if (n == 0 || max_points == 0) return;
    const std::size_t run = (n + max_points - 1) / max_points;
    for (std::size_t first = 0; first < n; first += run) {
        const std::size_t last = std::min(n, first + run);
        double sum = 0;
        std::size_t count = 0;
        for (std::size_t i = first; i < last; ++i)
            if (std::isfinite(per_step[i])) sum += per_step[i], ++count;
        if (!count) continue;
        x.push_back(static_cast<float>(last));
        y.push_back(static_cast<float>(sum / static_cast<double>(count)));
    }
}

// [SECTION] session: construction, work, steps, evaluation, failures

TrainingSession::TrainingSession(const TrainingConfig& config)
    : config_((config.check(), config)),
      model_(config_.model()),
      eval_model_(config_.model()),
      view_model_(config_.model()),
      opt_([&] {
          AdamConfig a = AdamConfig::adam(config_.lr);
          a.clip_norm = config_.clip;
          return a;
      }()),
      data_rng_(config_.seed ^ kDataStream),
      ring_(config_.checkpoints, config_.eval_every) {
    model_.init(config_.seed);
    Rng held_rng(kHeldOutSeed);
    generate_batch(config_.task, config_.held_out, held_rng, held_);
    ring_.offer(0, model_.parameters().values(), model_.parameters().total());
    save_state();
    eval_ = {};
    eval_.pending = true;
}

std::string TrainingSession::model_file() const {
    return write_model_file(model_, config_.task, step_, {{"seed", std::to_string(config_.seed)}});
}

void TrainingSession::import_weights(const Parameters& from) {
    Parameters& p = model_.parameters();
    if (from.size() != p.size())
        throw Error("the model has " + str(from.size()) + " tensors, expected " + str(p.size()));
    for (std::size_t i = 0; i < p.size(); ++i)
        if (from.info(i).name != p.info(i).name || from.info(i).shape != p.info(i).shape)
            throw Error("tensor " + str(i) + " is " + from.info(i).name + ", expected " + p.info(i).name +
                        " of this run's shape");
    from.require_finite_values();
    std::copy(from.values(), from.values() + from.total(), p.values());
    model_.trace_next_step({});
    opt_.reset();
    step_ = 0;
    unit_ = 0;
    recording_ = false;
    train_loss_.clear();
    train_accuracy_.clear();
    train_copied_loss_.clear();
    evaluations_.clear();
    ring_ = CheckpointRing(config_.checkpoints, config_.eval_every);
    ring_.offer(0, p.values(), p.total());
    failure_.clear();
    save_state();
    eval_ = {};
    eval_.pending = true;
    trace_.clear();
    trace_version_ = 0;  // the lesson records a preview step of the imported weights
    traced_step_ = 0;
}

void TrainingSession::set_lr(double lr) {
    if (!std::isfinite(lr) || lr < 0) throw Error("lr must be a finite value ≥ 0");
    config_.lr = lr;
    opt_.config().lr = lr;
}

void TrainingSession::set_trace_head(std::size_t layer, std::size_t head) {
    trace_layer_ = std::min(layer, config_.layers - 1);
    trace_head_ = std::min(head, config_.heads - 1);
}

std::size_t TrainingSession::work(std::size_t until, const std::function<double()>& remaining_ms, bool record_first,
                                  bool record_until) {
    std::size_t steps = 0;
    bool worked = false, begun = false;  // begun: a step was begun in this call
    while (failure_.empty()) {
        if (eval_.pending) {
            if (worked && !fits_in_frame(remaining_ms(), chunk_ms_)) break;
            const auto t0 = Clock::now();
            eval_chunk();
            const double ms = ms_since(t0);
            chunk_ms_ = chunk_ms_ == 0 ? ms : 0.8 * chunk_ms_ + 0.2 * ms;
            worked = true;
            continue;
        }
        if (unit_ == 0 && step_ >= until) break;  // a step begun is finished
        if (worked && !fits_in_frame(remaining_ms(), unit_ms_)) break;
        const auto t0 = Clock::now();
        const std::size_t before = step_;
        // A recorded step runs whole in this unit (its trace is of the whole batch).
        const bool record = unit_ == 0 && ((record_first && !begun) || (record_until && step_ + 1 == until));
        if (unit_ == 0) begun = true;
        bool ok = true;
        if (record) {
            do ok = train_unit(true);
            while (ok && unit_ != 0);
        } else {
            ok = train_unit(false);
        }
        const double ms = ms_since(t0);
        if (!record) unit_ms_ = unit_ms_ == 0 ? ms : 0.8 * unit_ms_ + 0.2 * ms;
        worked = true;
        if (!ok) break;
        steps += step_ - before;
    }
    return steps;
}

std::size_t TrainingSession::units_per_step() const {
    const std::size_t B = config_.batch, m = std::min(config_.micro_batch, B);
    return (B + m - 1) / m;
}

bool TrainingSession::step_once() {
    if (!failure_.empty()) return false;
    while (eval_.pending) eval_chunk();
    const bool record = unit_ == 0;  // a step begun unrecorded is finished so
    do {
        if (!train_unit(record)) return false;
    } while (unit_ != 0);
    return true;
}

void TrainingSession::record_preview() {
    if (step_ != 0 || unit_ != 0 || trace_version_ != 0 || !failure_.empty()) return;
    const Parameters& p = model_.parameters();
    const std::vector<float> values(p.values(), p.values() + p.total());
    const Adam opt = opt_;
    const Rng data = data_rng_;
    const EvalProgress eval = eval_;
    const std::size_t evaluations = evaluations_.size();
    bool ok = true;
    do ok = train_unit(true, true);
    while (ok && unit_ != 0);
    if (!ok) failure_.clear();  // fail() restored step 0 already
    std::copy(values.begin(), values.end(), model_.parameters().values());
    opt_ = opt;
    data_rng_ = data;
    step_ = 0;
    train_loss_.clear();
    train_accuracy_.clear();
    train_copied_loss_.clear();
    evaluations_.resize(evaluations);
    ring_.drop_after(0);
    eval_ = eval;
    save_state();
}

void TrainingSession::save_state() {
    const Parameters& p = model_.parameters();
    saved_.step = step_;
    saved_.values.assign(p.values(), p.values() + p.total());
    saved_.opt = opt_;
    saved_.data = data_rng_;
    saved_.evaluations = evaluations_.size();
}

bool TrainingSession::fail(const std::string& what) {
    model_.trace_next_step({});
    Parameters& p = model_.parameters();
    std::copy(saved_.values.begin(), saved_.values.end(), p.values());
    opt_ = saved_.opt;
    opt_.config().lr = config_.lr;
    data_rng_ = saved_.data;
    step_ = saved_.step;
    train_loss_.resize(step_);
    train_accuracy_.resize(step_);
    train_copied_loss_.resize(step_);
    evaluations_.resize(saved_.evaluations);
    ring_.drop_after(step_);
    unit_ = 0;
    recording_ = false;
    eval_ = {};
    eval_.pending = true;  // the restored step's evaluation, again (it gives the same numbers)
    eval_.step = step_;
    failure_ = what + ": training paused and the weights of step " + str(step_) +
               " restored. Lower the learning rate, then train again.";
    return false;
}

// One work unit of a step: the forward and backward of the next micro-batch of the step's batch
// (drawn with the first unit), its gradient added with weight c_i / C (c_i of the batch's C
// targets not ignored are in it: the micro-batches' mean losses so weighted sum to the batch's mean
// loss, and their gradients to its gradient); after the last, the clip and Adam update. A recorded
// step first traces the whole batch's forward, loss and backward (the units then compute the
// gradient again, so a recorded step gives the numbers an unrecorded one gives).
bool TrainingSession::train_unit(bool record, bool preview) {
    const TaskConfig& task = config_.task;
    const std::size_t B = config_.batch, n = task.length, m = std::min(config_.micro_batch, B);
    if (unit_ == 0) {
        generate_batch(task, B, data_rng_, batch_);
        step_loss_ = 0;
        step_copied_ = 0;
        step_scored_ = 0;
        step_correct_ = 0;
        grads_started_ = false;
        step_targets_ =
            task.tokens()
                ? static_cast<std::size_t>(std::count_if(batch_.target.begin(), batch_.target.begin() + B * n,
                                                         [](std::int32_t t) { return t != nn::kIgnoreIndex; }))
                : B * n;
        recording_ = record;
        if (record) {
            scratch_trace_.reset(n <= config_.trace_cells_up_to ? Trace::Detail::cells : Trace::Detail::rows, 50000);
            scratch_trace_.add(
                StepKind::note,
                "training step " + str(step_ + 1) + (preview ? " (a preview: not applied until you train)" : "") +
                    ": a batch of " + str(B) + " fresh examples; the steps below follow its first one",
                std::string("task: ") + task_name(task.kind) + ",  loss averaged over the batch", {}, {});
            model_.trace_next_step({&scratch_trace_, 0, trace_layer_, trace_head_});
            if (m < B) {
                float loss = 0;
                if (task.tokens()) {
                    model_.forward(batch_.input.data(), B, n);
                    loss = model_.cross_entropy_loss(batch_.target.data());
                } else {
                    model_.forward_series(batch_.input_values.data(), B, n);
                    loss = model_.mse_loss(batch_.target_values.data());
                }
                if (!std::isfinite(loss))
                    return fail("the loss became " + std::string(nonfinite_name(loss)) + " at step " + str(step_ + 1));
                model_.backward();
            }
        }
    }
    const std::size_t first = unit_ * m, rows = std::min(m, B - first), off = first * n;
    const std::size_t targets = task.tokens() ? static_cast<std::size_t>(std::count_if(
                                                    batch_.target.begin() + off, batch_.target.begin() + off + rows * n,
                                                    [](std::int32_t t) { return t != nn::kIgnoreIndex; }))
                                              : rows * n;
    // A micro-batch whose targets are all ignored adds nothing (unless the whole batch's are:
    // then the loss's own message says so).
    if (targets > 0 || step_targets_ == 0) {
        float loss = 0;
        if (task.tokens()) {
            model_.forward(batch_.input.data() + off, rows, n);
            loss = model_.cross_entropy_loss(batch_.target.data() + off);
        } else {
            model_.forward_series(batch_.input_values.data() + off, rows, n);
            loss = model_.mse_loss(batch_.target_values.data() + off);
        }
        if (!std::isfinite(loss))
            return fail("the loss became " + std::string(nonfinite_name(loss)) + " at step " + str(step_ + 1));
        // The batch's accuracy on its scored tokens, and for induction its loss on the copied ones.
        if (task.tokens()) {
            const ConstMatrixView z = model_.output();
            for (std::size_t i = 0; i < rows * n; ++i) {
                if (!batch_.scored[off + i]) continue;
                const RowStats r = row_stats(z.row(i), z.cols);
                ++step_scored_;
                step_correct_ += static_cast<std::int32_t>(r.argmax) == batch_.target[off + i];
                step_copied_ += r.lse - z(i, static_cast<std::size_t>(batch_.target[off + i]));
            }
        }
        const float weight =
            targets == step_targets_ ? 1.0f : static_cast<float>(targets) / static_cast<float>(step_targets_);
        step_loss_ += static_cast<double>(loss) * static_cast<double>(weight);
        model_.backward(weight, /*accumulate=*/grads_started_);
        grads_started_ = true;
    }
    ++unit_;
    if (first + rows < B) return true;

    unit_ = 0;
    record = recording_;
    recording_ = false;
    float accuracy = kNaN, copied_loss = kNaN;
    if (task.tokens() && step_scored_) {
        accuracy = static_cast<float>(step_correct_) / static_cast<float>(step_scored_);
        if (task.kind == TaskKind::induction)
            copied_loss = static_cast<float>(step_copied_ / static_cast<double>(step_scored_));
    }
    const float loss = static_cast<float>(step_loss_);
    Parameters& p = model_.parameters();
    AdamStep r;
    if (record) {
        // A few weights of W_q of the followed head: row h·d, columns 0 and 1, and row h·d + 1.
        const std::size_t E = config_.d_model, d = E / config_.heads;
        const std::size_t in_w = p.index("layers." + str(trace_layer_) + ".self_attn.in_proj_weight");
        const std::size_t base = p.info(in_w).offset + trace_head_ * d * E;
        std::vector<std::size_t> watch = {base};
        if (E > 1) watch.push_back(base + 1);
        if (d > 1) watch.push_back(base + E);
        r = opt_.step(p, scratch_trace_, watch);
    } else {
        r = opt_.step(p);
    }
    if (!std::isfinite(r.grad_norm))
        return fail("the gradient became " + std::string(nonfinite_name(r.grad_norm)) + " at step " + str(step_ + 1));
    if (!all_finite(p.values(), p.total())) return fail("a weight stopped being finite at step " + str(step_ + 1));

    ++step_;
    train_loss_.push_back(loss);
    train_accuracy_.push_back(accuracy);
    train_copied_loss_.push_back(copied_loss);
    if (record) {
        std::swap(trace_, scratch_trace_);
        ++trace_version_;
        traced_step_ = step_;
        if (task.tokens()) {
            traced_input_.assign(batch_.input.begin(), batch_.input.begin() + n);
            traced_target_.assign(batch_.target.begin(), batch_.target.begin() + n);
        } else {
            traced_input_values_.assign(batch_.input_values.begin(), batch_.input_values.begin() + n);
        }
    }
    if (step_ % config_.eval_every == 0) {
        save_state();
        ring_.offer(step_, p.values(), p.total());
        eval_ = {};
        eval_.pending = true;
        eval_.step = step_;
    }
    return true;
}

void TrainingSession::eval_chunk() {
    const TaskConfig& task = config_.task;
    const std::size_t n = task.length, total = config_.held_out;
    if (eval_.next == 0) {
        const Parameters& p = model_.parameters();
        std::copy(p.values(), p.values() + p.total(), eval_model_.parameters().values());
    }
    const std::size_t first = eval_.next, count = std::min(config_.eval_chunk, total - first);
    if (task.tokens()) {
        const ConstMatrixView z = eval_model_.forward(held_.input.data() + first * n, count, n);
        for (std::size_t e = 0; e < count; ++e) {
            bool all_right = true, any_scored = false;
            for (std::size_t t = 0; t < n; ++t) {
                const std::size_t i = (first + e) * n + t;
                const std::int32_t target = held_.target[i];
                const RowStats r = row_stats(z.row(e * n + t), z.cols);
                const double ce = r.lse - z(e * n + t, static_cast<std::size_t>(target));
                eval_.loss += ce;
                ++eval_.targets;
                if (!held_.scored[i]) continue;
                any_scored = true;
                ++eval_.scored;
                const bool right = static_cast<std::int32_t>(r.argmax) == target;
                eval_.correct += right;
                all_right = all_right && right;
                eval_.copied_loss += ce;
            }
            eval_.exact += any_scored && all_right;
        }
    } else {
        const ConstMatrixView y = eval_model_.forward_series(held_.input_values.data() + first * n, count, n);
        for (std::size_t e = 0; e < count; ++e)
            for (std::size_t t = 0; t < n; ++t) {
                const std::size_t i = (first + e) * n + t;
                const double err = y(e * n + t, 0) - held_.target_values[i];
                const double last = held_.input_values[i] - held_.target_values[i];
                eval_.loss += err * err;
                eval_.baseline += last * last;
                ++eval_.targets;
            }
    }
    eval_.next += count;
    if (eval_.next < total) return;

    Evaluation ev;
    ev.step = eval_.step;
    ev.loss = static_cast<float>(eval_.loss / static_cast<double>(std::max<std::size_t>(eval_.targets, 1)));
    const double scored = static_cast<double>(std::max<std::size_t>(eval_.scored, 1));
    ev.accuracy = task.tokens() ? static_cast<float>(eval_.correct / scored) : kNaN;
    ev.exact = task.tokens() ? static_cast<float>(static_cast<double>(eval_.exact) / static_cast<double>(total)) : kNaN;
    ev.copied_loss = task.kind == TaskKind::induction ? static_cast<float>(eval_.copied_loss / scored) : kNaN;
    ev.baseline =
        task.tokens()
            ? kNaN
            : static_cast<float>(eval_.baseline / static_cast<double>(std::max<std::size_t>(eval_.targets, 1)));
    eval_ = {};
    if (!std::isfinite(ev.loss)) {
        fail("the held-out loss became " + std::string(nonfinite_name(ev.loss)) + " at step " + str(ev.step));
        return;
    }
    evaluations_.push_back(ev);
}

// [SECTION] inspection and typed input

std::vector<std::int32_t> TrainingSession::probe_tokens() const {
    if (!config_.task.tokens()) return {};
    return {held_.input.begin(), held_.input.begin() + config_.task.length};
}

std::vector<std::int32_t> TrainingSession::probe_target() const {
    if (!config_.task.tokens()) return {};
    return {held_.target.begin(), held_.target.begin() + config_.task.length};
}

std::vector<float> TrainingSession::probe_values() const {
    if (config_.task.tokens()) return {};
    return {held_.input_values.begin(), held_.input_values.begin() + config_.task.length};
}

std::vector<std::uint8_t> TrainingSession::probe_scored() const {
    return {held_.scored.begin(), held_.scored.begin() + config_.task.length};
}

Inspection TrainingSession::inspect(const std::vector<std::int32_t>& tokens) {
    return run_inspection(model_.parameters().values(), &tokens, nullptr);
}

Inspection TrainingSession::inspect_checkpoint(std::size_t index, const std::vector<std::int32_t>& tokens) {
    return run_inspection(ring_.values(index).data(), &tokens, nullptr);
}

Inspection TrainingSession::inspect_values(const std::vector<float>& values) {
    return run_inspection(model_.parameters().values(), nullptr, &values);
}

Inspection TrainingSession::inspect_checkpoint_values(std::size_t index, const std::vector<float>& values) {
    return run_inspection(ring_.values(index).data(), nullptr, &values);
}

Inspection TrainingSession::run_inspection(const float* weights, const std::vector<std::int32_t>* tokens,
                                           const std::vector<float>* values) {
    Parameters& p = view_model_.parameters();
    std::copy(weights, weights + p.total(), p.values());
    Inspection in;
    in.layers = config_.layers;
    in.heads = config_.heads;
    const std::size_t n = tokens ? tokens->size() : values->size();
    if (n == 0 || n > config_.task.length)
        throw Error("the input has " + str(n) + " positions, expected 1 to " + str(config_.task.length));
    if (tokens) {
        in.tokens = *tokens;
        const ConstMatrixView z = view_model_.forward(tokens->data(), 1, n);
        for (std::size_t t = 0; t < n; ++t) {
            const RowStats r = row_stats(z.row(t), z.cols);
            in.predicted.push_back(static_cast<std::int32_t>(r.argmax));
            in.confidence.push_back(static_cast<float>(std::exp(static_cast<double>(z(t, r.argmax)) - r.lse)));
        }
    } else {
        in.values = *values;
        const ConstMatrixView y = view_model_.forward_series(values->data(), 1, n);
        for (std::size_t t = 0; t < n; ++t) in.predicted_values.push_back(y(t, 0));
    }
    for (std::size_t l = 0; l < config_.layers; ++l)
        for (std::size_t h = 0; h < config_.heads; ++h)
            in.attention.push_back(Matrix::copy_of(view_model_.attention(l, 0, h)));
    return in;
}

std::string TrainingSession::parse_tokens(const std::string& text, std::size_t vocab, std::size_t max_len,
                                          std::vector<std::int32_t>& out) {
    std::vector<std::int32_t> ids;
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == ' ' || c == ',' || c == '\t' || c == '\n' || c == '\r') {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < text.size() && text[j] != ' ' && text[j] != ',' && text[j] != '\t' && text[j] != '\n' &&
               text[j] != '\r')
            ++j;
        const std::string word = text.substr(i, j - i);
        const std::string shown = word.size() > 12 ? word.substr(0, 12) + "…" : word;
        const std::string which = "token " + str(ids.size() + 1) + " ('" + shown + "')";
        bool digits = !word.empty() && word.size() <= 9;
        for (char d : word) digits = digits && d >= '0' && d <= '9';
        if (!digits) return which + " is not a token id (a whole number from 0 to " + str(vocab - 1) + ")";
        const long id = std::strtol(word.c_str(), nullptr, 10);
        if (static_cast<std::size_t>(id) >= vocab) return which + " is outside the vocabulary 0 to " + str(vocab - 1);
        if (ids.size() == max_len)
            return "more than " + str(max_len) + " tokens: the model reads at most " + str(max_len);
        ids.push_back(static_cast<std::int32_t>(id));
        i = j;
    }
    if (ids.empty()) return "type 1 to " + str(max_len) + " token ids, e.g. \"3 1 4 1 5\"";
    out = std::move(ids);
    return "";
}

}  // namespace attn::ui
