// The Training lesson's session (ui/logic/training_session.hpp): deterministic runs whatever the
// slicing, the checkpoint ring, recovery from a non-finite loss, the held-out metrics, the
// recorded step and typed input. Runs natively and compiled to wasm; small models, so each case
// takes well under a second.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "training_session.hpp"

using attn::StepKind;
using attn::TaskKind;
using attn::ui::CheckpointRing;
using attn::ui::TrainingConfig;
using attn::ui::TrainingSession;

namespace {

// A small, quick run of the reverse task (held-out set of 100, evaluations every 10 steps),
// each step in micro-batches of 6, 6 and 4 sequences.
TrainingConfig quick(TaskKind kind = TaskKind::reverse) {
    TrainingConfig c = TrainingConfig::preset(kind);
    c.task.length = kind == TaskKind::induction ? 10 : 6;
    c.task.vocab = kind == TaskKind::induction ? 12 : 8;
    c.task.k = 3;
    c.d_model = 16;
    c.d_ff = 32;
    c.batch = 16;
    c.micro_batch = 6;
    c.held_out = 100;
    c.eval_every = 10;
    c.checkpoints = 6;
    return c;
}

const auto kForever = [] { return 1e9; };  // a time budget that never runs out
const auto kNoTime = [] { return 0.0; };   // one unit of work per call

bool same_floats(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

bool same_weights(const TrainingSession& a, const TrainingSession& b) {
    const auto& pa = a.parameters();
    const auto& pb = b.parameters();
    return pa.total() == pb.total() && std::memcmp(pa.values(), pb.values(), pa.total() * sizeof(float)) == 0;
}

void check_same_curves(const TrainingSession& a, const TrainingSession& b) {
    CHECK(a.step() == b.step());
    CHECK(same_floats(a.train_loss(), b.train_loss()));
    CHECK(same_floats(a.train_accuracy(), b.train_accuracy()));
    REQUIRE(a.evaluations().size() == b.evaluations().size());
    for (std::size_t i = 0; i < a.evaluations().size(); ++i) {
        CHECK(a.evaluations()[i].step == b.evaluations()[i].step);
        const auto &x = a.evaluations()[i], &y = b.evaluations()[i];
        CHECK(same_floats({x.loss, x.accuracy, x.exact, x.copied_loss, x.baseline},
                          {y.loss, y.accuracy, y.exact, y.copied_loss, y.baseline}));  // NaN where unused
    }
    CHECK(same_weights(a, b));
}

}  // namespace

TEST_CASE("training session: the same seed gives the same loss curve, whatever the slices", "[ui][train]") {
    const TaskKind kind = GENERATE(TaskKind::reverse, TaskKind::induction, TaskKind::series);
    TrainingSession whole(quick(kind)), sliced(quick(kind));
    CHECK(whole.work(40, kForever) == 40);
    // One unit per call (an evaluation chunk or a step), some steps recorded: the same run.
    std::size_t calls = 0;
    while (sliced.step() < 40 || sliced.evaluation_due()) {
        sliced.work(40, kNoTime, calls % 3 == 0);
        REQUIRE(++calls < 1000);
    }
    CHECK(calls > 40);
    check_same_curves(whole, sliced);
    CHECK(whole.evaluations().size() == 5);  // steps 0, 10, 20, 30, 40
    CHECK(whole.evaluations().back().step == 40);

    TrainingConfig other = quick(kind);
    other.seed = 2;
    TrainingSession different(other);
    different.work(40, kForever);
    CHECK_FALSE(same_floats(whole.train_loss(), different.train_loss()));
}

TEST_CASE("training session: replaying to step N equals training to N, and goes on identically", "[ui][train]") {
    TrainingSession a(quick()), b(quick());
    a.work(25, kForever);
    b.work(13, kForever);
    b.work(25, kForever);
    check_same_curves(a, b);
    // Recorded steps (the step player's) change no number.
    for (int i = 0; i < 5; ++i) REQUIRE(a.step_once());
    CHECK(a.evaluation_due());  // step 30's evaluation comes with the next work()
    a.work(30, kForever);
    b.work(30, kForever);
    check_same_curves(a, b);
    CHECK(a.traced_step() == 30);
    CHECK(a.trace_version() == 5);
    // A replay can record the step that reaches its target.
    b.work(37, kForever, false, true);
    CHECK(b.traced_step() == 37);
}

TEST_CASE("training session: the learning rate changes without a new run", "[ui][train]") {
    TrainingConfig fast = quick();
    fast.lr = 1e-2;
    CHECK(fast.same_run(quick()));
    fast.seed = 9;
    CHECK_FALSE(fast.same_run(quick()));
    TrainingSession a(quick()), b(quick());
    a.work(5, kForever);
    b.work(5, kForever);
    b.set_lr(1e-2);
    a.work(10, kForever);
    b.work(10, kForever);
    CHECK(same_floats(std::vector<float>(a.train_loss().begin(), a.train_loss().begin() + 5),
                      std::vector<float>(b.train_loss().begin(), b.train_loss().begin() + 5)));
    CHECK_FALSE(same_weights(a, b));
    CHECK(b.optimizer().config().lr == 1e-2);
    CHECK_THROWS_WITH(b.set_lr(-1), "lr must be a finite value ≥ 0");
}

TEST_CASE("training session: reverse learns (held-out accuracy rises)", "[ui][train]") {
    TrainingConfig c = TrainingConfig::preset(TaskKind::reverse);
    c.held_out = 200;
    TrainingSession s(c);
    s.work(300, kForever);
    REQUIRE(s.evaluations().size() == 13);
    const auto& first = s.evaluations().front();
    const auto& last = s.evaluations().back();
    CHECK(first.accuracy < 0.3f);  // chance is 1 in 10
    CHECK(last.accuracy > 0.95f);
    CHECK(last.loss < first.loss);
    CHECK(last.exact <= last.accuracy);
    CHECK(std::isnan(last.copied_loss));
    CHECK(std::isnan(last.baseline));
    CHECK(s.train_accuracy().back() > 0.9f);
}

TEST_CASE("training session: a non-finite loss pauses the run and restores the last good weights", "[ui][train]") {
    SECTION("a huge learning rate") {
        TrainingConfig c = quick();
        c.clip = 0;
        TrainingSession s(c);
        s.work(20, kForever);
        REQUIRE(s.failure().empty());
        s.set_lr(1e30);
        s.work(200, kForever);
        REQUIRE_FALSE(s.failure().empty());
        CHECK_THAT(s.failure(), Catch::Contains("training paused and the weights of step"));
        CHECK(s.step() % 10 == 0);
        CHECK(s.step() >= 20);
        CHECK(s.step() < 200);
        CHECK(s.train_loss().size() == s.step());
        for (float x : s.train_loss()) CHECK(std::isfinite(x));
        for (const auto& e : s.evaluations()) CHECK(std::isfinite(e.loss));
        const auto& p = s.parameters();
        for (std::size_t i = 0; i < p.total(); ++i) REQUIRE(std::isfinite(p.values()[i]));
        // Paused: no work until the failure is cleared.
        const std::size_t at = s.step();
        CHECK(s.work(at + 10, kForever) == 0);
        s.clear_failure();
        s.set_lr(1e-3);
        CHECK(s.work(at + 10, kForever) == 10);
        CHECK(s.failure().empty());
    }
    SECTION("a weight that is not finite: the restored state is the one saved at the last checkpoint") {
        TrainingSession s(quick()), reference(quick());
        s.work(23, kForever);
        reference.work(20, kForever);
        s.parameters().values()[3] = std::numeric_limits<float>::quiet_NaN();
        s.work(30, kForever);
        REQUIRE_FALSE(s.failure().empty());
        CHECK_THAT(s.failure(), Catch::Contains("at step 24"));
        CHECK(s.step() == 20);
        CHECK(same_weights(s, reference));
        CHECK(s.evaluation_due());  // step 20's evaluation runs again, with the same result
        s.clear_failure();
        s.work(30, kForever);
        reference.work(30, kForever);
        check_same_curves(s, reference);
    }
}

TEST_CASE("checkpoint ring: a snapshot every interval, thinned when full so it spans the run", "[ui][train]") {
    CheckpointRing ring(4, 10);
    std::vector<float> w = {0.0f};
    auto offer = [&](std::size_t step) {
        w[0] = static_cast<float>(step);
        return ring.offer(step, w.data(), 1);
    };
    CHECK(offer(0));
    CHECK_FALSE(offer(5));  // not on the interval
    CHECK(offer(10));
    CHECK(offer(20));
    CHECK(offer(30));
    REQUIRE(ring.size() == 4);
    CHECK(offer(40));  // full: 10 and 30 go, the interval doubles
    CHECK(ring.interval() == 20);
    REQUIRE(ring.size() == 3);
    CHECK(ring.step(0) == 0);
    CHECK(ring.step(1) == 20);
    CHECK(ring.step(2) == 40);
    CHECK(ring.values(2)[0] == 40.0f);
    CHECK_FALSE(offer(50));
    CHECK(offer(60));
    CHECK_FALSE(offer(60));  // once per step
    CHECK(ring.index_at(59) == 2);
    CHECK(ring.index_at(1000) == 3);
    ring.drop_after(25);
    CHECK(ring.size() == 2);
    CHECK(ring.step(1) == 20);

    // The session's ring: every eval_every steps, bounded, from step 0.
    TrainingSession s(quick());
    s.work(100, kForever);
    const CheckpointRing& r = s.checkpoints();
    CHECK(r.size() <= 6);
    CHECK(r.step(0) == 0);
    CHECK(r.interval() == 20);  // doubled once: 0, 20, 40, 60, 80, 100
    CHECK(r.step(r.size() - 1) == 100);
    // A checkpoint's attention is that of the weights it saved.
    TrainingSession at0(quick());
    const auto probe = s.probe_tokens();
    const auto then = s.inspect_checkpoint(0, probe);
    const auto start = at0.inspect(probe);
    CHECK(then.predicted == start.predicted);
    CHECK(std::memcmp(then.weights(0, 1).row(2), start.weights(0, 1).row(2), 6 * sizeof(float)) == 0);
}

TEST_CASE("training session: the recorded step follows one head through the attention backward", "[ui][train]") {
    TrainingConfig c = quick(TaskKind::induction);
    TrainingSession s(c);
    s.set_trace_head(1, 1);
    REQUIRE(s.step_once());
    const auto& steps = s.trace().steps();
    REQUIRE(!steps.empty());
    CHECK(steps.front().kind == StepKind::note);
    std::size_t scores = 0, updates = 0;
    for (const auto& st : steps) {
        if (st.kind == StepKind::grad_scores) {
            ++scores;
            CHECK(st.head == 1);
        }
        updates += st.kind == StepKind::optimizer_update;
    }
    CHECK(scores == 10);  // length 10 > 8: row by row
    CHECK(updates == 3);
    CHECK(s.trace().matrix("L1 dS") != nullptr);
    CHECK(s.traced_input().size() == 10);
    CHECK(s.traced_step() == 1);
    // Cell by cell up to trace_cells_up_to.
    TrainingSession r(quick());
    REQUIRE(r.step_once());
    std::size_t cells = 0;
    for (const auto& st : r.trace().steps()) cells += st.kind == StepKind::grad_scores;
    CHECK(cells == 36);
}

TEST_CASE("training session: inspection of the probe and of typed input", "[ui][train]") {
    TrainingSession s(quick(TaskKind::induction));
    const auto probe = s.probe_tokens();
    REQUIRE(probe.size() == 10);
    const auto in = s.inspect(probe);
    REQUIRE(in.attention.size() == 2 * 2);
    CHECK(in.predicted.size() == 10);
    for (std::size_t i = 0; i < 10; ++i) {
        CHECK(in.confidence[i] > 0.0f);
        CHECK(in.confidence[i] <= 1.0f);
        double sum = 0;
        for (std::size_t j = 0; j < 10; ++j) {
            sum += in.weights(1, 0)(i, j);
            if (j > i) CHECK(in.weights(1, 0)(i, j) == 0.0f);  // causal
        }
        CHECK(sum == Approx(1.0).margin(1e-5));
    }
    const auto short_input = s.inspect({1, 2, 3});
    CHECK(short_input.weights(0, 1).rows() == 3);
    CHECK_THROWS_WITH(s.inspect({}), "the input has 0 positions, expected 1 to 10");

    std::vector<std::int32_t> ids;
    CHECK(TrainingSession::parse_tokens("3 1, 4 1 5", 10, 8, ids) == "");
    CHECK(ids == std::vector<std::int32_t>{3, 1, 4, 1, 5});
    CHECK(TrainingSession::parse_tokens("3 12", 10, 8, ids) == "token 2 ('12') is outside the vocabulary 0 to 9");
    CHECK(TrainingSession::parse_tokens("3 x", 10, 8, ids) ==
          "token 2 ('x') is not a token id (a whole number from 0 to 9)");
    CHECK(TrainingSession::parse_tokens("1 2 3", 10, 2, ids) == "more than 2 tokens: the model reads at most 2");
    CHECK(TrainingSession::parse_tokens("  ", 10, 2, ids) == "type 1 to 2 token ids, e.g. \"3 1 4 1 5\"");
    CHECK(ids == std::vector<std::int32_t>{3, 1, 4, 1, 5});  // unchanged by the failures
}

TEST_CASE("training config: presets, checks and the model they give", "[ui][train]") {
    const TrainingConfig ind = TrainingConfig::preset(TaskKind::induction);
    CHECK(ind.layers == 2);
    CHECK(ind.model().causal);
    CHECK(ind.model().max_len == ind.task.length);
    CHECK_FALSE(TrainingConfig::preset(TaskKind::sort).model().causal);
    CHECK(TrainingConfig::preset(TaskKind::series).model().input == attn::ModelInput::series);
    TrainingConfig bad = quick();
    bad.heads = 3;
    CHECK_THROWS_WITH(TrainingSession(bad), "heads is 3, which does not divide d_model 16");
    bad = quick();
    bad.batch = 0;
    CHECK_THROWS_WITH(TrainingSession(bad), "batch is 0, expected 1 to 4096");
}

TEST_CASE("training session: a preview of step 1 records it and changes nothing", "[ui][train]") {
    TrainingSession a(quick()), b(quick());
    a.record_preview();
    CHECK(a.step() == 0);
    CHECK(a.trace_version() == 1);
    CHECK(a.traced_step() == 1);
    REQUIRE(!a.trace().steps().empty());
    CHECK_THAT(a.trace().steps().front().title, Catch::Contains("preview"));
    a.work(20, kForever);
    b.work(20, kForever);
    check_same_curves(a, b);
}

TEST_CASE("curve points: means of runs of steps, at most max_points of them", "[ui][train]") {
    std::vector<float> x, y;
    attn::ui::curve_points({1, 2, 3, 4, 5}, 10, x, y);
    CHECK(x == std::vector<float>{1, 2, 3, 4, 5});
    CHECK(y == std::vector<float>{1, 2, 3, 4, 5});
    attn::ui::curve_points({1, 3, 5, 7, NAN}, 2, x, y);  // runs of 3: {1, 3, 5}, {7, NaN}
    CHECK(x == std::vector<float>{3, 5});
    CHECK(y == std::vector<float>{3, 7});
    attn::ui::curve_points({}, 2, x, y);
    CHECK(x.empty());
}

TEST_CASE("training session: a frame out of time does one unit of work, never more", "[ui][train]") {
    // Counted in units (evaluation chunks of 50 examples, optimizer steps), not milliseconds: the
    // frame's time is already spent when work() asks, so each call does its first unit only, even
    // when the next unit's cost is not known yet (the first step after an evaluation).
    TrainingConfig c = quick();
    c.micro_batch = c.batch;  // whole steps: one unit each
    c.eval_every = 2;         // held-out set of 100: two chunks
    TrainingSession s(c);
    const auto spent = [] { return 0.0; };
    for (int chunk = 0; chunk < 2; ++chunk) {  // step 0's evaluation, a chunk a frame
        CHECK(s.evaluation_due());
        CHECK(s.work(10, spent) == 0);
    }
    CHECK_FALSE(s.evaluation_due());
    CHECK(s.evaluations().size() == 1);
    CHECK(s.work(10, spent) == 1);  // one step a frame
    CHECK(s.work(10, spent) == 1);
    CHECK(s.step() == 2);
    CHECK(s.evaluation_due());
    CHECK(s.work(10, spent) == 0);  // then a chunk a frame again
    CHECK(s.work(10, spent) == 0);
    CHECK(s.work(10, spent) == 1);
    CHECK(s.step() == 3);
    // With time to spare the units run on to `until`.
    CHECK(s.work(6, [] { return 1e9; }) == 3);
    CHECK(s.step() == 6);
}

TEST_CASE("training session: a frame out of time does one micro-batch of a split step, never more", "[ui][train]") {
    // Steps of 16 sequences in micro-batches of 6, 6 and 4: three frames with no time left make
    // one step (a unit each), the Adam update with the third; step() counts completed steps only.
    TrainingConfig c = quick(TaskKind::induction);
    c.eval_every = 100;
    TrainingSession s(c);
    REQUIRE(s.units_per_step() == 3);
    CHECK(TrainingConfig::preset(TaskKind::induction).micro_batch == 8);
    CHECK(TrainingConfig::preset(TaskKind::induction).eval_chunk == 16);
    CHECK(s.work(0, [] { return 0.0; }) == 0);  // step 0's evaluation: 100 examples in 16s, a chunk a frame
    CHECK(s.evaluation_due());
    s.work(0, kForever);
    REQUIRE_FALSE(s.evaluation_due());
    const std::vector<float> w0(s.parameters().values(), s.parameters().values() + s.parameters().total());
    const auto spent = [] { return 0.0; };
    for (std::size_t unit = 1; unit <= 2; ++unit) {
        CHECK(s.work(5, spent) == 0);
        CHECK(s.units_done() == unit);
        CHECK(s.step() == 0);
        CHECK(s.train_loss().empty());
        CHECK(std::memcmp(w0.data(), s.parameters().values(), w0.size() * sizeof(float)) == 0);  // no update yet
    }
    CHECK(s.work(5, spent) == 1);
    CHECK(s.units_done() == 0);
    CHECK(s.step() == 1);
    CHECK(s.train_loss().size() == 1);
    CHECK(std::memcmp(w0.data(), s.parameters().values(), w0.size() * sizeof(float)) != 0);
    // A step begun is finished even when `until` is reached meanwhile.
    CHECK(s.work(5, spent) == 0);
    CHECK(s.units_done() == 1);
    CHECK(s.work(1, kForever) == 1);
    CHECK(s.step() == 2);
    CHECK(s.units_done() == 0);
    CHECK(s.work(2, kForever) == 0);  // nothing more to do
    // One step finishes the step begun (unrecorded), then records whole ones.
    CHECK(s.work(5, spent) == 0);
    const auto traces = s.trace_version();
    CHECK(s.step_once());
    CHECK(s.step() == 3);
    CHECK(s.trace_version() == traces);
    CHECK(s.step_once());
    CHECK(s.step() == 4);
    CHECK(s.trace_version() == traces + 1);
    CHECK(s.traced_step() == 4);
}

TEST_CASE("training session: a step split into micro-batches is the whole-batch step to float rounding",
          "[ui][train]") {
    // Induction ignores most targets, and its micro-batches count different numbers of them: the
    // split step weighs each micro-batch's mean loss by its share of the counted targets. The same
    // step in micro-batches of 16 (whole), 5 (5, 5, 5, 1) and 1 against the whole one: the
    // recorded loss, accuracy and copied-token loss, the gradient (the step's, left by Adam) and
    // the weights after Adam (clipped: the preset's clip of 1) agree to float rounding, as Adam
    // carries it. Seen natively: gradient ≤ 2e-7 of its scale.
    const TaskKind kind = GENERATE(TaskKind::induction, TaskKind::series);
    TrainingConfig c = quick(kind);
    c.micro_batch = c.batch;
    TrainingSession whole(c);
    whole.work(1, kForever);
    for (const std::size_t m : {5, 1}) {
        INFO("micro-batches of " << m);
        c.micro_batch = m;
        TrainingSession split(c);
        CHECK(split.units_per_step() == (c.batch + m - 1) / m);
        split.work(1, kForever);
        REQUIRE(split.step() == 1);
        CHECK(split.train_loss()[0] == Approx(whole.train_loss()[0]).epsilon(1e-6));
        if (kind == TaskKind::induction) {
            CHECK(split.train_accuracy()[0] == whole.train_accuracy()[0]);  // the same counts
            CHECK(split.train_copied_loss()[0] == Approx(whole.train_copied_loss()[0]).epsilon(1e-6));
        }
        const auto &a = whole.parameters(), &b = split.parameters();
        double gscale = 1e-12, gerr = 0, worst = 0;
        for (std::size_t i = 0; i < a.total(); ++i) {
            gscale = std::max(gscale, static_cast<double>(std::fabs(a.grads()[i])));
            gerr = std::max(gerr, std::fabs(static_cast<double>(a.grads()[i]) - b.grads()[i]));
        }
        // Adam's first update, lr·ĝ/(|ĝ| + ε) (ĝ the clipped gradient), moves with the gradient's
        // rounding δg by at most lr·|δg|/(|g| + ε): much for a gradient near ε (the weights may
        // differ by a good part of lr there), float rounding elsewhere.
        const double lr = c.lr, eps = whole.optimizer().config().eps;
        for (std::size_t i = 0; i < a.total(); ++i) {
            const double dg = std::fabs(static_cast<double>(a.grads()[i]) - b.grads()[i]);
            const double bound = 2 * lr * dg / (std::fabs(a.grads()[i]) + eps) +
                                 1e-6 * std::max(1.0, static_cast<double>(std::fabs(a.values()[i])));
            worst = std::max(worst, std::fabs(static_cast<double>(a.values()[i]) - b.values()[i]) / bound);
        }
        INFO("gradient: max error " << gerr << " of scale " << gscale << "; weights: max error / bound " << worst);
        CHECK(gerr / gscale < 3e-6);
        CHECK(worst <= 1.0);
        // the step moved the weights by far more than that (lr 3e-3)
        double moved = 0;
        TrainingSession fresh(c);
        for (std::size_t i = 0; i < a.total(); ++i)
            moved = std::max(moved, std::fabs(static_cast<double>(fresh.parameters().values()[i]) - a.values()[i]));
        CHECK(moved > 1e-3);
    }
}
