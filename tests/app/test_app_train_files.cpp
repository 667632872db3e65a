// The Training lesson's model files, NaN recovery and learning-rate note in the real App,
// headless: export the current weights and import them back (the same tensors, the same held-out
// numbers, and training goes on), wrong files refused with their messages, a diverging run paused
// with the last good weights restored and nothing non-finite in state(), and a learning rate
// changed mid-run reported on screen and in state().training.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

#include "app.hpp"
#include "attn/train/model_file.hpp"
#include "attn/train/trainer.hpp"
#include "headless.hpp"

using attn::ui::App;
using attn::ui::test::Headless;
using attn::ui::test::NullPlatform;
using nlohmann::json;

namespace {

json state(App& app) { return json::parse(app.state_json()); }
json training(App& app) { return state(app)["training"]; }
bool live(App& app) { return state(app)["live"] == true; }

// Opens the Training lesson trained to `steps` by a link, with its evaluation there done.
void train_to(Headless& ui, App& app, const std::string& link) {
    REQUIRE(app.apply_link(link).empty());
    ui.frames_while(app, [&] { return live(app); });
    REQUIRE_FALSE(live(app));
}

}  // namespace

TEST_CASE("app: the Training lesson exports its model and imports it back", "[app][train][models]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    train_to(ui, app, "lesson=train&task=reverse&steps=50");
    json t = training(app);
    REQUIRE(t["step"] == 50);
    REQUIRE(t["evaluatedStep"] == 50);
    REQUIRE(app.export_file("model").empty());
    CHECK(platform.saved_name == "attnlab-reverse-step50.safetensors");
    const std::string exported = platform.saved_bytes;
    // The file is the CLI's format: the core's reader takes it, with its step and config.
    const attn::ModelFile file = attn::read_model_file(exported);
    CHECK(file.step == 50);
    CHECK(file.config.task.kind == attn::TaskKind::reverse);
    CHECK(file.config.model.d_model == 32);

    // Into a fresh app on another task: the file sets the task, sizes and weights.
    NullPlatform platform2;
    App app2(platform2);
    REQUIRE(app2.set_lesson("train").empty());
    REQUIRE(app2.set("task", "sort").empty());
    ui.frame(app2);
    REQUIRE(app2.load_file("model", exported).empty());
    ui.frames_while(app2, [&] { return live(app2); });  // the evaluation of the imported weights
    json s2 = state(app2);
    json t2 = s2["training"];
    CHECK(s2["error"] == "");
    CHECK(s2["params"]["task"] == "reverse");
    CHECK(t2["imported"]["step"] == 50);
    CHECK(t2["step"] == 0);
    CHECK(t2["evaluatedStep"] == 0);
    // The same weights on the same held-out set: the same numbers as the exporting run's.
    CHECK(t2["heldOutLoss"].get<double>() == Approx(t["heldOutLoss"].get<double>()).epsilon(1e-6));
    CHECK(t2["heldOutAccuracy"].get<double>() == Approx(t["heldOutAccuracy"].get<double>()).epsilon(1e-6));
    // Exported again: the same tensors, bit for bit.
    REQUIRE(app2.export_file("model").empty());
    const attn::ModelFile again = attn::read_model_file(platform2.saved_bytes);
    const attn::Parameters &a = file.model->parameters(), &b = again.model->parameters();
    REQUIRE(a.total() == b.total());
    CHECK(std::equal(a.values(), a.values() + a.total(), b.values()));
    // Training goes on from there.
    REQUIRE(app2.set("running", "1").empty());
    ui.frames_while(app2, [&] { return training(app2)["step"].get<int>() < 10; });
    REQUIRE(app2.set("running", "0").empty());
    t2 = training(app2);
    CHECK(t2["step"].get<int>() >= 10);
    CHECK(t2["loss"].is_number());
    CHECK(t2["imported"]["step"] == 50);
}

TEST_CASE("app: the Training lesson refuses wrong model files with a message", "[app][train][models]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    REQUIRE(app.set_lesson("train").empty());
    ui.frame(app);
    const json before = training(app);

    SECTION("not a model file") {
        const std::string err = app.load_file("model", "PNG this is not");
        CHECK(err.rfind("model file: ", 0) == 0);
        CHECK(err.size() > 20);
        CHECK(app.status() == err);
    }
    SECTION("a model larger than the lesson trains") {
        attn::TrainRecipe r = attn::default_recipe(attn::TaskKind::reverse);
        r.d_model = 256;
        r.heads = 2;
        attn::Transformer m(r.model());
        m.init(1);
        const std::string err = app.load_file("model", attn::write_model_file(m, r.task, 5));
        CHECK(err == "model file: d_model is 256, this lesson trains 4 to 128");
    }
    SECTION("a file of another kind") {
        const std::string err = app.load_file("image", "GIF89a");
        CHECK(err == "the Training lesson opens model files (.safetensors, kind \"model\"), not image files");
    }
    ui.frame(app);
    const json s = state(app);
    CHECK(s["error"] == "");  // the run is untouched
    CHECK(s["training"]["imported"].is_null());
    CHECK(s["training"]["task"] == before["task"]);
}

// The model has LayerNorm before every layer and before the head, so no learning rate the lesson
// offers (up to 1) makes its numbers overflow (Adam moves each weight by about lr a step). A run
// whose loss overflows is made from a trained model whose output biases sit at the ends of the
// float range (finite, so the file loads): the first step's cross-entropy is +inf.
TEST_CASE("app: a run whose loss overflows pauses with a message and restores the last good weights", "[app][train]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    train_to(ui, app, "lesson=train&task=reverse&steps=25");
    REQUIRE(app.export_file("model").empty());
    attn::ModelFile f = attn::read_model_file(platform.saved_bytes);
    attn::Parameters& p = f.model->parameters();
    float* bias = p.value(p.index("head.bias"));
    for (std::size_t c = 0; c < p.info(p.index("head.bias")).count; ++c) bias[c] = c == 0 ? 3.4e38f : -3.4e38f;
    const std::string edge = attn::write_model_file(*f.model, f.config.task, f.step);
    REQUIRE(app.load_file("model", edge).empty());
    // The held-out evaluation of the imported weights is the first to overflow.
    ui.frames_while(app, [&] { return live(app); });
    json t = training(app);
    CHECK(t["failure"] ==
          "the held-out loss became infinite at step 0: training paused and the weights of step 0 restored. Lower "
          "the learning rate, then train again.");
    // Train (set running, as the button) clears the failure and tries again: it overflows again.
    REQUIRE(app.set("running", "1").empty());
    ui.frames_while(app, [&] { return live(app); });
    const json s = state(app);
    t = s["training"];
    INFO(t.dump());
    CHECK(t["failure"].get<std::string>().find("training paused and the weights of step 0 restored") !=
          std::string::npos);
    CHECK(t["running"] == false);
    CHECK(s["live"] == false);
    CHECK(t["step"] == 0);
    CHECK(t["loss"].is_null());  // the failed step's loss is dropped, never shown
    // What is drawn is finite: every cell of the matrix in state() is a number (NaN would be null).
    REQUIRE(s["matrix"]["data"].is_array());
    CHECK(s["matrix"]["data"].size() > 0);
    for (const auto& v : s["matrix"]["data"]) CHECK(v.is_number());
    // The weights are the last good ones: those imported, bit for bit.
    REQUIRE(app.export_file("model").empty());
    const attn::ModelFile back = attn::read_model_file(platform.saved_bytes);
    const attn::Parameters& q = back.model->parameters();
    REQUIRE(q.total() == p.total());
    CHECK(std::equal(p.values(), p.values() + p.total(), q.values()));
}

TEST_CASE("app: a learning rate changed mid-run is noted, on screen and in state()", "[app][train]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    REQUIRE(app.set_lesson("train").empty());
    ui.frame(app);
    REQUIRE(app.set("lr", "0.002").empty());  // before training: the run's rate, no note
    CHECK(training(app)["lrChanged"] == false);
    train_to(ui, app, "lesson=train&task=reverse&lr=0.002&steps=10");
    CHECK(training(app)["lrChanged"] == false);
    REQUIRE(app.set("lr", "0.001").empty());
    CHECK(training(app)["lrChanged"] == true);
    CHECK(app.link().find("lr=0.001") != std::string::npos);  // the link carries the current rate
    // A new run (another seed) starts without the note.
    REQUIRE(app.set("seed", "7").empty());
    CHECK(training(app)["lrChanged"] == false);
}

TEST_CASE("app: an export the shell cannot save returns the shell's message", "[app][export]") {
    Headless ui;
    NullPlatform platform;
    platform.fail_saves = true;  // a full or read-only disk on the desktop
    App app(platform);
    REQUIRE(app.apply_link("lesson=dot").empty());
    ui.frame(app);
    ui.frame(app);
    // The app's own kinds: the message is returned (attnlab.export rejects with it) and shown.
    CHECK(app.export_file("csv") == "could not write attnlab-dot-scores.csv");
    CHECK(app.status() == "could not write attnlab-dot-scores.csv");
    CHECK(app.export_file("json") == "could not write attnlab-dot.json");
    // A lesson's own kind: the Training lesson's model file.
    train_to(ui, app, "lesson=train&task=reverse&steps=5");
    CHECK(app.export_file("model") == "could not write attnlab-reverse-step5.safetensors");
    CHECK(platform.saved_bytes.empty());
    platform.fail_saves = false;
    CHECK(app.export_file("model").empty());
    CHECK(platform.saved_name == "attnlab-reverse-step5.safetensors");
}
