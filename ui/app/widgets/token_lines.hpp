// token_lines.hpp: attention weights drawn as lines between two columns of tokens.
//
// Query tokens stand in a column on the left, key tokens on the right; every weight α_ij above
// a threshold becomes a line from query i to key j whose thickness and opacity grow with the
// weight (colour from the colormap). Hovering a token keeps its lines and fades the rest, and
// a tooltip lists where that token's attention goes (or comes from). Pure ImDrawList: no GL.
//
// What it deliberately does not do: layout of more than one pair of columns, or curves.
#pragma once

#include <imgui.h>

#include <cstddef>
#include <string>
#include <vector>

#include "attn/matrix.hpp"
#include "colormap.hpp"

namespace attn::ui {

struct TokenLinesOptions {
    float min_weight = 0.02f;    // lines below this weight are not drawn
    float max_thickness = 7.0f;  // pixels at weight 1 (scaled with the font)
    Colormap colormap = Colormap::viridis;
    // Rows (queries) whose weights are not computed yet at this step: no lines, label dimmed.
    const std::vector<bool>* row_pending = nullptr;
    // Highlight one query (e.g. the row hovered in a heatmap); −1: none. A hovered token wins.
    int highlight_query = -1;
};

struct TokenLinesHover {
    int query = -1;  // hovered query token, or −1
    int key = -1;    // hovered key token, or −1
};

// weights: (n_queries, n_keys), rows summing to 1 (masked entries 0).
TokenLinesHover token_lines(const char* id, ConstMatrixView weights, const std::vector<std::string>& queries,
                            const std::vector<std::string>& keys, ImVec2 size, const TokenLinesOptions& opt = {});

}  // namespace attn::ui
