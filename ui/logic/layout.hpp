// layout.hpp: where the app's regions go for a window of a given size (GL-free, unit tested).
//
// Two arrangements:
//   wide     the lesson bar on top; on the left a side panel (explanation, parameters, export);
//            on the right the step player and the lesson's views. Laptops, tablets in landscape,
//            projectors.
//   stacked  below a width (or height) breakpoint, one column that scrolls as a whole: the lesson
//            bar (a menu when the lesson buttons do not fit), the step player, the lesson's views
//            at full width, then the explanation and the controls in collapsible sections.
//            Phones in portrait and landscape, and large font scales on small windows.
// Sizes are in device pixels (what ImGui draws in); the breakpoints are in font heights, so a
// larger font scale reaches the stacked layout sooner, as a narrower window would.
// An embedded view (?embed=1) has no lesson bar, and may hide the explanation, the controls, the
// player or the export section (link.hpp: EmbedOptions).
#pragma once

namespace attn::ui {

struct LayoutInput {
    float width = 0, height = 0;  // the window (device px)
    float font_px = 16;           // the font's height (device px): 16 CSS px × font scale × dpi
    float lesson_tabs_width = 0;  // the lesson buttons side by side, as last measured (device px)
    bool embed = false;           // one lesson, no lesson bar
    bool hide_explain = false, hide_controls = false, hide_player = false, hide_export = false;
};

struct Layout {
    bool stacked = false;
    bool lesson_bar = true;     // false in an embedded view
    bool lesson_menu = false;   // the lessons as a drop-down menu instead of a row of buttons
    float side_width = 0;       // wide: the side panel's width (0: no side panel)
    float view_height = 0;      // stacked: the height the lesson's views get (device px)
    bool player = true;         // the step player is shown
    bool player_wraps = false;  // the player's step slider and speed go below its buttons
    float step_slider_width = 0;
    bool explain = true, controls = true, export_import = true;
};

// Stacked below 50 font heights of width (800 CSS px at the default 16 px font) or 30 of height
// (480 CSS px: a phone in landscape has room for the player and little else beside a panel).
constexpr float kStackedBelowWidthEm = 50.0f;
constexpr float kStackedBelowHeightEm = 30.0f;
// The player's buttons, slider and speed need about 44 font heights side by side.
constexpr float kPlayerOneRowEm = 44.0f;
// The least height the lesson's views get in the stacked layout, so views that size themselves by
// the height they are given (grids of heads, charts) stay readable on a landscape phone.
constexpr float kMinViewHeightEm = 20.0f;

Layout compute_layout(const LayoutInput& in);

}  // namespace attn::ui
