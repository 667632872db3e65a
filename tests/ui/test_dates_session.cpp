// The date translator's training session (ui/logic/dates_session.hpp): training from scratch
// reaches the 98% held-out exact match in a counted number of whole steps, runs are the
// same whatever the slicing, a step split into micro-batches is the whole batch's step (to float
// rounding), a frame out of time does one unit of work, checkpoints hold the weights of their
// step, model files round-trip, and the probe's inspections (greedy and teacher-forced) are what
// the model computes.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "attn/train/seq2seq_file.hpp"
#include "../sanitizers.hpp"
#include "dates_session.hpp"

using attn::ui::DatesInspection;
using attn::ui::DatesSession;
using attn::ui::DatesTrainingConfig;

namespace {

// A quick run: batch 16, 100 held-out dates, evaluations every 10 steps.
DatesTrainingConfig quick() {
    DatesTrainingConfig c;
    c.recipe.batch = 16;
    c.held_out = 100;
    c.eval_every = 10;
    return c;
}

std::vector<float> weights_of(const DatesSession& s) {
    const attn::Parameters& p = s.parameters();
    return {p.values(), p.values() + p.total()};
}

double row_sum(const attn::Matrix& m, std::size_t r) {
    double s = 0;
    for (std::size_t j = 0; j < m.cols(); ++j) s += m(r, j);
    return s;
}

}  // namespace

TEST_CASE("dates session: the core's default sizes, evaluation of step 0 first", "[dates_session]") {
    DatesSession s(DatesTrainingConfig{});
    const attn::DatesRecipe r = attn::default_dates_recipe();
    CHECK(s.config().recipe.model.emb == r.model.emb);
    CHECK(s.config().recipe.model.dec_hidden == r.model.dec_hidden);
    CHECK(s.config().recipe.batch == r.batch);
    CHECK(s.parameters().total() == 49247);  // the README's count for the defaults
    CHECK(s.evaluation_due());
    CHECK(s.step() == 0);
}

TEST_CASE("dates session: training from scratch reaches 98% held-out exact match by step 300", "[dates_session]") {
    DatesSession s(DatesTrainingConfig{});  // defaults: batch 64, 1000 held-out dates
    const float first_loss = [&] {
        s.step_once();
        return s.train_loss().at(0);
    }();
    // Under the sanitizers a step is ~50x slower: the same path for 50 steps, without the target.
    const std::size_t steps = attn::test::kUnderSanitizer ? 50 : 300;
    while (s.step() < steps) REQUIRE(s.step_once());
    s.work(steps, [] { return 1e9; });  // the evaluation of the last step
    REQUIRE(!s.evaluations().empty());
    const DatesSession::Evaluation& e = s.evaluations().back();
    REQUIRE(e.step == steps);
    INFO("exact " << e.exact << " year " << e.year << " month " << e.month << " day " << e.day);
    CHECK(s.evaluations().front().exact == 0.0f);  // untrained: no date right
    CHECK(s.train_loss().back() < first_loss);
    if (attn::test::kUnderSanitizer) return;
    CHECK(e.exact >= 0.98f);
    CHECK(s.train_loss().back() < first_loss / 10);
    CHECK(e.year > 0.5f);  // the alignment reads: the year looks at the source's year
    const DatesInspection g = s.inspect(DatesSession::probe_source());
    CHECK(g.output == DatesSession::probe_target());
}

TEST_CASE("dates session: the same run whatever the slicing", "[dates_session]") {
    DatesTrainingConfig split = quick();
    split.micro_batch = 5;  // 5 + 5 + 5 + 1 dates a step
    DatesSession a(split), b(split);
    while (a.step() < 30) REQUIRE(a.step_once());
    // b in slices of a few units each: the time runs out after every third unit.
    int units = 0;
    while (b.step() < 30 || b.evaluation_due()) b.work(30, [&] { return (++units % 3) ? 1e9 : 0.0; });
    a.work(30, [] { return 1e9; });
    CHECK(weights_of(a) == weights_of(b));
    CHECK(a.train_loss() == b.train_loss());
    REQUIRE(a.evaluations().size() == 4);
    REQUIRE(b.evaluations().size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(a.evaluations()[i].step == 10 * i);
        CHECK(a.evaluations()[i].exact == b.evaluations()[i].exact);
        CHECK(a.evaluations()[i].loss == b.evaluations()[i].loss);
    }
    DatesTrainingConfig other = split;
    other.seed = 2;
    DatesSession c(other);
    while (c.step() < 30) REQUIRE(c.step_once());
    CHECK(weights_of(c) != weights_of(a));
}

TEST_CASE("dates session: checkpoints hold the weights of their step", "[dates_session]") {
    DatesSession s(quick()), fresh(quick());
    while (s.step() < 20) REQUIRE(s.step_once());
    const auto& ring = s.checkpoints();
    REQUIRE(ring.size() == 3);
    CHECK(ring.step(0) == 0);
    CHECK(ring.step(2) == 20);
    CHECK(ring.values(0) == weights_of(fresh));
    CHECK(ring.values(2) == weights_of(s));
    const std::string& src = DatesSession::probe_source();
    const DatesInspection at0 = s.inspect_checkpoint(0, src), now0 = fresh.inspect(src);
    CHECK(at0.output_chars == now0.output_chars);
    CHECK(at0.confidence == now0.confidence);
}

TEST_CASE("dates session: greedy and teacher-forced inspections of the probe", "[dates_session]") {
    DatesSession s(quick());
    const std::string& src = DatesSession::probe_source();
    const DatesInspection g = s.inspect(src), f = s.inspect(src, DatesSession::probe_target());
    CHECK(!g.teacher_forced);
    CHECK(f.teacher_forced);
    CHECK(g.source_chars.size() == src.size());
    for (const DatesInspection* in : {&g, &f}) {
        REQUIRE(in->alignment.rows() == attn::dates::kTargetSteps);
        REQUIRE(in->alignment.cols() == src.size());
        for (std::size_t t = 0; t < in->alignment.rows(); ++t)
            CHECK(row_sum(in->alignment, t) == Approx(1.0).epsilon(1e-5));
        for (float p : in->confidence) CHECK((p > 0.0f && p <= 1.0f));
    }
    // Both start from <bos> and the same s₀: the first step is the same in both.
    CHECK(g.output_chars[0] == f.output_chars[0]);
    for (std::size_t j = 0; j < src.size(); ++j) CHECK(g.alignment(0, j) == f.alignment(0, j));
    CHECK_THROWS_WITH(s.inspect(std::string(70, '1')), Catch::Contains("the limit is 64"));
    CHECK_THROWS_WITH(s.inspect(""), Catch::Contains("empty"));
    CHECK_THROWS_WITH(s.inspect(src, "2026-13-01"), Catch::Contains("2026-13-01"));
}

TEST_CASE("dates session: model files out and in", "[dates_session]") {
    DatesSession s(quick());
    while (s.step() < 10) REQUIRE(s.step_once());
    const attn::Seq2SeqFile file = attn::read_seq2seq_file(s.model_file());
    CHECK(file.step == 10);
    CHECK(file.task == "dates");
    DatesTrainingConfig c = quick();
    c.seed = 7;
    DatesSession t(c);
    t.import_model(file);
    CHECK(weights_of(t) == weights_of(s));
    CHECK(t.step() == 0);
    CHECK(t.evaluation_due());
    CHECK(t.checkpoints().size() == 1);
    CHECK(t.inspect(DatesSession::probe_source()).confidence == s.inspect(DatesSession::probe_source()).confidence);
    attn::Seq2SeqFile smaller = attn::read_seq2seq_file(s.model_file());
    smaller.config.emb = 8;
    CHECK_THROWS_WITH(t.import_model(smaller), Catch::Contains("emb 8"));
}

TEST_CASE("dates session: a step split into micro-batches is the whole batch's step (to float rounding)",
          "[dates_session]") {
    // Batch 64 as one unit, as 4 units of 16, and as 5 units of 13, 13, 13, 13 and 12 dates.
    // The gradient each step applies (clipped: what Adam read) agrees to 3e-6 of its largest
    // element (seen ≤ 9e-7 natively and in wasm: float sums of 64 dates' terms in another order).
    // The weights agree to 2e-5 (seen ≤ 5.9e-6): Adam divides each gradient by its own running
    // size, so an element whose gradient is near 0 (|g| ~ ε = 1e-8) turns the rounding of the
    // sums into a visible part of its lr = 1e-2 step.
    struct Run {
        std::vector<std::vector<float>> weights, grads;
        std::vector<float> loss;
    };
    const auto run = [](std::size_t micro) {
        DatesTrainingConfig c;
        c.held_out = 50;
        c.micro_batch = micro;
        DatesSession s(c);
        Run r;
        while (s.step() < 3) {
            REQUIRE(s.step_once());
            const attn::Parameters& p = s.parameters();
            r.weights.push_back(weights_of(s));
            r.grads.emplace_back(p.grads(), p.grads() + p.total());
        }
        r.loss = s.train_loss();
        return r;
    };
    const auto max_diff = [](const std::vector<float>& a, const std::vector<float>& b) {
        double err = 0;
        for (std::size_t i = 0; i < a.size(); ++i) err = std::max(err, std::fabs(static_cast<double>(a[i]) - b[i]));
        return err;
    };
    const Run whole = run(64), by16 = run(16), by13 = run(13);
    for (const Run* split : {&by16, &by13}) {
        for (std::size_t step = 0; step < 3; ++step) {
            double scale = 0;
            for (float g : whole.grads[step]) scale = std::max(scale, static_cast<double>(std::fabs(g)));
            const double grad_err = max_diff(split->grads[step], whole.grads[step]) / scale;
            const double weight_err = max_diff(split->weights[step], whole.weights[step]);
            INFO("step " << step + 1 << ": gradient " << grad_err << " of its scale, weights " << weight_err);
            CHECK(scale > 0);
            CHECK(grad_err < 3e-6);
            CHECK(weight_err < 2e-5);
            CHECK(split->loss[step] == Approx(whole.loss[step]).epsilon(1e-6));
        }
        CHECK(split->weights.back() != whole.weights.back());  // it did run split: the rounding differs
    }
}

TEST_CASE("dates session: a frame out of time does one unit of work, never more", "[dates_session]") {
    // Counted in units (evaluation chunks of 25 dates, micro-batches of 16), not milliseconds: the
    // frame's time is already spent when work() asks, so each call does its one first unit.
    DatesTrainingConfig c;
    c.held_out = 100;  // 4 evaluation chunks
    c.eval_every = 2;
    DatesSession s(c);
    REQUIRE(s.units_per_step() == 4);
    const auto spent = [] { return 0.0; };
    for (int chunk = 0; chunk < 4; ++chunk) {  // step 0's evaluation, a chunk a frame
        CHECK(s.evaluation_due());
        CHECK(s.work(10, spent) == 0);
        CHECK(s.evaluations().size() == (chunk == 3 ? 1u : 0u));
    }
    CHECK(!s.evaluation_due());
    for (std::size_t step = 1; step <= 2; ++step)
        for (std::size_t unit = 1; unit <= 4; ++unit) {
            CHECK(s.work(10, spent) == (unit == 4 ? 1u : 0u));
            CHECK(s.step() == (unit == 4 ? step : step - 1));
            CHECK(s.units_done() == unit % 4);
            CHECK(s.train_loss().size() == s.step());
        }
    CHECK(s.evaluation_due());  // step 2's, then a chunk per frame again
    CHECK(s.work(10, spent) == 0);
    CHECK(s.step() == 2);
    // A step begun is finished even past `until`; none is begun there.
    while (s.evaluation_due()) s.work(10, spent);
    s.work(10, spent);
    REQUIRE(s.units_done() == 1);
    while (s.units_done() != 0) CHECK(s.work(2, spent) <= 1);
    CHECK(s.step() == 3);
    CHECK(s.work(3, spent) == 0);
    CHECK(s.units_done() == 0);
    // With time to spare the units run on to `until`.
    CHECK(s.work(6, [] { return 1e9; }) == 3);
    CHECK(s.step() == 6);
}
