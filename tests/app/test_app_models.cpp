// The shipped trained models in the real App, headless: the self-attention lesson's
// "trained: reverse" example shows a learned anti-diagonal, the visualization lesson's learned
// heads are measured and labelled, "loading model…" while the bytes are on their way, and a
// missing or corrupt file leaves a visible message while the other examples keep working.
// The platform reads models/ from the source tree (tests/app/headless.hpp).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "app.hpp"
#include "headless.hpp"

using attn::ui::App;
using attn::ui::test::Headless;
using attn::ui::test::NullPlatform;
using nlohmann::json;

namespace {

json state(App& app) { return json::parse(app.state_json()); }

// The player's step whose shown matrix is the attention weights (n × n), or -1.
long weights_step(App& app) {
    const long count = state(app)["stepCount"].get<long>();
    for (long s = count - 1; s >= 0; --s) {
        REQUIRE(app.step(s).empty());
        const json m = state(app)["matrix"];
        if (m["name"] == "weights" && m["rows"] == m["cols"]) return s;
    }
    return -1;
}

}  // namespace

TEST_CASE("app: the self-attention lesson's trained reverse head is an anti-diagonal", "[app][models]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    REQUIRE(app.set_lesson("self").empty());
    REQUIRE(app.set("example", "reverse").empty());
    ui.frame(app);
    json s = state(app);
    REQUIRE(s["model"]["state"] == "ready");
    CHECK(s["model"]["path"] == "models/reverse.safetensors");
    CHECK(s["error"] == "");
    CHECK(s["model"]["maxDifference"].get<double>() < 1e-5);  // the kernel agrees with the model's forward
    for (const char* seed : {"1", "2", "3"}) {
        REQUIRE(app.set("seed", seed).empty());
        ui.frame(app);
        REQUIRE(weights_step(app) >= 0);
        const json m = state(app)["matrix"];
        const std::size_t n = m["rows"].get<std::size_t>();
        REQUIRE(n == 8);
        const std::vector<float> w = m["data"].get<std::vector<float>>();
        std::size_t anti = 0;
        for (std::size_t i = 0; i < n; ++i) {
            std::size_t best = 0;
            double sum = 0;
            for (std::size_t j = 0; j < n; ++j) {
                sum += w[i * n + j];
                if (w[i * n + j] > w[i * n + best]) best = j;
            }
            CHECK(sum == Approx(1.0).margin(1e-5));
            anti += best == n - 1 - i;
        }
        CHECK(anti >= 7);  // most rows read position n − 1 − i
    }
    CHECK(platform.asset_requests == 1);  // fetched once, kept
    CHECK(app.link().find("example=reverse") != std::string::npos);
}

TEST_CASE("app: a shipped model shows loading model… until its bytes arrive", "[app][models]") {
    Headless ui;
    NullPlatform platform;
    platform.defer = true;
    App app(platform);
    REQUIRE(app.set_lesson("self").empty());
    REQUIRE(app.set("example", "reverse").empty());
    ui.frame(app);
    json s = state(app);
    CHECK(s["model"]["state"] == "loading");
    CHECK(s["error"] == "");
    ui.frame(app);  // the frames go on while it loads
    REQUIRE(platform.pending.size() == 1);
    CHECK(platform.pending[0].first == "models/reverse.safetensors");
    platform.answer_pending();
    ui.frame(app);
    s = state(app);
    CHECK(s["model"]["state"] == "ready");
    CHECK(weights_step(app) >= 0);
}

TEST_CASE("app: a missing or corrupt shipped model is a visible message; other examples work", "[app][models]") {
    Headless ui;
    NullPlatform platform;
    const bool missing = GENERATE(true, false);
    platform.replies["models/reverse.safetensors"] =
        missing ? std::make_pair(std::string(), std::string("cannot open models/reverse.safetensors"))
                : std::make_pair(std::string("garbage, not a model"), std::string());
    App app(platform);
    REQUIRE(app.set_lesson("self").empty());
    REQUIRE(app.set("example", "reverse").empty());
    ui.frame(app);
    json s = state(app);
    CHECK(s["model"]["state"] == "failed");
    const std::string err = s["model"]["error"];
    CHECK(err.rfind("could not load the trained model models/reverse.safetensors: ", 0) == 0);
    if (missing) CHECK(err.find("cannot open") != std::string::npos);
    CHECK(s["matrix"]["rows"] == 0);  // nothing made up in its place
    REQUIRE(app.set("example", "random").empty());
    ui.frame(app);
    s = state(app);
    CHECK(s["error"] == "");
    CHECK(s.contains("model") == false);
    CHECK(weights_step(app) >= 0);
}

TEST_CASE("app: the visualization lesson shows the induction model's heads, layer by layer", "[app][models]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    REQUIRE(app.set_lesson("viz").empty());
    REQUIRE(app.set("example", "learned").empty());
    for (int layer : {0, 1}) {
        REQUIRE(app.set("layer", std::to_string(layer)).empty());
        ui.frame(app);
        const json s = state(app);
        INFO("layer " << layer << ": " << s["model"].dump());
        REQUIRE(s["model"]["state"] == "ready");
        CHECK(s["model"]["path"] == "models/induction.safetensors");
        CHECK(s["model"]["layers"] == 2);
        CHECK(s["model"]["layer"] == layer);
        CHECK(s["model"]["heads"].size() == 2);  // a label per head, from the measured scores
        // The heads shown are the model's own: the kernel agrees with its forward.
        CHECK(s["model"]["maxDifference"].get<double>() < 1e-5);
        // The shown matrix is causal attention: zero above the diagonal, rows summing to 1.
        const json m = s["matrix"];
        const std::size_t n = m["rows"].get<std::size_t>();
        REQUIRE(n == 16);
        const std::vector<float> w = m["data"].get<std::vector<float>>();
        for (std::size_t i = 0; i < n; ++i) {
            double sum = 0;
            for (std::size_t j = 0; j < n; ++j) {
                if (j > i) CHECK(w[i * n + j] == 0.0f);
                sum += w[i * n + j];
            }
            CHECK(sum == Approx(1.0).margin(1e-5));
        }
    }
    // The two layers' heads differ (not one matrix shown twice).
    REQUIRE(app.set("layer", "0").empty());
    ui.frame(app);
    const std::vector<float> l0 = state(app)["matrix"]["data"].get<std::vector<float>>();
    REQUIRE(app.set("layer", "1").empty());
    ui.frame(app);
    CHECK(state(app)["matrix"]["data"].get<std::vector<float>>() != l0);
}
