// The Basic lesson in the real App, headless: it opens on the trained date translator
// (models/dates.safetensors, read from the source tree by tests/app/headless.hpp), translates
// "23 Nov 2026" to "2026-11-23" with the year's output characters looking at the source's year,
// walks every decoder step's stages, says when the model is out of its depth, and never shows
// NaN for bad input. The hand-set example stays reachable.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

#include "app.hpp"
#include "headless.hpp"

using attn::ui::App;
using attn::ui::test::Headless;
using attn::ui::test::NullPlatform;
using nlohmann::json;

namespace {

json state(App& app) { return json::parse(app.state_json()); }

// The shown matrix at the player's last step whose focus is the alignment.
json alignment(App& app) {
    for (long k = state(app)["stepCount"].get<long>() - 1; k >= 0; --k) {
        REQUIRE(app.step(k).empty());
        const json m = state(app)["matrix"];
        if (m["name"] == "weights") return m;
    }
    FAIL("no step shows the alignment");
    return nullptr;
}

}  // namespace

TEST_CASE("app: Basic opens on the trained date translator and aligns the year with the year", "[app][basic]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    ui.frame(app);
    json s = state(app);
    REQUIRE(s["lesson"] == "basic");
    CHECK(s["params"]["example"] == "dates");
    REQUIRE(s["model"]["state"] == "ready");
    CHECK(s["model"]["path"] == "models/dates.safetensors");
    REQUIRE(app.set("date", "23 Nov 2026").empty());
    ui.frame(app);
    s = state(app);
    CHECK(s["error"] == "");
    CHECK(s["translation"]["source"] == "23 Nov 2026");
    CHECK(s["translation"]["output"] == "2026-11-23");
    CHECK(s["translation"]["outOfDepth"] == false);
    CHECK(s["translation"]["tokens"].size() == 11);  // ten characters and <eos>

    // Every decoder step has its five stages, in order, with a formula.
    const long count = s["stepCount"].get<long>();
    CHECK(count == 1 + 11 * 5);
    const char* kinds[] = {"score_row", "softmax_row", "output_row", "decoder_state", "predict_token"};
    for (long k = 1; k < count; ++k) {
        REQUIRE(app.step(k).empty());
        const json st = state(app);
        CHECK(st["stepKind"] == kinds[(k - 1) % 5]);
        CHECK(!st["formula"].get<std::string>().empty());
    }

    // The source "23 Nov 2026": the year is characters 7..10. Output characters 0..3 are the year.
    const json m = alignment(app);
    REQUIRE(m["cols"] == 11);
    REQUIRE(m["rows"] == 11);
    const std::vector<float> w = m["data"].get<std::vector<float>>();
    for (std::size_t t = 0; t < 4; ++t) {
        double year = 0, sum = 0;
        for (std::size_t j = 0; j < 11; ++j) {
            sum += w[t * 11 + j];
            if (j >= 7) year += w[t * 11 + j];
        }
        CHECK(sum == Approx(1.0).margin(1e-4));
        INFO("output character " << t << ": mass on the year span " << year);
        CHECK(year > 0.5);  // most of the mass on the year span
    }
    // The deep link carries the example, the date and the step.
    const std::string link = app.link();
    CHECK(link.find("example=dates") != std::string::npos);
    CHECK(link.find("date=23%20Nov%202026") != std::string::npos);
    CHECK(platform.asset_requests == 1);
}

TEST_CASE("app: Basic says when the date model is out of its depth, and bad input never shows NaN", "[app][basic]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    ui.frame(app);
    for (const char* weird :
         {"hello world, how are you?", "23 Növ 2026 ☃", "!!!!", "9999999999999999999999999999999999999"}) {
        REQUIRE(app.set("date", weird).empty());
        ui.frame(app);
        const json s = state(app);
        CHECK(s["error"] == "");
        CHECK(s["translation"]["outOfDepth"] == true);
        CHECK(!s["translation"]["warnings"].empty());
        for (const json& p : s["translation"]["probabilities"]) CHECK(std::isfinite(p.get<double>()));
        const json m = alignment(app);
        for (const json& x : m["data"]) CHECK(std::isfinite(x.get<double>()));
    }
    // An unknown character is named as such.
    REQUIRE(app.set("date", "23 Növ 2026").empty());
    ui.frame(app);
    json s = state(app);
    CHECK(s["translation"]["warnings"][0].get<std::string>().find("<unk>") != std::string::npos);
    // An empty box and an over-long text get a message, not a translation.
    REQUIRE(app.set("date", "").empty());
    ui.frame(app);
    s = state(app);
    CHECK(s["translation"]["error"].get<std::string>().find("type a date") != std::string::npos);
    CHECK(s["stepCount"] == 0);
    REQUIRE(app.set("date", std::string(70, '1')).empty());
    ui.frame(app);
    s = state(app);
    CHECK(s["translation"]["error"] == "the text has 70 characters, the limit is 64");
    CHECK(app.set("date", std::string(201, '1')) == "date: 201 bytes, the limit is 200");
}

TEST_CASE("app: Basic's hand-set example stays, and the date model's failure leaves it working", "[app][basic]") {
    Headless ui;
    NullPlatform platform;
    platform.replies["models/dates.safetensors"] = {"", "HTTP 404"};
    App app(platform);
    ui.frame(app);
    json s = state(app);
    CHECK(s["model"]["state"] == "failed");
    CHECK(s["model"]["error"].get<std::string>().find("HTTP 404") != std::string::npos);
    REQUIRE(app.set("example", "handset").empty());
    ui.frame(app);
    s = state(app);
    CHECK(s.find("model") == s.end());
    CHECK(s["stepCount"].get<long>() > 0);
    CHECK(alignment(app)["rows"] == 7);  // "le chat était assis sur le tapis"
}

TEST_CASE("app: a link's step waits for the date model, and the lesson opens at its default step", "[app][basic]") {
    Headless ui;
    NullPlatform platform;
    platform.defer = true;
    App app(platform);
    CHECK(app.apply_link("lesson=basic&example=dates&date=23%20Nov%202026&step=7").empty());
    ui.frame(app);
    CHECK(state(app)["model"]["state"] == "loading");
    CHECK(state(app)["stepCount"] == 0);
    platform.answer_pending();
    ui.frame(app);
    json s = state(app);
    REQUIRE(s["stepCount"] == 56);
    CHECK(s["step"] == 7);
    CHECK(s["stepKind"] == "softmax_row");

    App fresh(platform);  // no link: the default step (t = 6's weights) once the model is there
    ui.frame(fresh);
    platform.answer_pending();
    ui.frame(fresh);
    s = state(fresh);
    REQUIRE(s["stepCount"] == 56);
    CHECK(s["step"] == 1 + 5 * 5 + 1);
    CHECK(s["stepTitle"].get<std::string>().find("t = 6") == 0);
}
