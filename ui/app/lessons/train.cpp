// train.cpp — the Training lesson: a small Transformer learns a task while the learner watches.
//
// The run itself (model, optimizer, data, held-out set, checkpoints, failures, the recorded
// step) is ui/logic/training_session.hpp; this file declares the parameters, keeps the session in
// step with them, trains inside each frame's budget (advance), and draws: the loss and accuracy
// curves, the attention of every layer and head on a fixed probe example (with a scrubber over
// the checkpoints), one recorded training step for the step player (forward, loss, the backward
// of one head cell by cell, the gradient of W_q, Adam's update), and a box for typed input.
//
// Deep links: the parameters (task, sizes, hyperparameters, seed) and `steps`, the number of
// steps trained. Opening a link retrains to that step in frame-sized slices (a progress bar),
// deterministically, so the same curves come back. `running` starts and pauses training.
//
// Model files: Export writes the current weights as a safetensors model file (the CLI's format:
// attnlab eval/attend and PyTorch read it); importing one (drop it on the desktop window, or
// attnlab.load("model", bytes) in the browser) sets the task and sizes from its config and starts
// the run from its weights, to inspect it or train on. A link cannot carry an imported model: it
// replays a fresh run, and the lesson says so.
//
// What it deliberately does not do: train off screen (a hidden lesson pauses).
//
// [SECTION] helpers
// [SECTION] the lesson: parameters, session upkeep, live work
// [SECTION] views: status, curves, attention grid, one step, typed input
#include <imgui.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "attn/train/model_file.hpp"
#include "attn/train/seq2seq_file.hpp"
#include "dates_session.hpp"
#include "lesson.hpp"
#include "training_session.hpp"
#include "widgets/charts.hpp"
#include "widgets/flow.hpp"
#include "widgets/param_widgets.hpp"

namespace attn::ui {

namespace {

// [SECTION] helpers

using Clock = std::chrono::steady_clock;

constexpr const char* kTaskNames[] = {"copy", "reverse", "sort", "induction", "series", "dates"};
// The task choice that trains the date translator (DatesSession) instead of a Transformer.
constexpr int kDatesTask = 5;
constexpr int kMaxSteps = 1000000;
// Points per curve on screen (each the mean of a run of steps).
constexpr std::size_t kCurvePoints = 400;
// While training, a step is recorded for the step player at most this often (seconds).
constexpr double kRecordEvery = 0.25;
// The matrices of a recorded step shown side by side, at most.
constexpr std::size_t kStepMatrices = 4;

TaskKind task_kind(int i) { return static_cast<TaskKind>(std::clamp(i, 0, 4)); }

nlohmann::json finite_or_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

std::vector<std::string> id_labels(const std::vector<std::int32_t>& ids) {
    std::vector<std::string> out;
    for (std::int32_t t : ids) out.push_back(std::to_string(t));
    return out;
}

std::vector<std::string> index_labels(std::size_t n, const char* prefix) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
    return out;
}

// A row of token ids in small framed boxes; colour[i] (0: none) fills box i.
void token_boxes(const char* label, const std::vector<std::int32_t>& ids, const std::vector<ImU32>& colour,
                 float label_width) {
    ImGui::TextUnformatted(label);
    ImGui::SameLine(label_width);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float font = ImGui::GetFontSize(), gap = font * 0.15f;
    const float room = ImGui::GetContentRegionAvail().x - font * 0.5f;
    const float w = std::clamp(room / static_cast<float>(std::max<std::size_t>(ids.size(), 1)) - gap, font * 1.1f,
                               font * 1.9f),
                h = font * 1.35f;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i > 0) ImGui::SameLine(0.0f, gap);
        const ImVec2 p = ImGui::GetCursorScreenPos();
        ImGui::Dummy(ImVec2(w, h));
        if (i < colour.size() && colour[i]) dl->AddRectFilled(p, ImVec2(p.x + w, p.y + h), colour[i], 3.0f);
        dl->AddRect(p, ImVec2(p.x + w, p.y + h), ImGui::GetColorU32(ImGuiCol_Border), 3.0f);
        const std::string s = std::to_string(ids[i]);
        const ImVec2 ts = ImGui::CalcTextSize(s.c_str());
        dl->AddText(ImVec2(p.x + (w - ts.x) * 0.5f, p.y + (h - ts.y) * 0.5f), ImGui::GetColorU32(ImGuiCol_Text),
                    s.c_str());
    }
}

const ImU32 kRight = IM_COL32(40, 150, 70, 200), kWrong = IM_COL32(200, 60, 50, 200),
            kScored = IM_COL32(70, 90, 160, 160);

// [SECTION] the lesson: parameters, session upkeep, live work

class TrainLesson final : public Lesson {
public:
    TrainLesson() {
        const TrainingConfig d = TrainingConfig::preset(TaskKind::reverse);
        // Picking a task loads its preset sizes (the parameters after it in links override them).
        Param& task =
            params_
                .add_choice("task", &task_, std::vector<std::string>(std::begin(kTaskNames), std::end(kTaskNames)), 1)
                .choice_labels({"copy", "reverse", "sort", "induction (2 layers)", "series (regression)",
                                "dates (seq2seq translator)"})
                .tooltip("what the model learns; picking a task loads its default sizes")
                .param();
        task.set = [this](double v) {
            const int t = static_cast<int>(v);
            if (t != task_) {
                task_ = t;
                if (t == kDatesTask)
                    load_dates_preset();
                else
                    load_preset(task_kind(t));
            }
        };
        const auto transformer = [this] { return task_ != kDatesTask; };
        params_.add_int("length", &length_, 2, 32, static_cast<int>(d.task.length))
            .label("length n")
            .shown(transformer);
        params_.add_int("vocab", &vocab_, 2, 128, static_cast<int>(d.task.vocab)).label("vocabulary").shown([this] {
            return task_ != kDatesTask && task_kind(task_) != TaskKind::series;
        });
        params_.add_int("k", &k_, 1, 16, static_cast<int>(d.task.k))
            .label("copy length k")
            .tooltip("induction: a segment of k tokens is copied later in the sequence")
            .shown([this] { return task_ != kDatesTask && task_kind(task_) == TaskKind::induction; });
        params_.add_int("layers", &layers_, 1, 4, static_cast<int>(d.layers))
            .separator()
            .heading("model")
            .shown(transformer);
        params_.add_int("heads", &heads_, 1, 8, static_cast<int>(d.heads))
            .tooltip("must divide d_model")
            .shown(transformer);
        params_.add_int("d_model", &d_model_, 4, 128, static_cast<int>(d.d_model)).log().shown(transformer);
        params_.add_int("d_ff", &d_ff_, 4, 512, static_cast<int>(d.d_ff)).log().shown(transformer);
        params_.add_choice("positions", &positions_, {"learned", "sinusoidal"}, 0).shown(transformer);
        params_.add_choice("activation", &activation_, {"relu", "gelu"}, 0).shown(transformer);
        params_.add_float("lr", &lr_, 1e-5f, 1.0f, static_cast<float>(d.lr))
            .label("learning rate")
            .log()
            .format("%.2g")
            .separator()
            .heading("training")
            .tooltip("Adam's learning rate; changes apply at once, even while training");
        params_.add_int("batch", &batch_, 1, 256, static_cast<int>(d.batch)).log();
        params_.add_seed("seed", &seed_, 1);
        params_.add_int("spf", &steps_per_frame_, 1, 1000, 100)
            .label("steps per frame (cap)")
            .log()
            .tooltip("at most this many optimizer steps per frame; the frame's time budget also limits them");
        params_.add_int("trace_layer", &trace_layer_, 0, 3, 0).label("layer").group("step").slider_max([this] {
            return layers_ - 1;
        });
        params_.add_int("trace_head", &trace_head_, 0, 7, 0).label("head").group("step").slider_max([this] {
            return heads_ - 1;
        });
        params_.add_bool("running", &running_, false).hidden();
        // Steps trained: reads the run's step; setting it retrains to that step.
        Param& steps = params_.add_int("steps", &requested_steps_, 0, kMaxSteps, 0).hidden().param();
        steps.get = [this] { return static_cast<double>(trained_steps()); };
        steps.set = [this](double v) {
            requested_steps_ = static_cast<int>(v);
            steps_requested_ = true;
        };
        input_text_ = "";
    }

    const char* id() const override { return "train"; }
    const char* title() const override { return "Training"; }

    void explain() override {
        ImGui::TextUnformatted("Attention that learns");
        ImGui::TextUnformatted(
            "Every other lesson sets its weights by hand or at random. Here a small Transformer (the same layers as "
            "PyTorch's TransformerEncoderLayer) starts from random weights and learns a task by gradient descent, "
            "in this page, while you watch where each head looks.");
        ImGui::TextUnformatted(
            "Tasks: copy, reverse or sort a row of tokens; induction: continue a segment that was seen before (the "
            "second copy of a repeated segment is predictable from the first); series: predict the next value of a "
            "noisy periodic signal. Reversing shows an anti-diagonal; induction needs two layers: a head that "
            "looks at the previous token, then one that looks just after an earlier copy of the current token.");
        ImGui::TextUnformatted(
            "Each step draws a fresh batch, runs the model forward, measures the cross-entropy loss, sends its "
            "gradient backward through every layer and lets Adam nudge every weight. The held-out accuracy is "
            "measured on examples the model never trains on. The step player walks through one such step, down to "
            "each cell of the softmax's backward pass: dS = P ⊙ (dP − rowsum(dP ⊙ P)).");
        ImGui::TextUnformatted(
            "dates: a Bahdanau encoder-decoder learns to rewrite dates written eleven ways (\"the 23rd of November "
            "2026\") as 2026-11-23. Its alignment maps show where each output character looks in the source: "
            "teacher-forced (fed the true previous character, as in training) beside greedy decoding (fed its own "
            "output, as when it translates), which may differ early in training.");
    }

    void recompute() override {
        if (task_ == kDatesTask) return recompute_dates();
        dates_.reset();
        const TrainingConfig cfg = config();
        if (!session_ || !cfg.same_run(session_->config())) {
            session_.reset();
            session_ = std::make_unique<TrainingSession>(cfg);  // throws on a bad config: shown as the error
            replay_to_ = 0;
            lr_changed_ = false;
            imported_ = false;
            scrub_ = -1;
            rate_steps_ = 0;
            rate_start_ = Clock::now();
            steps_per_second_ = 0;
        } else if (static_cast<double>(lr_) != session_->config().lr) {
            session_->set_lr(static_cast<double>(lr_));
            lr_changed_ = lr_changed_ || session_->step() > 0;
        }
        if (steps_requested_) {
            steps_requested_ = false;
            const auto want = static_cast<std::size_t>(requested_steps_);
            if (want < session_->step()) {  // back in time: the same run, from the start
                session_ = std::make_unique<TrainingSession>(cfg);
                scrub_ = -1;
                imported_ = false;
            }
            replay_to_ = want > session_->step() ? want : 0;
            replay_from_ = session_->step();
        }
        // set("running", 1) after a failure tries again, as the Train button does (a failure sets
        // running_ to false, so it is true here only when it was just asked for).
        if (running_ && !session_->failure().empty()) session_->clear_failure();
        session_->set_trace_head(static_cast<std::size_t>(trace_layer_), static_cast<std::size_t>(trace_head_));
        if (session_->trace_version() == 0) session_->record_preview();
        trace_ = session_->trace();
        trace_seen_ = session_->trace_version();
        refresh_views();
    }

    bool live() const override {
        if (task_ == kDatesTask)
            return dates_ && dates_->failure().empty() && (running_ || replaying() || dates_->evaluation_due());
        return session_ && session_->failure().empty() && (running_ || replaying() || session_->evaluation_due());
    }
    TraceFollow trace_follow() const override { return TraceFollow::replaced; }
    void hidden() override { running_ = false; }

    void advance(const FrameBudget& budget) override {
        if (task_ == kDatesTask) return advance_dates(budget);
        if (!session_) return;
        // Work comes in units (an evaluation chunk, a micro-batch of a step): a unit longer than
        // the frame's budget waits until the budgets of a few frames add up to it, so the frame
        // rate holds and training goes on at a lower rate.
        const double cost = session_->expected_unit_ms();
        credit_ms_ = std::min(credit_ms_ + budget.ms(), std::max(2.0 * cost, budget.ms()));
        if (cost > budget.ms() && credit_ms_ < cost) return;
        std::size_t until = session_->step();
        if (replaying())
            until = replay_to_;
        else if (running_)
            until = session_->step() + static_cast<std::size_t>(steps_per_frame_);
        // While training, a new step is recorded for the player a few times a second (a learner
        // cannot read more, and recording and copying a trace every frame costs frame time).
        // A recorded step runs whole (its trace is of the whole batch): not while a run splits its
        // steps into micro-batches, whose frames would then stall (the player keeps the last step
        // recorded, e.g. by One step).
        const auto now = Clock::now();
        const bool record = session_->units_per_step() == 1 &&
                            std::chrono::duration<double>(now - last_record_).count() >= kRecordEvery;
        if (record) last_record_ = now;
        // A replay records its last step: the player then shows the step the link stopped at.
        const std::size_t done = session_->work(
            until, [&] { return budget.remaining_ms(); }, record, replaying());
        credit_ms_ = std::max(0.0, credit_ms_ - budget.elapsed_ms());
        if (replay_to_ && session_->step() >= replay_to_) replay_to_ = 0;
        if (!session_->failure().empty()) running_ = false;
        count_rate(done);
        if (session_->trace_version() != trace_seen_) {
            trace_ = session_->trace();
            trace_seen_ = session_->trace_version();
        }
        // The probe's views only when the weights moved (a frame may do a part of a step only).
        if (done || !session_->failure().empty()) refresh_views();
        touched();
    }

    nlohmann::json state_fields() const override {
        if (task_ == kDatesTask) return dates_state();
        if (!session_) return nullptr;
        const TrainingSession& s = *session_;
        nlohmann::json t;
        t["task"] = task_name(s.config().task.kind);
        t["step"] = s.step();
        t["loss"] = s.train_loss().empty() ? nlohmann::json(nullptr) : finite_or_null(s.train_loss().back());
        t["accuracy"] =
            s.train_accuracy().empty() ? nlohmann::json(nullptr) : finite_or_null(s.train_accuracy().back());
        const bool evaluated = !s.evaluations().empty();
        const TrainingSession::Evaluation e = evaluated ? s.evaluations().back() : TrainingSession::Evaluation{};
        t["heldOutAccuracy"] = evaluated ? finite_or_null(e.accuracy) : nlohmann::json(nullptr);
        t["heldOutLoss"] = evaluated ? finite_or_null(e.loss) : nlohmann::json(nullptr);
        t["heldOutExact"] = evaluated ? finite_or_null(e.exact) : nlohmann::json(nullptr);
        t["heldOutCopiedLoss"] = evaluated ? finite_or_null(e.copied_loss) : nlohmann::json(nullptr);
        t["evaluatedStep"] = evaluated ? nlohmann::json(e.step) : nlohmann::json(nullptr);
        t["running"] = running_;
        t["replaying"] = replaying();
        t["replayTarget"] = replay_to_;
        t["stepsPerSecond"] = finite_or_null(steps_per_second_);
        t["tracedStep"] = s.traced_step();
        t["checkpoints"] = s.checkpoints().size();
        t["failure"] = s.failure();
        // The learning rate changed during the run: a link replays it with the current rate.
        t["lrChanged"] = lr_changed_;
        // Weights imported from a model file: {"step": steps it had been trained}, else null.
        t["imported"] = imported_ ? nlohmann::json{{"step", imported_step_}} : nlohmann::json(nullptr);
        t["heldOutAlignment"] = nullptr;  // the dates task's
        t["probe"] = nullptr;
        return {{"training", t}};
    }

    ShownMatrix shown_matrix(std::size_t step) const override {
        const std::string name = step_matrix(step, "");
        if (const Matrix* m = name.empty() ? nullptr : trace_.matrix(name)) return {name, *m, {}, {}};
        if (!probe_.attention.empty()) return {"probe attention L0 H0", probe_.weights(0, 0), {}, {}};
        return {"none", Matrix(), {}, {}};
    }

    // A model file's bytes: the run takes the file's task and sizes and starts from its weights.
    std::string load_file(const std::string& kind, const std::string& bytes) override {
        if (kind != "model")
            return "the Training lesson opens model files (.safetensors, kind \"model\"), not " + kind + " files";
        if (model_file_kind(bytes) == "seq2seq_additive") return load_dates_file(bytes);
        ModelFile f;
        try {
            f = read_model_file(bytes);
        } catch (const std::exception& e) {
            return std::string("model file: ") + e.what();
        }
        const std::string unfit = fits_lesson(f.config);
        if (!unfit.empty()) return "model file: " + unfit;
        const TaskConfig& t = f.config.task;
        const TransformerConfig& m = f.config.model;
        task_ = static_cast<int>(t.kind);
        load_preset(t.kind);  // learning rate and batch of the task; sizes from the file below
        length_ = static_cast<int>(t.length);
        vocab_ = static_cast<int>(t.tokens() ? t.vocab : vocab_);
        k_ = static_cast<int>(t.k);
        layers_ = static_cast<int>(m.layers);
        heads_ = static_cast<int>(m.heads);
        d_model_ = static_cast<int>(m.d_model);
        d_ff_ = static_cast<int>(m.d_ff);
        positions_ = m.positions == Positions::learned ? 0 : 1;
        activation_ = m.activation == nn::Activation::relu ? 0 : 1;
        trace_layer_ = std::min(trace_layer_, layers_ - 1);
        trace_head_ = std::min(trace_head_, heads_ - 1);
        auto session = std::make_unique<TrainingSession>(config());
        session->import_weights(f.model->parameters());
        session_ = std::move(session);
        imported_ = true;
        imported_step_ = f.step;
        running_ = false;
        replay_to_ = 0;
        steps_requested_ = false;
        lr_changed_ = false;
        scrub_ = -1;
        refresh_views();
        return "";
    }

    // "model": the current weights as a model file (Export in the status bar; JS: export("model")).
    std::string export_file(const std::string& kind) override {
        if (kind != "model") return Lesson::export_file(kind);
        if (task_ == kDatesTask) return export_dates();
        if (!session_) return "no model to export yet";
        const std::string name = std::string("attnlab-") + task_name(session_->config().task.kind) + "-step" +
                                 std::to_string(session_->step()) + ".safetensors";
        std::string bytes;
        try {
            bytes = session_->model_file();
        } catch (const std::exception& e) {
            return std::string("cannot export the model: ") + e.what();
        }
        if (!platform_) return "cannot export the model: no shell to save it";
        const Platform::Saved saved = platform_->save_file(name, "application/octet-stream", bytes);
        export_status_ = saved.message;
        return saved.ok ? "" : saved.message;
    }

    void view(const LessonContext& ctx) override;

private:
    // "" when a model file's config fits this lesson's parameter ranges, else the first misfit.
    static std::string fits_lesson(const ModelConfig& c) {
        const TaskConfig& t = c.task;
        const TransformerConfig& m = c.model;
        auto range = [](const char* name, std::size_t v, std::size_t lo, std::size_t hi) -> std::string {
            if (v >= lo && v <= hi) return "";
            return std::string(name) + " is " + std::to_string(v) + ", this lesson trains " + std::to_string(lo) +
                   " to " + std::to_string(hi);
        };
        for (const std::string& e :
             {range("length", t.length, 2, 32), t.tokens() ? range("vocab", t.vocab, 2, 128) : std::string(),
              range("k", t.k, 1, 16), range("layers", m.layers, 1, 4), range("heads", m.heads, 1, 8),
              range("d_model", m.d_model, 4, 128), range("d_ff", m.d_ff, 4, 512)})
            if (!e.empty()) return e;
        if (m.max_len != t.length)
            return "max_len " + std::to_string(m.max_len) + " differs from the task's length " +
                   std::to_string(t.length) + " (this lesson's models have max_len = length)";
        if (t.tokens() && m.vocab != t.vocab)
            return "the model's vocab " + std::to_string(m.vocab) + " differs from the task's " +
                   std::to_string(t.vocab) + " (this lesson's models have the task's vocab)";
        return "";
    }

    TrainingConfig config() const {
        TrainingConfig c = TrainingConfig::preset(task_kind(task_));
        c.task.length = static_cast<std::size_t>(length_);
        c.task.vocab = static_cast<std::size_t>(vocab_);
        c.task.k = static_cast<std::size_t>(k_);
        c.layers = static_cast<std::size_t>(layers_);
        c.heads = static_cast<std::size_t>(heads_);
        c.d_model = static_cast<std::size_t>(d_model_);
        c.d_ff = static_cast<std::size_t>(d_ff_);
        c.positions = positions_ == 0 ? Positions::learned : Positions::sinusoidal;
        c.activation = activation_ == 0 ? nn::Activation::relu : nn::Activation::gelu;
        c.lr = static_cast<double>(lr_);
        c.batch = static_cast<std::size_t>(batch_);
        c.seed = static_cast<std::uint64_t>(seed_);
        return c;
    }

    void load_preset(TaskKind kind) {
        const TrainingConfig p = TrainingConfig::preset(kind);
        length_ = static_cast<int>(p.task.length);
        vocab_ = static_cast<int>(p.task.vocab);
        k_ = static_cast<int>(p.task.k);
        layers_ = static_cast<int>(p.layers);
        heads_ = static_cast<int>(p.heads);
        d_model_ = static_cast<int>(p.d_model);
        d_ff_ = static_cast<int>(p.d_ff);
        lr_ = static_cast<float>(p.lr);
        batch_ = static_cast<int>(p.batch);
        trace_layer_ = std::min(trace_layer_, layers_ - 1);
        trace_head_ = std::min(trace_head_, heads_ - 1);
    }

    // The run of the chosen task: a Transformer's session, or the date translator's.
    bool has_run() const { return task_ == kDatesTask ? dates_ != nullptr : session_ != nullptr; }
    std::size_t run_step() const {
        if (!has_run()) return 0;
        return task_ == kDatesTask ? dates_->step() : session_->step();
    }
    bool replaying() const { return has_run() && replay_to_ > run_step(); }
    std::size_t trained_steps() const {
        if (!has_run()) return static_cast<std::size_t>(requested_steps_);
        return std::max(run_step(), replay_to_);
    }

    // [SECTION] the dates task (DatesSession)
    // The lesson's preset differs from `attnlab train --task dates` (batch 64) in the batch: the
    // page has little time per frame, and batch 16 at the same lr reaches 98% held-out exact
    // match after ~3,800 training dates where batch 64 needs ~6,400-9,000 (natively, seeds 1-3),
    // at the same cost per date. Held-out evaluations (1000 dates, greedy: the cost of ~40 steps
    // of 16) come every 1,280 training dates: every 80 steps of 16, every 20 of 64. Work comes in
    // units of 8 training dates or 10 held-out dates (~2-4 ms each in the browser, the same cost
    // per date as larger units), so a frame's slice of a few ms holds one or two.
    static constexpr int kDatesLessonBatch = 16;
    static constexpr std::size_t kDatesEvalDates = 1280, kDatesMicroBatch = 8, kDatesEvalChunk = 10;
    DatesTrainingConfig dates_config() const {
        DatesTrainingConfig c;  // the core's default sizes and optimizer
        c.recipe.optim.lr = static_cast<double>(lr_);
        c.recipe.batch = static_cast<std::size_t>(batch_);
        c.eval_every = std::max<std::size_t>(1, kDatesEvalDates / c.recipe.batch);
        c.micro_batch = kDatesMicroBatch;
        c.eval_chunk = kDatesEvalChunk;
        c.seed = static_cast<std::uint64_t>(seed_);
        return c;
    }
    void load_dates_preset() {
        const DatesRecipe r = default_dates_recipe();
        lr_ = static_cast<float>(r.optim.lr);
        batch_ = kDatesLessonBatch;
    }
    void new_dates_run(const DatesTrainingConfig& c) {
        dates_ = std::make_unique<DatesSession>(c);  // throws on a bad config: shown as the error
        replay_to_ = 0;
        lr_changed_ = false;
        imported_ = false;
        scrub_ = -1;
        rate_steps_ = 0;
        rate_start_ = Clock::now();
        steps_per_second_ = 0;
    }
    void recompute_dates() {
        if (session_) {  // from a Transformer task: its views go
            session_.reset();
            probe_ = typed_ = Inspection{};
            trace_ = Trace();
        }
        const DatesTrainingConfig cfg = dates_config();
        if (!dates_ || !cfg.same_run(dates_->config())) {
            new_dates_run(cfg);
        } else if (static_cast<double>(lr_) != dates_->config().recipe.optim.lr) {
            dates_->set_lr(static_cast<double>(lr_));
            lr_changed_ = lr_changed_ || dates_->step() > 0;
        }
        if (steps_requested_) {
            steps_requested_ = false;
            const auto want = static_cast<std::size_t>(requested_steps_);
            if (want < dates_->step()) new_dates_run(cfg);  // back in time: the same run, from the start
            replay_to_ = want > dates_->step() ? want : 0;
            replay_from_ = dates_->step();
        }
        if (running_ && !dates_->failure().empty()) dates_->clear_failure();
        if (trace_.steps().empty()) dates_note();
        refresh_dates();
    }
    // The step player's one step for this task: what a decoder step computes (the run records
    // no training steps; the Basic lesson walks through the decoder step by step).
    void dates_note() {
        trace_ = Trace();
        trace_.add(StepKind::note,
                   "the date translator: at each output step the decoder scores every source character, "
                   "softmaxes the scores into an alignment row and reads a context from them",
                   "e_tj = v·tanh(W_s s_{t−1} + W_h h_j),  α_t = softmax_j(e_t),  c_t = Σ_j α_tj h_j", {}, {});
    }
    void advance_dates(const FrameBudget& budget) {
        if (!dates_) return;
        // Work comes in units (an evaluation chunk, a micro-batch of a step): a unit longer than
        // the slice waits until the frames' unused slices add up to its cost.
        const double cost = dates_->expected_unit_ms();
        credit_ms_ = std::min(credit_ms_ + budget.ms(), std::max(2.0 * cost, budget.ms()));
        if (cost > budget.ms() && credit_ms_ < cost) return;
        std::size_t until = dates_->step();
        if (replaying())
            until = replay_to_;
        else if (running_)
            until = dates_->step() + static_cast<std::size_t>(steps_per_frame_);
        const std::size_t done = dates_->work(until, [&] { return budget.remaining_ms(); });
        credit_ms_ = std::max(0.0, credit_ms_ - budget.elapsed_ms());
        if (replay_to_ && dates_->step() >= replay_to_) replay_to_ = 0;
        if (!dates_->failure().empty()) running_ = false;
        count_rate(done);
        // The probe's two alignments a few times a second while training (each is a decode), and
        // only when the weights moved (most frames now do a part of a step and change nothing).
        const auto now = Clock::now();
        if (dates_->step() != probe_step_ &&
            (std::chrono::duration<double>(now - last_record_).count() >= kRecordEvery || !running_)) {
            last_record_ = now;
            refresh_dates();
        }
        touched();
    }
    // The probe date, teacher-forced on its ISO target and decoded greedily (current weights or
    // the scrubbed checkpoint).
    void refresh_dates() {
        if (!dates_) return;
        DatesSession& d = *dates_;
        probe_step_ = d.step();
        if (scrub_ >= static_cast<int>(d.checkpoints().size())) scrub_ = -1;
        const std::string &src = DatesSession::probe_source(), &tgt = DatesSession::probe_target();
        if (scrub_ < 0) {
            dates_forced_ = d.inspect(src, tgt);
            dates_greedy_ = d.inspect(src);
        } else {
            const auto i = static_cast<std::size_t>(scrub_);
            dates_forced_ = d.inspect_checkpoint(i, src, tgt);
            dates_greedy_ = d.inspect_checkpoint(i, src);
        }
    }
    nlohmann::json dates_state() const {
        if (!dates_) return nullptr;
        const DatesSession& d = *dates_;
        nlohmann::json t;
        t["task"] = "dates";
        t["step"] = d.step();
        t["loss"] = d.train_loss().empty() ? nlohmann::json(nullptr) : finite_or_null(d.train_loss().back());
        t["accuracy"] =
            d.train_accuracy().empty() ? nlohmann::json(nullptr) : finite_or_null(d.train_accuracy().back());
        const bool evaluated = !d.evaluations().empty();
        const DatesSession::Evaluation e = evaluated ? d.evaluations().back() : DatesSession::Evaluation{};
        auto num = [&](float x) { return evaluated ? finite_or_null(x) : nlohmann::json(nullptr); };
        t["heldOutAccuracy"] = num(e.char_accuracy);
        t["heldOutLoss"] = num(e.loss);
        t["heldOutExact"] = num(e.exact);
        t["heldOutCopiedLoss"] = nullptr;
        t["evaluatedStep"] = evaluated ? nlohmann::json(e.step) : nlohmann::json(nullptr);
        t["running"] = running_;
        t["replaying"] = replaying();
        t["replayTarget"] = replay_to_;
        t["stepsPerSecond"] = finite_or_null(steps_per_second_);
        t["tracedStep"] = 0;
        t["checkpoints"] = d.checkpoints().size();
        t["failure"] = d.failure();
        t["lrChanged"] = lr_changed_;
        t["imported"] = imported_ ? nlohmann::json{{"step", imported_step_}} : nlohmann::json(nullptr);
        t["heldOutAlignment"] = evaluated ? nlohmann::json{{"year", finite_or_null(e.year)},
                                                           {"month", finite_or_null(e.month)},
                                                           {"day", finite_or_null(e.day)}}
                                          : nlohmann::json(nullptr);
        t["probe"] = {{"source", DatesSession::probe_source()},
                      {"target", DatesSession::probe_target()},
                      {"greedy", dates_greedy_.output},
                      {"teacherForced", dates_forced_.output}};
        return {{"training", t}};
    }
    std::string load_dates_file(const std::string& bytes) {
        Seq2SeqFile f;
        try {
            f = read_seq2seq_file(bytes);
        } catch (const std::exception& e) {
            return std::string("model file: ") + e.what();
        }
        if (f.task != "dates") return "model file: its task is " + f.task + ", this lesson trains dates";
        task_ = kDatesTask;
        load_dates_preset();
        try {
            auto run = std::make_unique<DatesSession>(dates_config());
            run->import_model(f);
            dates_ = std::move(run);
        } catch (const std::exception& e) {
            return std::string("model file: ") + e.what();
        }
        session_.reset();
        probe_ = typed_ = Inspection{};
        dates_note();
        imported_ = true;
        imported_step_ = f.step;
        running_ = false;
        replay_to_ = 0;
        steps_requested_ = false;
        lr_changed_ = false;
        scrub_ = -1;
        refresh_dates();
        return "";
    }
    std::string export_dates() {
        if (!dates_) return "no model to export yet";
        const std::string name = "attnlab-dates-step" + std::to_string(dates_->step()) + ".safetensors";
        std::string bytes;
        try {
            bytes = dates_->model_file();
        } catch (const std::exception& e) {
            return std::string("cannot export the model: ") + e.what();
        }
        if (!platform_) return "cannot export the model: no shell to save it";
        const Platform::Saved saved = platform_->save_file(name, "application/octet-stream", bytes);
        export_status_ = saved.message;
        return saved.ok ? "" : saved.message;
    }
    void dates_view(const LessonContext& ctx);
    void dates_curves(float width, float height);
    void alignment_map(const LessonContext& ctx, const DatesInspection& in, const char* title, const char* id,
                       float side);

    void count_rate(std::size_t steps) {
        rate_steps_ += steps;
        const double s = std::chrono::duration<double>(Clock::now() - rate_start_).count();
        if (s >= 0.5) {
            steps_per_second_ = static_cast<double>(rate_steps_) / s;
            rate_steps_ = 0;
            rate_start_ = Clock::now();
        }
    }

    // The probe's attention (current weights or the scrubbed checkpoint) and the typed input's.
    void refresh_views() {
        if (!session_) return;
        TrainingSession& s = *session_;
        if (scrub_ >= static_cast<int>(s.checkpoints().size())) scrub_ = -1;
        const bool tokens = s.config().task.tokens();
        auto run = [&](const std::vector<std::int32_t>& ids, const std::vector<float>& values) {
            if (scrub_ < 0) return tokens ? s.inspect(ids) : s.inspect_values(values);
            const auto i = static_cast<std::size_t>(scrub_);
            return tokens ? s.inspect_checkpoint(i, ids) : s.inspect_checkpoint_values(i, values);
        };
        probe_ = run(s.probe_tokens(), s.probe_values());
        input_error_.clear();
        typed_ = Inspection{};
        if (tokens && !input_text_.empty()) {
            std::vector<std::int32_t> ids;
            input_error_ =
                TrainingSession::parse_tokens(input_text_, s.config().task.vocab, s.config().task.length, ids);
            if (input_error_.empty()) typed_ = run(ids, {});
        }
    }

    void status_bar();
    enum class RunButton { none, train, one_step, reset };
    RunButton run_buttons(bool failed);
    // "step N   loss L" + evaluation (the held-out figures), then the run's notes.
    void run_status(const std::string& evaluation, std::size_t step, const std::vector<float>& train_loss,
                    const std::string& failure);
    void curves(float width, float height);
    void attention_grid(const LessonContext& ctx, const Inspection& in, const char* id, float width, float height);
    void probe_lines(const Inspection& in, bool show_target);
    void step_view(const LessonContext& ctx);
    void typed_input(const LessonContext& ctx);

    // Parameters.
    int task_ = 1, length_ = 8, vocab_ = 10, k_ = 3, layers_ = 1, heads_ = 2, d_model_ = 32, d_ff_ = 64;
    int positions_ = 0, activation_ = 0, batch_ = 64, seed_ = 1, steps_per_frame_ = 100;
    std::size_t probe_step_ = 0;  // the dates run's step the probe's inspections show
    int trace_layer_ = 0, trace_head_ = 0, requested_steps_ = 0;
    float lr_ = 3e-3f;
    bool running_ = false, steps_requested_ = false;

    std::unique_ptr<TrainingSession> session_;
    std::unique_ptr<DatesSession> dates_;  // the dates task's run (session_ is then empty)
    DatesInspection dates_forced_, dates_greedy_;
    std::size_t replay_to_ = 0, replay_from_ = 0;  // retraining to a link's step
    bool lr_changed_ = false;                      // the learning rate changed during this run
    bool imported_ = false;                        // the run started from a model file's weights
    std::uint64_t imported_step_ = 0;              // the steps that file had been trained
    std::string export_status_;
    int scrub_ = -1;  // checkpoint shown, −1: the current weights
    std::uint64_t trace_seen_ = 0;
    Inspection probe_, typed_;
    std::string input_text_, input_error_;
    std::size_t last_step_shown_ = 0;  // a link to a later step opens on the recorded step
    int tab_request_ = -1;
    // Steps per second over the last half second.
    std::size_t rate_steps_ = 0;
    Clock::time_point rate_start_ = Clock::now();
    Clock::time_point last_record_{};
    double credit_ms_ = 0;  // unspent frame budgets, for steps longer than one frame's
    double steps_per_second_ = 0;
};

// [SECTION] views: status, curves, attention grid, one step, typed input

void TrainLesson::view(const LessonContext& ctx) {
    if (task_ == kDatesTask) return dates_view(ctx);
    if (!session_) return;
    status_bar();
    // The player moved (the learner is stepping through): show the recorded step.
    if (ctx.step != last_step_shown_) tab_request_ = 1;
    last_step_shown_ = ctx.step;
    if (!ImGui::BeginTabBar("train-tabs")) return;
    const char* tabs[] = {"Training", "One step, step by step", "Try an input"};
    for (int t = 0; t < 3; ++t) {
        const ImGuiTabItemFlags flags = tab_request_ == t ? ImGuiTabItemFlags_SetSelected : 0;
        if (!ImGui::BeginTabItem(tabs[t], nullptr, flags)) continue;
        const ImVec2 avail = ImGui::GetContentRegionAvail();
        if (t == 0) {
            const float font = ImGui::GetFontSize();
            const bool side_by_side = avail.x > font * 40;
            if (side_by_side) {  // curves | attention
                ImGui::BeginGroup();
                curves(avail.x * 0.5f - font * 0.5f, avail.y);
                ImGui::EndGroup();
                ImGui::SameLine();
                ImGui::BeginGroup();
                attention_grid(ctx, probe_, "probe", ImGui::GetContentRegionAvail().x, avail.y);
                ImGui::EndGroup();
            } else {  // large fonts (a projector) or a narrow window: the attention first, the curves below
                attention_grid(ctx, probe_, "probe", avail.x, avail.y * 0.95f);
                ImGui::Spacing();
                curves(avail.x - font * 0.5f, avail.y * 0.8f);
            }
        } else if (t == 1) {
            step_view(ctx);
        } else {
            typed_input(ctx);
        }
        ImGui::EndTabItem();
    }
    tab_request_ = -1;
    ImGui::EndTabBar();
}

void TrainLesson::status_bar() {
    TrainingSession& s = *session_;
    switch (run_buttons(!s.failure().empty())) {
        case RunButton::train: s.clear_failure(); break;
        case RunButton::one_step:
            s.clear_failure();
            s.step_once();
            trace_ = s.trace();
            trace_seen_ = s.trace_version();
            refresh_views();
            touched();
            break;
        case RunButton::reset:
            session_.reset();
            changed();  // a fresh run at step 0 on the next update
            return;
        case RunButton::none: break;
    }
    const bool tokens = s.config().task.tokens();
    std::string line;
    char buf[96];
    if (!s.evaluations().empty()) {
        const auto& e = s.evaluations().back();
        if (tokens)
            std::snprintf(buf, sizeof buf, "   held-out accuracy %.1f%% (step %zu)", 100.0 * e.accuracy, e.step);
        else
            std::snprintf(buf, sizeof buf, "   held-out MSE %.4g, last value %.4g (step %zu)",
                          static_cast<double>(e.loss), static_cast<double>(e.baseline), e.step);
        line += buf;
    }
    run_status(line, s.step(), s.train_loss(), s.failure());
}

// The row both kinds of run share: Train / Pause, One step, Export model, Import model…, Reset,
// wrapping on a narrow screen. Starting, pausing, exporting and importing are handled here; the
// caller does what its kind of run needs for the button returned (clear a failure, step, reset).
TrainLesson::RunButton TrainLesson::run_buttons(bool failed) {
    const float font = ImGui::GetFontSize();
    RunButton pressed = RunButton::none;
    const bool busy = running_ || replaying();  // Pause also stops a link's replay where it is
    if (ImGui::Button(busy ? "Pause" : "Train", ImVec2(font * 5, 0))) {
        running_ = !busy;
        replay_to_ = 0;
        if (running_ && failed) pressed = RunButton::train;
    }
    flow_same_line("One step");
    if (ImGui::Button("One step")) {
        running_ = false;
        replay_to_ = 0;
        pressed = RunButton::one_step;
    }
    flow_same_line("Export model");
    if (ImGui::Button("Export model")) export_file("model");
    flow_same_line("Import model…");
    if (ImGui::Button("Import model…") && platform_ && !platform_->request_open("model"))
        export_status_ = "To import a model file, drop the .safetensors file on the window.";
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "Save the current weights as a safetensors model file (the format of attnlab train -o; PyTorch "
            "loads it). Import one by dropping it on the window (desktop) or attnlab.load(\"model\", bytes).");
    flow_same_line("Reset");
    if (ImGui::Button("Reset")) {
        running_ = false;
        imported_ = false;
        pressed = RunButton::reset;
    }
    return pressed;
}

// The run's status line (beside the buttons when it fits, else below them), the replay's progress,
// the failure and the notes about this run.
void TrainLesson::run_status(const std::string& evaluation, std::size_t step, const std::vector<float>& train_loss,
                             const std::string& failure) {
    char buf[96];
    std::string line = "step " + std::to_string(step);
    if (!train_loss.empty()) {
        std::snprintf(buf, sizeof buf, "   loss %.4g", static_cast<double>(train_loss.back()));
        line += buf;
    }
    line += evaluation;
    if (running_ || replaying()) {
        std::snprintf(buf, sizeof buf, "   %.0f steps/s", steps_per_second_);
        line += buf;
    }
    flow_same_line(std::min(ImGui::CalcTextSize(line.c_str()).x, ImGui::GetFontSize() * 16));
    ImGui::TextWrapped("%s", line.c_str());
    if (replaying()) {
        const double span = static_cast<double>(std::max<std::size_t>(replay_to_ - replay_from_, 1));
        const float f = static_cast<float>(static_cast<double>(step - replay_from_) / span);
        std::snprintf(buf, sizeof buf, "retraining to step %zu (the link's run, replayed exactly): %zu", replay_to_,
                      step);
        ImGui::ProgressBar(f, ImVec2(-1, 0), buf);
    }
    if (!failure.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.4f, 0.35f, 1.0f));
        ImGui::TextWrapped("%s", failure.c_str());
        ImGui::PopStyleColor();
    }
    if (lr_changed_)
        ImGui::TextDisabled(
            "The learning rate changed during this run: a link replays the whole run with the current one.");
    if (imported_)
        ImGui::TextDisabled(
            "Started from an imported model file (trained %llu steps elsewhere); steps count from the import. A "
            "link cannot carry these weights: it replays a fresh run of the same task and sizes.",
            static_cast<unsigned long long>(imported_step_));
    if (!export_status_.empty()) ImGui::TextDisabled("%s", export_status_.c_str());
}

void TrainLesson::curves(float width, float height) {
    const TrainingSession& s = *session_;
    const float font = ImGui::GetFontSize();
    const bool tokens = s.config().task.tokens(), induction = s.config().task.kind == TaskKind::induction;
    const float x_max = static_cast<float>(std::max<std::size_t>(s.step(), s.config().eval_every));
    const float line = ImGui::GetTextLineHeightWithSpacing();
    const float plots = tokens ? 2.0f : 1.0f;
    const float h = std::max(font * 7, (height - line * (plots + (induction ? 1.0f : 0.0f))) / plots - font * 0.6f);

    std::vector<Curve> losses;
    Curve train{"training", {}, {}, IM_COL32(120, 170, 255, 255), 1.5f};
    curve_points(s.train_loss(), kCurvePoints, train.x, train.y);
    Curve held{"held-out", {}, {}, IM_COL32(255, 170, 60, 255), 2.5f};
    Curve copied{"held-out, copied tokens", {}, {}, IM_COL32(230, 80, 200, 255), 2.5f};
    Curve baseline{"repeat the last value", {}, {}, IM_COL32(160, 160, 160, 255), 1.5f};
    Curve acc{"held-out", {}, {}, IM_COL32(255, 170, 60, 255), 2.5f};
    Curve exact{"held-out, whole sequence right", {}, {}, IM_COL32(90, 210, 120, 255), 2.0f};
    Curve train_acc{"training batch", {}, {}, IM_COL32(120, 170, 255, 255), 1.5f};
    for (const auto& e : s.evaluations()) {
        const auto x = static_cast<float>(e.step);
        held.x.push_back(x), held.y.push_back(e.loss);
        copied.x.push_back(x), copied.y.push_back(e.copied_loss);
        baseline.x.push_back(x), baseline.y.push_back(e.baseline);
        acc.x.push_back(x), acc.y.push_back(e.accuracy);
        exact.x.push_back(x), exact.y.push_back(e.exact);
    }
    curve_points(s.train_accuracy(), kCurvePoints, train_acc.x, train_acc.y);
    float lo = INFINITY, hi = 0;
    for (const Curve* c : {&train, &held, &copied, &baseline})
        for (float v : c->y)
            if (std::isfinite(v) && v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
    if (!(hi > 0)) lo = 0.01f, hi = 10.0f;
    losses.push_back(train);
    losses.push_back(held);
    if (induction) losses.push_back(copied);
    if (!tokens) losses.push_back(baseline);
    ImGui::TextUnformatted(tokens ? "loss (cross-entropy, log scale)" : "loss (mean squared error, log scale)");
    curve_plot("loss", losses, ImVec2(width, h), x_max, std::pow(10.0f, std::floor(std::log10(lo))),
               std::pow(10.0f, std::ceil(std::log10(hi))), true);
    if (tokens) {
        std::vector<Curve> accs = {train_acc, acc};
        if (!induction) accs.push_back(exact);
        ImGui::TextUnformatted("token accuracy");
        curve_plot("accuracy", accs, ImVec2(width, h), x_max, 0.0f, 1.0f, false);
        if (induction) {
            ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
            ImGui::TextDisabled("accuracy counts the copied tokens an induction head can predict");
            ImGui::PopTextWrapPos();
        }
    }
}

void TrainLesson::attention_grid(const LessonContext& ctx, const Inspection& in, const char* id, float width,
                                 float height) {
    TrainingSession& s = *session_;
    const float font = ImGui::GetFontSize();
    const CheckpointRing& ring = s.checkpoints();
    if (std::string(id) == "probe") {
        ImGui::TextUnformatted("attention on a held-out example (rows: queries, columns: keys)");
        // Scrubber: the checkpoints, then "now" at the right end.
        int pos = scrub_ < 0 ? static_cast<int>(ring.size()) : scrub_;
        const std::string label =
            scrub_ < 0 ? "now (step " + std::to_string(s.step()) + ")"
                       : "checkpoint: step " + std::to_string(ring.step(static_cast<std::size_t>(scrub_)));
        ImGui::SetNextItemWidth(std::min(width, font * 24));
        if (ImGui::SliderInt("replay##scrub", &pos, 0, static_cast<int>(ring.size()), label.c_str())) {
            scrub_ = pos >= static_cast<int>(ring.size()) ? -1 : pos;
            refresh_views();
            touched();
        }
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip(
                "Drag left to replay how the pattern formed: the weights saved every %zu steps "
                "(at most %zu snapshots, thinned as the run grows).",
                ring.interval(), ring.capacity());
    }
    if (in.attention.empty()) return;
    const std::size_t L = in.layers, H = in.heads, n = in.weights(0, 0).rows();
    const auto labels = in.tokens.empty() ? index_labels(n, "t") : id_labels(in.tokens);
    const float lines = 2.0f + (std::string(id) == "probe" ? 5.5f : 3.0f);
    const float cell_w = (width - font) / static_cast<float>(H) - font * 0.6f;
    const float cell_h = (height - font * 1.3f * lines) / static_cast<float>(L) - font * 1.4f;
    const float side = std::clamp(std::min(cell_w, cell_h), font * 5, font * 22);
    const Mask causal = Mask::causal();
    const Mask* mask = s.config().task.causal() ? &causal : nullptr;
    for (std::size_t l = 0; l < L; ++l)
        for (std::size_t h = 0; h < H; ++h) {
            if (h > 0) ImGui::SameLine();
            ImGui::BeginGroup();
            char label[64];
            std::snprintf(label, sizeof label, "layer %zu, head %zu%s", l, h,
                          std::string(id) == "probe" ? "" : " (your input)");
            matrix_view(label, std::string("(") + id + ")", in.weights(l, h), ctx, ImVec2(side, side), &labels, &labels,
                        mask);
            ImGui::EndGroup();
        }
    ImGui::Spacing();
    probe_lines(in, std::string(id) == "probe");
}

// Input, target and prediction under the grid; green/red per scored token.
void TrainLesson::probe_lines(const Inspection& in, bool show_target) {
    const TrainingSession& s = *session_;
    const float w = ImGui::GetFontSize() * 6.5f;
    if (!s.config().task.tokens()) {
        std::vector<Curve> c = {
            {"input", {}, in.values, IM_COL32(150, 150, 150, 255), 1.5f},
            {"prediction of the next value", {}, in.predicted_values, IM_COL32(255, 170, 60, 255), 2.5f}};
        for (Curve& k : c)
            for (std::size_t i = 0; i < k.y.size(); ++i) k.x.push_back(static_cast<float>(i + (&k == &c[1] ? 1 : 0)));
        ImGui::Dummy(ImVec2(1, ImGui::GetFontSize() * 0.5f));
        curve_plot("series", c, ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 9),
                   static_cast<float>(in.values.size()), -1.5f, 1.5f, false);
        return;
    }
    const std::vector<std::int32_t> target = show_target ? s.probe_target() : std::vector<std::int32_t>{};
    const std::vector<std::uint8_t> scored = show_target ? s.probe_scored() : std::vector<std::uint8_t>{};
    std::vector<ImU32> in_colour(in.tokens.size(), 0), out_colour(in.predicted.size(), 0), target_colour;
    for (std::size_t i = 0; i < in.predicted.size() && i < target.size(); ++i) {
        if (!scored[i]) continue;
        out_colour[i] = in.predicted[i] == target[i] ? kRight : kWrong;
        target_colour.resize(target.size(), 0);
        target_colour[i] = kScored;
    }
    token_boxes("input", in.tokens, in_colour, w);
    if (show_target) token_boxes("target", target, target_colour, w);
    token_boxes("model", in.predicted, out_colour, w);
    if (show_target && s.config().task.kind == TaskKind::induction) {
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextDisabled("blue targets: the copy's tokens an induction head can predict (scored)");
        ImGui::PopTextWrapPos();
    }
}

void TrainLesson::step_view(const LessonContext& ctx) {
    const TrainingSession& s = *session_;
    const float font = ImGui::GetFontSize();
    ImGui::PushItemWidth(font * 8);
    if (draw_params(params_, "step")) changed();
    ImGui::PopItemWidth();
    ImGui::SameLine();
    ImGui::TextDisabled("the head followed through the backward pass (from the next recorded step)");
    if (trace_.steps().empty()) {
        ImGui::TextUnformatted("Press One step (or Train) to record a training step.");
        return;
    }
    ImGui::Text("The step player walks through training step %zu of this run, sequence 0 of its batch.",
                s.traced_step());
    // Where the current step sits: forward › loss › backward › W_q › Adam.
    const Step& cur = trace_.steps()[std::min(ctx.step, trace_.steps().size() - 1)];
    int stage = 0;
    switch (cur.kind) {
        case StepKind::loss:
        case StepKind::loss_grad: stage = 1; break;
        case StepKind::grad_flow:
        case StepKind::grad_values:
        case StepKind::grad_weights:
        case StepKind::grad_row_sum:
        case StepKind::grad_scores:
        case StepKind::grad_queries:
        case StepKind::grad_keys: stage = 2; break;
        case StepKind::grad_parameter: stage = 3; break;
        case StepKind::optimizer_update: stage = 4; break;
        case StepKind::note: stage = ctx.step == 0 ? 0 : 4; break;
        default: stage = 0; break;
    }
    const char* stages[] = {"forward", "loss", "backward through attention", "gradient of W_q", "Adam update"};
    for (int k = 0; k < 5; ++k) {
        if (k > 0) {
            ImGui::SameLine();
            ImGui::TextDisabled("›");
            ImGui::SameLine();
        }
        if (k == stage)
            ImGui::TextColored(ImVec4(1.0f, 0.8f, 0.3f, 1.0f), "%s", stages[k]);
        else
            ImGui::TextDisabled("%s", stages[k]);
    }
    step_panel(ctx.step);

    // The step's matrices: what it reads, then what it writes (the focus outlined).
    std::vector<std::string> names;
    auto add = [&](const std::string& m) {
        if (trace_.matrix(m) && std::find(names.begin(), names.end(), m) == names.end()) names.push_back(m);
    };
    for (const auto& r : cur.reads) add(r);
    for (const auto& w : cur.writes) add(w);
    if (!cur.focus.matrix.empty()) add(cur.focus.matrix);
    if (names.size() > kStepMatrices) names.erase(names.begin(), names.end() - kStepMatrices);
    if (cur.kind == StepKind::optimizer_update && !cur.values.empty()) {
        if (ImGui::BeginTable("adam", 2, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingFixedFit)) {
            for (const auto& [name, v] : cur.values) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(name.c_str());
                ImGui::TableNextColumn();
                ImGui::Text("%.6g", v);
            }
            ImGui::EndTable();
        }
        return;
    }
    if (names.empty()) return;
    const auto tokens = id_labels(s.traced_input());
    const float avail = ImGui::GetContentRegionAvail().x;
    const float h = ImGui::GetContentRegionAvail().y - font * 1.5f;
    const float each = std::min((avail - font) / static_cast<float>(names.size()) - font, std::max(h, font * 8));
    for (std::size_t k = 0; k < names.size(); ++k) {
        if (k > 0) ImGui::SameLine();
        ImGui::BeginGroup();
        const Matrix& m = *trace_.matrix(names[k]);
        // Rows of a sequence's matrices are its positions: label them with its tokens.
        const bool by_position = !tokens.empty() && m.rows() == tokens.size();
        const bool square = by_position && m.cols() == tokens.size();
        matrix_view(names[k].c_str(), names[k], m, ctx, ImVec2(each, each), by_position ? &tokens : nullptr,
                    square ? &tokens : nullptr);
        ImGui::EndGroup();
    }
}

void TrainLesson::typed_input(const LessonContext& ctx) {
    const TrainingSession& s = *session_;
    if (!s.config().task.tokens()) {
        ImGui::TextUnformatted("The series task reads numbers, not token ids: its probe is on the Training tab.");
        return;
    }
    ImGui::Text("Type up to %zu token ids (0 to %zu), separated by spaces:", s.config().task.length,
                s.config().task.vocab - 1);
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s", input_text_.c_str());
    ImGui::SetNextItemWidth(std::min(ImGui::GetFontSize() * 24, ImGui::GetContentRegionAvail().x));
    const bool edited = ImGui::InputText("##tokens", buf, sizeof buf);
    record_widget("tokens", "text");
    if (edited) {
        input_text_ = buf;
        refresh_views();
        touched();
    }
    ImGui::SameLine();
    if (ImGui::Button("use the probe")) {
        std::string t;
        for (std::int32_t id : s.probe_tokens()) t += (t.empty() ? "" : " ") + std::to_string(id);
        input_text_ = t;
        refresh_views();
        touched();
    }
    if (!input_error_.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.4f, 0.35f, 1.0f));
        ImGui::TextWrapped("%s", input_error_.c_str());
        ImGui::PopStyleColor();
        return;
    }
    if (typed_.attention.empty()) return;
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    attention_grid(ctx, typed_, "typed", avail.x, avail.y);
}

// [SECTION] views of the dates task: status, curves, the probe's two alignments

// Train / Pause, One step, Export / Import, Reset; the curves; the scrubber; the probe date's
// alignment teacher-forced and greedy side by side.
void TrainLesson::dates_view(const LessonContext& ctx) {
    if (!dates_) return;
    DatesSession& d = *dates_;
    const float font = ImGui::GetFontSize();
    switch (run_buttons(!d.failure().empty())) {
        case RunButton::train: d.clear_failure(); break;
        case RunButton::one_step:
            d.clear_failure();
            d.step_once();
            refresh_dates();
            touched();
            break;
        case RunButton::reset:
            dates_.reset();
            changed();
            return;
        case RunButton::none: break;
    }
    std::string line;
    char buf[160];
    if (!d.evaluations().empty()) {
        const auto& e = d.evaluations().back();
        std::snprintf(buf, sizeof buf,
                      "   held-out exact match %.1f%%, alignment year %.2f month %.2f day %.2f (step %zu)",
                      100.0 * e.exact, static_cast<double>(e.year), static_cast<double>(e.month),
                      static_cast<double>(e.day), e.step);
        line += buf;
    }
    run_status(line, d.step(), d.train_loss(), d.failure());
    ImGui::TextWrapped(
        "A Bahdanau encoder-decoder (bidirectional GRU, additive attention, GRUCell decoder; the core's default "
        "sizes) learns to write dates as YYYY-MM-DD. Each output character's row shows where it looked in the "
        "source.");

    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const bool side_by_side = avail.x > font * 40;
    const float curves_w = side_by_side ? avail.x * 0.4f - font * 0.5f : avail.x - font * 0.5f;
    ImGui::BeginGroup();
    dates_curves(curves_w, side_by_side ? avail.y : avail.y * 0.6f);
    ImGui::EndGroup();
    if (side_by_side) ImGui::SameLine();
    ImGui::BeginGroup();
    const CheckpointRing& ring = d.checkpoints();
    int pos = scrub_ < 0 ? static_cast<int>(ring.size()) : scrub_;
    const std::string label = scrub_ < 0
                                  ? "now (step " + std::to_string(d.step()) + ")"
                                  : "checkpoint: step " + std::to_string(ring.step(static_cast<std::size_t>(scrub_)));
    ImGui::SetNextItemWidth(font * 24);
    if (ImGui::SliderInt("replay##dates-scrub", &pos, 0, static_cast<int>(ring.size()), label.c_str())) {
        scrub_ = pos >= static_cast<int>(ring.size()) ? -1 : pos;
        refresh_dates();
        touched();
    }
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Drag left to replay how the alignment sharpened: the weights saved every %zu steps.",
                          ring.interval());
    ImGui::Text("probe: \"%s\"  (target %s)", DatesSession::probe_source().c_str(),
                DatesSession::probe_target().c_str());
    const float room = ImGui::GetContentRegionAvail().x;
    const float side = std::clamp(room * 0.5f - font, font * 8, font * 26);
    alignment_map(ctx, dates_forced_, "teacher forcing (input: the true previous character)", "dates-forced", side);
    ImGui::SameLine();
    alignment_map(ctx, dates_greedy_, "greedy decoding (input: its own previous output)", "dates-greedy", side);
    ImGui::EndGroup();
}

void TrainLesson::dates_curves(float width, float height) {
    const DatesSession& d = *dates_;
    const float font = ImGui::GetFontSize();
    const float x_max = static_cast<float>(std::max<std::size_t>(d.step(), d.config().eval_every));
    const float h = std::max(font * 7, (height - ImGui::GetTextLineHeightWithSpacing() * 3) / 2 - font * 0.6f);
    Curve train{"training", {}, {}, IM_COL32(120, 170, 255, 255), 1.5f};
    curve_points(d.train_loss(), kCurvePoints, train.x, train.y);
    Curve held{"held-out", {}, {}, IM_COL32(255, 170, 60, 255), 2.5f};
    Curve exact{"held-out exact match", {}, {}, IM_COL32(90, 210, 120, 255), 2.5f};
    Curve year{"alignment: year", {}, {}, IM_COL32(230, 80, 200, 255), 1.5f};
    Curve month{"alignment: month", {}, {}, IM_COL32(120, 170, 255, 255), 1.5f};
    Curve day{"alignment: day", {}, {}, IM_COL32(255, 170, 60, 255), 1.5f};
    for (const auto& e : d.evaluations()) {
        const auto x = static_cast<float>(e.step);
        held.x.push_back(x), held.y.push_back(e.loss);
        exact.x.push_back(x), exact.y.push_back(e.exact);
        year.x.push_back(x), year.y.push_back(e.year);
        month.x.push_back(x), month.y.push_back(e.month);
        day.x.push_back(x), day.y.push_back(e.day);
    }
    float lo = INFINITY, hi = 0;
    for (const Curve* c : {&train, &held})
        for (float v : c->y)
            if (std::isfinite(v) && v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
    if (!(hi > 0)) lo = 0.01f, hi = 10.0f;
    ImGui::TextUnformatted("loss (cross-entropy, log scale)");
    curve_plot("dates-loss", {train, held}, ImVec2(width, h), x_max, std::pow(10.0f, std::floor(std::log10(lo))),
               std::pow(10.0f, std::ceil(std::log10(hi))), true);
    ImGui::TextUnformatted("held-out exact match (greedy) and alignment mass");
    curve_plot("dates-exact", {exact, year, month, day}, ImVec2(width, h), x_max, 0.0f, 1.0f, false);
}

// One alignment map: output characters down, source characters across, α in each cell; under it
// the output and the probability of each character.
void TrainLesson::alignment_map(const LessonContext& ctx, const DatesInspection& in, const char* title, const char* id,
                                float side) {
    ImGui::BeginGroup();
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + side);
    ImGui::TextUnformatted(title);
    ImGui::PopTextWrapPos();
    if (in.alignment.rows() > 0) {
        matrix_view(id, std::string("(") + id + ")", in.alignment, ctx, ImVec2(side, side), &in.output_chars,
                    &in.source_chars);
        ImGui::Text("output: %s", in.output.c_str());
        float low = 1.0f;
        for (float p : in.confidence) low = std::min(low, p);
        ImGui::TextDisabled("least sure character: p = %.2f", static_cast<double>(low));
    }
    ImGui::EndGroup();
}

}  // namespace

std::unique_ptr<Lesson> make_train_lesson() { return std::make_unique<TrainLesson>(); }

}  // namespace attn::ui
