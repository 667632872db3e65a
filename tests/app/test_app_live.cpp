// The app's lifecycle for live lessons, headless: a real App and Dear ImGui context without GL
// (frames are built, never rendered), with the test-only pulse lesson (pulse_lesson.cpp).
#include <catch2/catch.hpp>
#include <imgui.h>
#include <nlohmann/json.hpp>

#include <string>

#include "app.hpp"
#include "headless.hpp"
#include "pulse_lesson.hpp"

using attn::ui::App;
using attn::ui::test::Headless;
using attn::ui::test::NullPlatform;
using attn::ui::test::PulseLesson;
using nlohmann::json;

namespace {

PulseLesson& pulse(App& app) {
    auto* p = dynamic_cast<PulseLesson*>(&app.lesson());
    REQUIRE(p != nullptr);
    return *p;
}

}  // namespace

TEST_CASE("app: a live lesson advances once per frame, within the frame's budget", "[app][live]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    REQUIRE(app.set_lesson("pulse").empty());
    REQUIRE(app.set_frame_budget_ms(4).empty());
    for (int f = 0; f < 30; ++f) ui.frame(app);
    PulseLesson& p = pulse(app);
    CHECK(p.advances == 30);
    CHECK(p.max_budget_ms == 4.0);
    // It was given 4 ms and used them (many units per frame; it checks the budget after each
    // ~0.05 ms unit). How far past the budget a frame ran is timing, measured with
    // `attnlab-desktop-test --stats`, not asserted here (the machine is shared).
    CHECK(p.units > 30 * 5);
    CHECK(p.last_ms >= 4.0);
    CHECK(app.last_advance_ms() >= p.last_ms);
    CHECK(app.set_frame_budget_ms(0.5) == "frame budget must be within 1..100 ms");
    CHECK(app.frame_budget_ms() == 4.0);
}

TEST_CASE("app: a live lesson is not advanced while paused, hidden, or not on screen", "[app][live]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    REQUIRE(app.set_lesson("pulse").empty());
    ui.frame(app);
    PulseLesson& p = pulse(app);
    REQUIRE(p.advances == 1);
    CHECK(json::parse(app.state_json())["live"] == true);

    SECTION("paused by its own parameter") {
        REQUIRE(app.set("running", "0").empty());
        for (int f = 0; f < 5; ++f) ui.frame(app);
        CHECK(p.advances == 1);
        CHECK(json::parse(app.state_json())["live"] == false);
        REQUIRE(app.set("running", "1").empty());
        ui.frame(app);
        CHECK(p.advances == 2);
    }
    SECTION("the window is hidden: the lesson is told, and not advanced even if it runs on") {
        app.set_hidden(true);
        CHECK(p.hides == 1);
        CHECK_FALSE(p.running());
        p.set_running(true);  // a lesson that ignored hidden() still gets no frames
        for (int f = 0; f < 5; ++f) ui.frame(app);
        CHECK(p.advances == 1);
        app.set_hidden(false);
        ui.frame(app);
        CHECK(p.advances == 2);
    }
    SECTION("another lesson is shown") {
        REQUIRE(app.set_lesson("dot").empty());
        CHECK(p.hides == 1);
        p.set_running(true);
        for (int f = 0; f < 5; ++f) ui.frame(app);
        CHECK(p.advances == 1);
        CHECK(json::parse(app.state_json())["live"] == false);
    }
}

TEST_CASE("app: the player follows a growing trace from its last step and stays put elsewhere", "[app][live]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    REQUIRE(app.set_lesson("pulse").empty());
    for (int f = 0; f < 3; ++f) ui.frame(app);
    json s = json::parse(app.state_json());
    CHECK(s["follow"] == "growing");
    CHECK(s["stepCount"] == 4);   // the step at rest + one per frame
    REQUIRE(app.step(3).empty());  // the last step
    ui.frame(app);
    s = json::parse(app.state_json());
    CHECK(s["stepCount"] == 5);
    CHECK(s["step"] == 4);  // followed the new step
    REQUIRE(app.step(1).empty());
    ui.frame(app);
    s = json::parse(app.state_json());
    CHECK(s["stepCount"] == 6);
    CHECK(s["step"] == 1);  // not on the last step: stays
}

TEST_CASE("app: the player keeps its step when a live lesson replaces its trace", "[app][live]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    REQUIRE(app.set_lesson("pulse").empty());
    REQUIRE(app.set("follow", "replaced").empty());
    ui.frame(app);
    REQUIRE(app.step(1).empty());
    json s = json::parse(app.state_json());
    CHECK(s["follow"] == "replaced");
    CHECK(s["stepCount"] == 3);
    const std::string before = s["stepTitle"];
    for (int f = 0; f < 3; ++f) ui.frame(app);
    s = json::parse(app.state_json());
    CHECK(s["step"] == 1);
    CHECK(s["stepCount"] == 3);
    CHECK(s["stepKind"] == "softmax");
    CHECK(s["stepTitle"] != before);  // the same stage of a newer update
}

TEST_CASE("app: lessons() lists the registry in menu order with its number keys", "[app]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    const json l = json::parse(app.lessons_json());
    const auto factories = attn::ui::lesson_factories();
    REQUIRE(l.size() == factories.size());
    for (std::size_t k = 0; k < l.size(); ++k) {
        CHECK(l[k]["id"] == factories[k]()->id());
        CHECK(l[k]["key"] == std::to_string(k + 1));
    }
    CHECK(l.front()["id"] == "basic");
    CHECK(l.back()["id"] == "pulse");  // test lessons come after the shipped ones
}
