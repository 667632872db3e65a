// layout.cpp: see layout.hpp.
#include "layout.hpp"

#include <algorithm>

namespace attn::ui {

Layout compute_layout(const LayoutInput& in) {
    Layout out;
    const float em = in.font_px > 1.0f ? in.font_px : 1.0f;
    const float w = std::max(in.width, 1.0f), h = std::max(in.height, 1.0f);
    out.stacked = w < kStackedBelowWidthEm * em || h < kStackedBelowHeightEm * em;
    out.lesson_bar = !in.embed;
    // The bar holds the name, the lesson buttons, "Copy link" and "View…" (about 14 font heights).
    out.lesson_menu = out.lesson_bar && in.lesson_tabs_width + 14.0f * em > w;
    out.explain = !in.hide_explain;
    out.controls = !in.hide_controls;
    out.export_import = !in.hide_export && !in.embed;
    out.player = !in.hide_player;
    const bool panel = out.explain || out.controls || out.export_import;
    if (!out.stacked && panel) out.side_width = std::max(18.0f * em, 0.28f * w);
    const float player_room = out.stacked ? w : w - out.side_width;
    out.player_wraps = player_room < kPlayerOneRowEm * em;
    // One row: 14 font heights of slider beside the buttons; wrapped: the slider shares its row
    // with the speed (about 9 font heights) and the window's padding and scrollbar.
    out.step_slider_width = out.player_wraps ? std::max(player_room - 11.0f * em, 8.0f * em) : 14.0f * em;
    if (out.stacked) {
        // The views fill the screen below the lesson bar and the player (about 2 and 3 rows), so
        // at the top of the page the player and the start of the views are in sight.
        const float rows = (out.lesson_bar ? 2.5f : 0.0f) + (out.player ? (out.player_wraps ? 5.0f : 2.5f) : 0.0f);
        out.view_height = std::max(h - rows * em, kMinViewHeightEm * em);
    }
    return out;
}

}  // namespace attn::ui
