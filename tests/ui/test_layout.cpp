// The responsive layout (ui/logic/layout.hpp) and the embedded view's link keys (link.hpp):
// which arrangement a window gets, what an embedded view hides, and the link round trip.
#include <catch2/catch.hpp>

#include "layout.hpp"
#include "link.hpp"

using namespace attn::ui;

namespace {

// A browser window of CSS size w × h at a device pixel ratio: the app works in device pixels and
// its font is 16 CSS px at the default scale.
LayoutInput window(float w, float h, float dpr, float font_scale = 1.0f) {
    LayoutInput in;
    in.width = w * dpr;
    in.height = h * dpr;
    in.font_px = 16.0f * font_scale * dpr;
    in.lesson_tabs_width = 960.0f * font_scale * dpr;  // about what the eight lesson buttons measure
    return in;
}

}  // namespace

TEST_CASE("layout: phones stack in portrait and landscape, tablets and laptops get the side panel", "[ui][layout]") {
    const Layout portrait = compute_layout(window(390, 844, 3));
    CHECK(portrait.stacked);
    CHECK(portrait.side_width == 0);
    CHECK(portrait.lesson_menu);  // eight lesson buttons do not fit in 390 px
    CHECK(portrait.player_wraps);
    // The views get the screen below the bar and the player, and the page scrolls for the rest.
    CHECK(portrait.view_height == Approx(844 * 3 - 7.5f * 48));
    const float slider = portrait.step_slider_width;
    CHECK(slider >= 8 * 48);
    CHECK(slider + 11 * 48 <= 390 * 3 + 1e-3f);

    const Layout landscape = compute_layout(window(844, 390, 3));
    CHECK(landscape.stacked);                                       // 390 px of height leave no room beside a panel
    CHECK(landscape.view_height == Approx(kMinViewHeightEm * 48));  // at least 20 font heights

    const Layout tablet = compute_layout(window(1024, 768, 2));
    CHECK_FALSE(tablet.stacked);
    CHECK(tablet.side_width == Approx(18 * 32));  // 18 font heights (28% would be 573 device px)
    CHECK(tablet.lesson_menu);                    // 960 + 14 font heights > 1024
    CHECK_FALSE(tablet.player_wraps);
    CHECK(tablet.step_slider_width == Approx(14 * 32));

    const Layout desktop = compute_layout(window(1600, 900, 1));
    CHECK_FALSE(desktop.stacked);
    CHECK_FALSE(desktop.lesson_menu);
    CHECK(desktop.side_width == Approx(0.28f * 1600));
}

TEST_CASE("layout: the breakpoints are in font heights, so a large font scale stacks sooner", "[ui][layout]") {
    CHECK_FALSE(compute_layout(window(1280, 800, 1)).stacked);
    CHECK(compute_layout(window(1280, 800, 1, 2.0f)).stacked);  // 40 font heights wide
    // Exactly at the breakpoint the wide layout applies; one pixel less stacks.
    CHECK_FALSE(compute_layout(window(800, 480, 1)).stacked);
    CHECK(compute_layout(window(799, 480, 1)).stacked);
    CHECK(compute_layout(window(800, 479, 1)).stacked);
    // A degenerate window (zero size, zero font) still gives a finite layout.
    LayoutInput zero;
    zero.font_px = 0;
    const Layout z = compute_layout(zero);
    CHECK(z.stacked);
    CHECK(z.view_height > 0);
}

TEST_CASE("layout: an embedded view has no lesson bar and drops what the link hides", "[ui][layout]") {
    LayoutInput in = window(600, 400, 1);
    in.embed = true;
    Layout l = compute_layout(in);
    CHECK_FALSE(l.lesson_bar);
    CHECK_FALSE(l.lesson_menu);
    CHECK_FALSE(l.export_import);
    CHECK(l.explain);
    CHECK(l.controls);
    CHECK(l.view_height == Approx(std::max(400.0f - 5.0f * 16, kMinViewHeightEm * 16)));

    in = window(1200, 700, 1);
    in.embed = true;
    in.hide_explain = in.hide_controls = true;
    l = compute_layout(in);
    CHECK_FALSE(l.stacked);
    CHECK(l.side_width == 0);  // nothing is left for the side panel: the views take the width
    in.hide_player = true;
    CHECK_FALSE(compute_layout(in).player);
}

TEST_CASE("links: embed and hide round-trip and name the parts they hide", "[ui][link]") {
    std::vector<std::string> warnings;
    const Link l = decode_link("lesson=dot&embed=1&hide=controls,explain,dk&step=3", &warnings);
    CHECK(warnings.empty());
    CHECK(l.embed);
    REQUIRE(l.hide.size() == 3);
    CHECK(l.hide[2] == "dk");
    CHECK(l.params.empty());  // embed and hide are not lesson parameters
    CHECK(encode_link(l) == "lesson=dot&step=3&embed=1&hide=controls,explain,dk");

    std::vector<std::string> problems;
    const EmbedOptions e = embed_options(l, {"dk", "scaled"}, &problems);
    CHECK(problems.empty());
    CHECK(e.embed);
    CHECK(e.controls);
    CHECK(e.explain);
    CHECK_FALSE(e.player);
    CHECK_FALSE(e.exports);
    CHECK(e.params == std::vector<std::string>{"dk"});
    CHECK(e.known == std::vector<std::string>{"controls", "explain", "dk"});

    // Empty names between commas are skipped; "player" and "export" are parts too.
    const Link p = decode_link("hide=,player,,export,");
    CHECK_FALSE(p.embed);
    const EmbedOptions pe = embed_options(p, {}, &problems);
    CHECK(pe.player);
    CHECK(pe.exports);
    CHECK(problems.empty());
}

TEST_CASE("links: an unknown hide name or a bad embed value is reported, the rest applies", "[ui][link]") {
    std::vector<std::string> warnings;
    const Link l = decode_link("lesson=dot&embed=yes&hide=explain,temperatur", &warnings);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == "link: embed must be 0 or 1, got 'yes'");
    CHECK_FALSE(l.embed);
    std::vector<std::string> problems;
    const EmbedOptions e = embed_options(l, {"dk", "temperature"}, &problems);
    CHECK(e.explain);
    CHECK(e.params.empty());
    CHECK(e.known == std::vector<std::string>{"explain"});  // what the app keeps in its link
    REQUIRE(problems.size() == 1);
    CHECK(
        problems[0] ==
        "hide: unknown part 'temperatur' (parts: controls, explain, player, export, or a parameter of this lesson: dk, "
        "temperature)");
    CHECK(decode_link("embed=0").embed == false);
    CHECK(decode_link("embed").embed == true);
}
