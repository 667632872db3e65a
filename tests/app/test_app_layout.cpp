// The app's layout, headless: which arrangement a display gets (ui/logic/layout.hpp) and where
// state() says its regions are, for every shipped lesson on a phone-sized display; an embedded
// view's link (embed=1, hide=...). Frames are built with Dear ImGui's default font (13 px), so a
// 390 px wide display is 30 font heights wide, as a phone is at 16 px.
#include <catch2/catch.hpp>
#include <imgui.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "app.hpp"
#include "headless.hpp"

using attn::ui::App;
using attn::ui::test::Headless;
using attn::ui::test::NullPlatform;
using nlohmann::json;

namespace {

json state(App& app) { return json::parse(app.state_json()); }

void display(float w, float h) { ImGui::GetIO().DisplaySize = ImVec2(w, h); }

// r lies inside [0, w] × [0, h] (half a pixel of rounding allowed).
bool inside(const json& r, float w, float h) {
    const float x = r["x"], y = r["y"], rw = r["w"], rh = r["h"];
    return x >= -0.5f && y >= -0.5f && x + rw <= w + 0.5f && y + rh <= h + 0.5f;
}

}  // namespace

TEST_CASE("app: on a phone-sized display every lesson stacks, with the player and its view in sight", "[app][layout]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    display(390, 844);
    const json lessons = json::parse(app.lessons_json());
    REQUIRE(lessons.size() >= 8);
    for (const auto& l : lessons) {
        const std::string id = l["id"];
        if (id == "pulse") continue;  // the test-only lesson of the live tests, if registered
        CAPTURE(id);
        REQUIRE(app.set_lesson(id).empty());
        for (int i = 0; i < 3; ++i) ui.frame(app);
        const json s = state(app);
        const json& L = s["layout"];
        CHECK(L["mode"] == "stacked");
        CHECK(L["lessonMenu"] == true);
        for (const char* r : {"lessonBar", "player", "playerPrev", "playerNext", "playerSlider"}) {
            CAPTURE(r);
            CAPTURE(L["regions"].dump());
            REQUIRE(L["regions"].contains(r));
            CHECK(inside(L["regions"][r], 390, 844));
        }
        const json& view = L["regions"]["view"];
        CHECK(float(view["x"]) + float(view["w"]) <= 390.5f);
        CHECK(float(view["y"]) < 844 * 0.25f);  // below the bar and the player
        // Explanation and controls follow the view, further down the page.
        CHECK(float(L["regions"]["explain"]["y"]) >= float(view["y"]) + float(view["h"]));
        CHECK(float(L["regions"]["controls"]["y"]) > float(L["regions"]["explain"]["y"]));
        CHECK(float(L["pageHeight"]) > 844);
    }
}

TEST_CASE("app: a wide display keeps the lesson bar's buttons and the side panel", "[app][layout]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    display(1600, 900);
    REQUIRE(app.set_lesson("dot").empty());
    for (int i = 0; i < 3; ++i) ui.frame(app);
    const json L = state(app)["layout"];
    CHECK(L["mode"] == "wide");
    CHECK(L["lessonMenu"] == false);
    REQUIRE(L["regions"].contains("side"));
    CHECK(float(L["regions"]["side"]["x"]) < float(L["regions"]["view"]["x"]));
    CHECK(L["regions"]["side"]["w"] == Approx(0.28f * 1600).margin(1.0f));
    CHECK(L["paramWidgets"].size() >= 4);
}

TEST_CASE("app: an embedded view has no lesson bar, hides what the link names and keeps that in its link",
          "[app][layout]") {
    Headless ui;
    NullPlatform platform;
    App app(platform);
    display(640, 480);
    const std::string err = app.apply_link("lesson=dot&step=4&embed=1&hide=controls,explain,bogus");
    CHECK(err.find("hide: unknown part 'bogus' (parts: controls, explain, player, export, or a parameter of this "
                   "lesson: n, dk") != std::string::npos);
    for (int i = 0; i < 3; ++i) ui.frame(app);
    json s = state(app);
    CHECK(s["step"] == 4);
    CHECK(s["layout"]["embed"] == true);
    CHECK_FALSE(s["layout"]["regions"].contains("lessonBar"));
    CHECK_FALSE(s["layout"]["regions"].contains("explain"));
    CHECK_FALSE(s["layout"]["regions"].contains("controls"));
    CHECK_FALSE(s["layout"]["regions"].contains("export"));
    CHECK(s["layout"]["regions"].contains("player"));
    CAPTURE(s["layout"]["paramWidgets"].dump());
    CHECK(s["layout"]["paramWidgets"].empty());
    CHECK(app.link() == "lesson=dot&step=4&n=5&dk=8&scaled=1&temperature=1&seed=1&embed=1&hide=controls,explain");

    // One parameter by name: its widget goes, the others stay; a link without embed ends it.
    CHECK(app.apply_link("lesson=dot&embed=1&hide=dk").empty());
    for (int i = 0; i < 2; ++i) ui.frame(app);
    s = state(app);
    std::vector<std::string> names;
    for (const auto& w : s["layout"]["paramWidgets"]) names.push_back(w["name"]);
    CHECK(std::find(names.begin(), names.end(), "dk") == names.end());
    CHECK(std::find(names.begin(), names.end(), "n") != names.end());
    CHECK(app.apply_link("lesson=dot").empty());
    for (int i = 0; i < 2; ++i) ui.frame(app);
    s = state(app);
    CHECK(s["layout"]["embed"] == false);
    CHECK(s["layout"]["regions"].contains("lessonBar"));
    CHECK(app.link().find("embed") == std::string::npos);
}
