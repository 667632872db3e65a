// dates_session.cpp: see dates_session.hpp.
//
// [SECTION] config
// [SECTION] session: construction, work, steps, evaluation, failures
// [SECTION] inspection and model files
#include "dates_session.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace attn::ui {

namespace {

using Clock = std::chrono::steady_clock;

std::string str(std::size_t x) { return std::to_string(x); }

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// The streams: training dates from the seed, held-out dates from a constant of their own.
constexpr std::uint64_t kDataStream = 0x9E3779B97F4A7C15ull;
constexpr std::uint64_t kHeldOutSeed = 0x444154455348ull;  // "DATESH"

const char* nonfinite_name(double x) { return std::isnan(x) ? "nan" : "infinite"; }

double span_mass(const float* alpha, dates::Span s) {
    double m = 0.0;
    for (std::size_t j = s.begin; j < s.end; ++j) m += alpha[j];
    return m;
}

std::size_t argmax(const float* z, std::size_t n) {
    std::size_t am = 0;
    for (std::size_t j = 1; j < n; ++j)
        if (z[j] > z[am]) am = j;
    return am;
}

}  // namespace

// [SECTION] config

void DatesTrainingConfig::check() const {
    recipe.model.check();
    recipe.optim.check();
    if (recipe.batch < 1 || recipe.batch > 4096) throw Error("batch is " + str(recipe.batch) + ", expected 1 to 4096");
    if (held_out < 1) throw Error("held_out must be at least 1 date");
    if (eval_every < 1) throw Error("eval_every must be at least 1 step");
    if (checkpoints < 2) throw Error("checkpoints must be at least 2");
    if (micro_batch < 1) throw Error("micro_batch must be at least 1 date");
    if (eval_chunk < 1) throw Error("eval_chunk must be at least 1 date");
}

bool DatesTrainingConfig::same_run(const DatesTrainingConfig& o) const {
    const Seq2SeqConfig &a = recipe.model, &b = o.recipe.model;
    return a.source_vocab == b.source_vocab && a.target_vocab == b.target_vocab && a.emb == b.emb &&
           a.enc_hidden == b.enc_hidden && a.dec_hidden == b.dec_hidden && a.attn_hidden == b.attn_hidden &&
           recipe.batch == o.recipe.batch && recipe.optim.clip_norm == o.recipe.optim.clip_norm && seed == o.seed &&
           held_out == o.held_out && eval_every == o.eval_every && checkpoints == o.checkpoints &&
           micro_batch == o.micro_batch && eval_chunk == o.eval_chunk;
}

// [SECTION] session: construction, work, steps, evaluation, failures

DatesSession::DatesSession(const DatesTrainingConfig& config)
    : config_((config.check(), config)),
      model_(config_.recipe.model),
      eval_model_(config_.recipe.model),
      view_model_(config_.recipe.model),
      opt_(config_.recipe.optim),
      data_rng_(config_.seed ^ kDataStream),
      ring_(config_.checkpoints, config_.eval_every) {
    if (config_.recipe.model.source_vocab != dates::source_vocabulary().size() ||
        config_.recipe.model.target_vocab != dates::target_vocabulary().size())
        throw Error("the model's vocabulary sizes are not the dates task's");
    model_.init(config_.seed);
    Rng held_rng(kHeldOutSeed);
    for (std::size_t done = 0; done < config_.held_out; done += config_.eval_chunk) {
        held_.emplace_back();
        dates::generate_batch(std::min(config_.eval_chunk, config_.held_out - done), held_rng, held_.back());
    }
    restart();
}

void DatesSession::restart() {
    const Parameters& p = model_.parameters();
    step_ = 0;
    unit_ = 0;
    train_loss_.clear();
    train_accuracy_.clear();
    evaluations_.clear();
    ring_ = CheckpointRing(config_.checkpoints, config_.eval_every);
    ring_.offer(0, p.values(), p.total());
    failure_.clear();
    save_state();
    eval_ = {};
    eval_.pending = true;
}

void DatesSession::set_lr(double lr) {
    if (!std::isfinite(lr) || lr < 0) throw Error("lr must be a finite value ≥ 0");
    config_.recipe.optim.lr = lr;
    opt_.config().lr = lr;
}

std::size_t DatesSession::work(std::size_t until, const std::function<double()>& remaining_ms) {
    std::size_t steps = 0;
    bool worked = false;
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
        const bool ok = train_unit();
        const double ms = ms_since(t0);
        unit_ms_ = unit_ms_ == 0 ? ms : 0.8 * unit_ms_ + 0.2 * ms;
        worked = true;
        if (!ok) break;
        steps += step_ - before;
    }
    return steps;
}

bool DatesSession::step_once() {
    if (!failure_.empty()) return false;
    while (eval_.pending) eval_chunk();
    do {
        if (!train_unit()) return false;
    } while (unit_ != 0);
    return true;
}

std::size_t DatesSession::units_per_step() const {
    const std::size_t B = config_.recipe.batch, m = std::min(config_.micro_batch, B);
    return (B + m - 1) / m;
}

void DatesSession::save_state() {
    const Parameters& p = model_.parameters();
    saved_.step = step_;
    saved_.values.assign(p.values(), p.values() + p.total());
    saved_.opt = opt_;
    saved_.data = data_rng_;
    saved_.evaluations = evaluations_.size();
}

bool DatesSession::fail(const std::string& what) {
    Parameters& p = model_.parameters();
    std::copy(saved_.values.begin(), saved_.values.end(), p.values());
    opt_ = saved_.opt;
    opt_.config().lr = config_.recipe.optim.lr;
    data_rng_ = saved_.data;
    step_ = saved_.step;
    train_loss_.resize(step_);
    train_accuracy_.resize(step_);
    evaluations_.resize(saved_.evaluations);
    ring_.drop_after(step_);
    unit_ = 0;
    eval_ = {};
    eval_.pending = true;
    eval_.step = step_;
    failure_ = what + ": training paused and the weights of step " + str(step_) +
               " restored. Lower the learning rate, then train again.";
    return false;
}

// One work unit of a step: the forward and backward of the next micro-batch of the step's batch
// (drawn with the first), its gradient added with weight rows/B; after the last, the Adam update.
bool DatesSession::train_unit() {
    const std::size_t B = config_.recipe.batch, T = dates::kTargetSteps, m = std::min(config_.micro_batch, B);
    if (unit_ == 0) {
        dates::generate_batch(B, data_rng_, batch_);
        unit_loss_ = 0;
        unit_correct_ = 0;
    }
    const std::size_t first = unit_ * m, rows = std::min(m, B - first), n = batch_.source_length;
    const ConstMatrixView z = model_.forward(batch_.source.data() + first * n, batch_.lengths.data() + first, rows, n,
                                             batch_.target.data() + first * T, T);
    const float loss = model_.cross_entropy_loss();
    if (!std::isfinite(loss))
        return fail("the loss became " + std::string(nonfinite_name(loss)) + " at step " + str(step_ + 1));
    for (std::size_t t = 0; t < T; ++t)  // logits are time-major: row t·rows + b
        for (std::size_t b = 0; b < rows; ++b)
            unit_correct_ +=
                static_cast<std::int32_t>(argmax(z.row(t * rows + b), z.cols)) == batch_.target[(first + b) * T + t];
    const float weight = rows == B ? 1.0f : static_cast<float>(rows) / static_cast<float>(B);
    unit_loss_ += static_cast<double>(loss) * static_cast<double>(weight);
    model_.backward(weight, /*accumulate=*/unit_ > 0);
    ++unit_;
    if (first + rows < B) return true;

    unit_ = 0;
    Parameters& p = model_.parameters();
    const AdamStep r = opt_.step(p);
    if (!std::isfinite(r.grad_norm))
        return fail("the gradient became " + std::string(nonfinite_name(r.grad_norm)) + " at step " + str(step_ + 1));
    for (std::size_t i = 0; i < p.total(); ++i)
        if (!std::isfinite(p.values()[i])) return fail("a weight stopped being finite at step " + str(step_ + 1));
    ++step_;
    train_loss_.push_back(static_cast<float>(unit_loss_));
    train_accuracy_.push_back(static_cast<float>(unit_correct_) / static_cast<float>(B * T));
    if (step_ % config_.eval_every == 0) {
        save_state();
        ring_.offer(step_, p.values(), p.total());
        eval_ = {};
        eval_.pending = true;
        eval_.step = step_;
    }
    return true;
}

// One chunk of evaluate_dates' work (greedy exact match, characters, teacher-forced loss,
// alignment masses of the output's year 0–3, month 5–6 and day 8–9 on their source spans).
void DatesSession::eval_chunk() {
    if (eval_.next == 0) {
        const Parameters& p = model_.parameters();
        std::copy(p.values(), p.values() + p.total(), eval_model_.parameters().values());
    }
    const dates::Batch& h = held_[eval_.next];
    const std::size_t B = h.size, T = dates::kTargetSteps;
    eval_model_.forward(h.source.data(), h.lengths.data(), B, h.source_length, h.target.data(), T);
    eval_.loss += static_cast<double>(eval_model_.cross_entropy_loss()) * static_cast<double>(B);
    const std::vector<std::int32_t>& out = eval_model_.decode_again();  // the same dates, encoded once
    for (std::size_t b = 0; b < B; ++b) {
        bool all = out[b * T + dates::kTargetChars] == dates::kEos;
        for (std::size_t t = 0; t < dates::kTargetChars; ++t) {
            const bool right = out[b * T + t] == h.target[b * T + t];
            eval_.chars += right;
            all = all && right;
        }
        eval_.exact += all;
        const dates::Example& ex = h.examples[b];
        for (std::size_t t = 0; t < 4; ++t) eval_.year += span_mass(eval_model_.weights(t, b), ex.year) / 4;
        for (std::size_t t : {5, 6}) eval_.month += span_mass(eval_model_.weights(t, b), ex.month) / 2;
        for (std::size_t t : {8, 9}) eval_.day += span_mass(eval_model_.weights(t, b), ex.day) / 2;
    }
    eval_.examples += B;
    if (++eval_.next < held_.size()) return;

    const double K = static_cast<double>(eval_.examples);
    Evaluation ev;
    ev.step = eval_.step;
    ev.loss = static_cast<float>(eval_.loss / K);
    ev.exact = static_cast<float>(static_cast<double>(eval_.exact) / K);
    ev.char_accuracy = static_cast<float>(static_cast<double>(eval_.chars) / (K * dates::kTargetChars));
    ev.year = static_cast<float>(eval_.year / K);
    ev.month = static_cast<float>(eval_.month / K);
    ev.day = static_cast<float>(eval_.day / K);
    eval_ = {};
    if (!std::isfinite(ev.loss)) {
        fail("the held-out loss became " + std::string(nonfinite_name(ev.loss)) + " at step " + str(ev.step));
        return;
    }
    evaluations_.push_back(ev);
}

// [SECTION] inspection and model files

const std::string& DatesSession::probe_source() {
    static const std::string s = "the 23rd of November 2026";
    return s;
}

const std::string& DatesSession::probe_target() {
    static const std::string s = "2026-11-23";
    return s;
}

DatesInspection DatesSession::inspect(const std::string& source, const std::string& target) {
    return run_inspection(model_.parameters().values(), source, target);
}

DatesInspection DatesSession::inspect_checkpoint(std::size_t index, const std::string& source,
                                                 const std::string& target) {
    return run_inspection(ring_.values(index).data(), source, target);
}

DatesInspection DatesSession::run_inspection(const float* weights, const std::string& source,
                                             const std::string& target) {
    // encode_batch checks the source (empty, over-long) and the target (a date) with precise messages.
    const bool forced = !target.empty();
    dates::encode_batch({source}, {forced ? target : std::string("2000-01-01")}, view_batch_);
    Parameters& p = view_model_.parameters();
    std::copy(weights, weights + p.total(), p.values());
    const dates::Batch& v = view_batch_;
    const std::size_t T = dates::kTargetSteps, n = v.lengths[0];
    const dates::Vocabulary& tv = dates::target_vocabulary();
    DatesInspection in;
    in.teacher_forced = forced;
    in.source_chars = dates::split_characters(source);
    std::vector<std::int32_t> ids(T);
    if (forced) {
        view_model_.forward(v.source.data(), v.lengths.data(), 1, v.source_length, v.target.data(), T);
        for (std::size_t t = 0; t < T; ++t)
            ids[t] = static_cast<std::int32_t>(argmax(view_model_.logits(t, 0), tv.size()));
    } else {
        ids = view_model_.decode(v.source.data(), v.lengths.data(), 1, v.source_length, T);
    }
    in.alignment = Matrix(T, n);
    std::vector<float> prob(tv.size());
    bool ended = false;
    for (std::size_t t = 0; t < T; ++t) {
        view_model_.probabilities(t, 0, prob.data());
        in.output_chars.push_back(tv.token(ids[t]));
        in.confidence.push_back(prob[static_cast<std::size_t>(ids[t])]);
        if (ids[t] == dates::kEos) ended = true;
        if (!ended) in.output += tv.token(ids[t]);
        std::copy(view_model_.weights(t, 0), view_model_.weights(t, 0) + n, in.alignment.row(t));
    }
    return in;
}

std::string DatesSession::model_file() const {
    return write_seq2seq_file(model_, dates::source_vocabulary(), dates::target_vocabulary(), step_,
                              {{"seed", std::to_string(config_.seed)}});
}

void DatesSession::import_model(const Seq2SeqFile& file) {
    if (!file.model) throw Error("the model file holds no model");
    const Seq2SeqConfig &a = file.config, &b = config_.recipe.model;
    if (a.emb != b.emb || a.enc_hidden != b.enc_hidden || a.dec_hidden != b.dec_hidden ||
        a.attn_hidden != b.attn_hidden)
        throw Error("the model has emb " + str(a.emb) + ", enc_hidden " + str(a.enc_hidden) + ", dec_hidden " +
                    str(a.dec_hidden) + ", attn_hidden " + str(a.attn_hidden) + "; this run has " + str(b.emb) + ", " +
                    str(b.enc_hidden) + ", " + str(b.dec_hidden) + ", " + str(b.attn_hidden));
    if (file.source_vocab != dates::source_vocabulary().tokens() ||
        file.target_vocab != dates::target_vocabulary().tokens())
        throw Error("the model's vocabularies are not the dates task's (same characters, same order)");
    const Parameters& from = file.model->parameters();
    from.require_finite_values();
    Parameters& p = model_.parameters();
    std::copy(from.values(), from.values() + from.total(), p.values());
    opt_.reset();
    restart();
}

}  // namespace attn::ui
