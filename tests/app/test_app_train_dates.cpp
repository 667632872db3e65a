// The Training lesson's dates task in the real App, headless: picking it loads the core's default
// date model, a link with steps=300 retrains from scratch to exactly that step (whole steps in
// frame slices) and reaches 98% held-out exact match, the link replays the same run, the probe's
// teacher-forced and greedy outputs are in state(), and the model file goes out and back in.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "app.hpp"
#include "attn/train/seq2seq_file.hpp"
#include "attn/train/seq2seq_trainer.hpp"
#include "headless.hpp"
#include "../sanitizers.hpp"

using attn::ui::App;
using attn::ui::test::Headless;
using attn::ui::test::NullPlatform;
using nlohmann::json;

namespace {

json state(App& app) { return json::parse(app.state_json()); }
json training(App& app) { return state(app)["training"]; }
bool live(App& app) { return state(app)["live"] == true; }

void settle(Headless& ui, App& app) {
    int frames = 0;
    while (live(app)) {
        ui.frame(app);
        REQUIRE(++frames < 50000);  // how many frames is timing (ASan: many); a hang is not
    }
}

}  // namespace

TEST_CASE("app: the dates task trains from scratch to 98% held-out exact match, and its link replays it",
          "[app][train][dates]") {
    Headless ui;
    NullPlatform platform;
    std::string link;
    json trained;
    {
        App app(platform);
        REQUIRE(app.set_lesson("train").empty());
        REQUIRE(app.set("task", "dates").empty());
        ui.frame(app);
        json s = state(app);
        CHECK(s["training"]["task"] == "dates");
        CHECK(s["training"]["step"] == 0);
        // The core's learning rate (default_dates_recipe()), the lesson's own batch of 16
        // (evaluations every 1280 training dates: 80 steps).
        const attn::DatesRecipe r = attn::default_dates_recipe();
        CHECK(s["params"]["batch"] == "16");
        CHECK(std::stod(s["params"]["lr"].get<std::string>()) == Approx(r.optim.lr));
        settle(ui, app);  // step 0's evaluation
        CHECK(training(app)["heldOutExact"] == 0.0);

        // Under the sanitizers a step is ~50x slower: the same path, 80 steps, without the target.
        const int steps = attn::test::kUnderSanitizer ? 80 : 320;
        REQUIRE(app.set("steps", std::to_string(steps)).empty());  // whole steps, counted
        CHECK(training(app)["replaying"] == true);
        settle(ui, app);
        trained = training(app);
        CHECK(trained["step"] == steps);
        CHECK(trained["evaluatedStep"] == steps);
        CHECK(trained["checkpoints"] == steps / 80 + 1);  // steps 0, 80, …
        CHECK(trained["running"] == false);
        if (!attn::test::kUnderSanitizer) {
            CHECK(trained["heldOutExact"].get<double>() >= 0.98);
            CHECK(trained["heldOutAlignment"]["year"].get<double>() > 0.5);
            CHECK(trained["probe"]["greedy"] == "2026-11-23");
            CHECK(trained["probe"]["teacherForced"] == "2026-11-23");
        }
        link = app.link();

        // The model file out, and into a fresh app: the same held-out numbers.
        REQUIRE(app.export_file("model").empty());
        const attn::Seq2SeqFile file = attn::read_seq2seq_file(platform.saved_bytes);
        CHECK(file.step == steps);
        App other(platform);
        REQUIRE(other.set_lesson("train").empty());
        REQUIRE(other.load_file("model", platform.saved_bytes).empty());
        settle(ui, other);
        const json t = training(other);
        CHECK(t["task"] == "dates");
        CHECK(t["imported"]["step"] == steps);
        CHECK(t["step"] == 0);
        CHECK(t["heldOutExact"] == trained["heldOutExact"]);
        CHECK(t["heldOutLoss"] == trained["heldOutLoss"]);
    }
    CHECK(link.find("task=dates") != std::string::npos);
    CHECK(link.find("steps=" + std::to_string(attn::test::kUnderSanitizer ? 80 : 320)) != std::string::npos);

    App app(platform);
    INFO(link);
    CHECK(app.apply_link(link) == "");
    CHECK(training(app)["replayTarget"] == trained["step"]);
    settle(ui, app);
    const json t = training(app);
    CHECK(t["step"] == trained["step"]);
    CHECK(t["loss"] == trained["loss"]);
    CHECK(t["heldOutExact"] == trained["heldOutExact"]);
    CHECK(t["heldOutLoss"] == trained["heldOutLoss"]);
    CHECK(t["heldOutAlignment"] == trained["heldOutAlignment"]);
}
