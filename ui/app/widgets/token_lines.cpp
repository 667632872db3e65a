// token_lines.cpp
#include "token_lines.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cfloat>

namespace attn::ui {

namespace {

struct Line {
    std::size_t i, j;
    float w;
};

ImU32 line_colour(Colormap c, float w, float alpha) {
    // Keep the low end of the map off the background: the weakest drawn line starts a third of
    // the way up the colour scale, and opacity carries the rest of the weight.
    const auto rgba = colormap_color(c, 0.35f + 0.65f * w);
    const int a = static_cast<int>(std::lround(255.0f * std::clamp(alpha, 0.0f, 1.0f)));
    return IM_COL32(rgba[0], rgba[1], rgba[2], a);
}

// The top entries of a row or column as "token 0.83" lines in a tooltip.
void list_top(const char* heading, const std::vector<std::pair<float, std::size_t>>& entries,
              const std::vector<std::string>& names) {
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(heading);
    std::size_t shown = 0;
    for (const auto& [w, k] : entries) {
        if (shown == 6) break;
        ImGui::Text("  %-12s %.3f", k < names.size() ? names[k].c_str() : "?", static_cast<double>(w));
        ++shown;
    }
    if (entries.size() > shown) ImGui::TextDisabled("  … %zu more", entries.size() - shown);
    ImGui::EndTooltip();
}

}  // namespace

TokenLinesHover token_lines(const char* id, ConstMatrixView weights, const std::vector<std::string>& queries,
                            const std::vector<std::string>& keys, ImVec2 size, const TokenLinesOptions& opt) {
    TokenLinesHover hover;
    ImGui::PushID(id);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("lines", size);
    const bool item_hovered = ImGui::IsItemHovered();
    const std::size_t nq = weights.rows, nk = weights.cols;
    if (nq == 0 || nk == 0) {
        ImGui::PopID();
        return hover;
    }
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImFont* font = ImGui::GetFont();
    const float font_px = ImGui::GetFontSize();
    const std::size_t n = std::max(nq, nk);
    // One text row per token; shrink the text when many tokens share the height.
    const float row_h = std::min(font_px * 1.35f, size.y / static_cast<float>(n));
    const float text_px = std::clamp(row_h * 0.85f, 1.0f, font_px);
    const bool draw_text = text_px >= 6.0f;
    auto label = [&](const std::vector<std::string>& v, std::size_t k) {
        return k < v.size() ? v[k] : std::to_string(k);
    };
    auto width_of = [&](const std::string& s) { return font->CalcTextSizeA(text_px, FLT_MAX, 0.0f, s.c_str()).x; };
    const float max_col = size.x * 0.3f;
    float wq = 0.0f, wk = 0.0f;
    for (std::size_t i = 0; i < nq; ++i) wq = std::max(wq, width_of(label(queries, i)));
    for (std::size_t j = 0; j < nk; ++j) wk = std::max(wk, width_of(label(keys, j)));
    const float pad = font_px * 0.4f;
    wq = std::min(wq, max_col) + pad;
    wk = std::min(wk, max_col) + pad;
    const float top_q = origin.y + 0.5f * (size.y - row_h * static_cast<float>(nq));
    const float top_k = origin.y + 0.5f * (size.y - row_h * static_cast<float>(nk));
    const float xq = origin.x + wq, xk = origin.x + size.x - wk;  // line ends
    auto yq = [&](std::size_t i) { return top_q + (static_cast<float>(i) + 0.5f) * row_h; };
    auto yk = [&](std::size_t j) { return top_k + (static_cast<float>(j) + 0.5f) * row_h; };
    auto pending = [&](std::size_t i) {
        return opt.row_pending && i < opt.row_pending->size() && (*opt.row_pending)[i];
    };

    // Which token the mouse is on: the label columns are the hit areas.
    if (item_hovered) {
        const ImVec2 m = ImGui::GetIO().MousePos;
        if (m.x >= origin.x && m.x < xq + pad && m.y >= top_q && m.y < top_q + row_h * static_cast<float>(nq))
            hover.query = static_cast<int>(std::min(nq - 1, static_cast<std::size_t>((m.y - top_q) / row_h)));
        else if (m.x >= xk - pad && m.x < origin.x + size.x && m.y >= top_k &&
                 m.y < top_k + row_h * static_cast<float>(nk))
            hover.key = static_cast<int>(std::min(nk - 1, static_cast<std::size_t>((m.y - top_k) / row_h)));
    }
    const int focus_q = hover.key >= 0 ? -1 : hover.query >= 0 ? hover.query : opt.highlight_query;
    const int focus_k = hover.key;

    // Weak lines first so strong ones stay on top.
    std::vector<Line> lines;
    lines.reserve(nq * nk);
    for (std::size_t i = 0; i < nq; ++i) {
        if (pending(i)) continue;
        for (std::size_t j = 0; j < nk; ++j) {
            const float w = weights(i, j);
            if (std::isfinite(w) && w >= opt.min_weight) lines.push_back({i, j, std::min(w, 1.0f)});
        }
    }
    std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.w < b.w; });
    const float thick = opt.max_thickness * font_px / 16.0f;
    const bool focused = focus_q >= 0 || focus_k >= 0;
    dl->PushClipRect(origin, ImVec2(origin.x + size.x, origin.y + size.y), true);
    for (int pass = 0; pass < (focused ? 2 : 1); ++pass)  // focused: faded lines, then the focus on top
        for (const Line& l : lines) {
            const bool mine = static_cast<int>(l.i) == focus_q || static_cast<int>(l.j) == focus_k;
            if (focused && mine != (pass == 1)) continue;
            const float alpha = (0.25f + 0.75f * l.w) * (focused && !mine ? 0.12f : 1.0f);
            dl->AddLine(ImVec2(xq + pad * 0.5f, yq(l.i)), ImVec2(xk - pad * 0.5f, yk(l.j)),
                        line_colour(opt.colormap, l.w, alpha), std::max(1.0f, l.w * thick));
        }

    // Labels: queries right-aligned against their line ends, keys left-aligned.
    const ImU32 ink = ImGui::GetColorU32(ImGuiCol_Text), dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    const ImU32 mark = ImGui::GetColorU32(ImGuiCol_HeaderHovered);
    for (std::size_t i = 0; i < nq; ++i) {
        const float y = yq(i);
        if (static_cast<int>(i) == focus_q)
            dl->AddRectFilled(ImVec2(origin.x, y - row_h * 0.5f), ImVec2(xq, y + row_h * 0.5f), mark);
        if (!draw_text) continue;
        const std::string s = label(queries, i);
        const float w = std::min(width_of(s), max_col);
        const ImVec4 clip(origin.x, y - row_h, xq, y + row_h);
        dl->AddText(font, text_px, ImVec2(xq - pad * 0.5f - w, y - text_px * 0.5f), pending(i) ? dim : ink, s.c_str(),
                    nullptr, 0.0f, &clip);
    }
    for (std::size_t j = 0; j < nk; ++j) {
        const float y = yk(j);
        if (static_cast<int>(j) == focus_k)
            dl->AddRectFilled(ImVec2(xk, y - row_h * 0.5f), ImVec2(origin.x + size.x, y + row_h * 0.5f), mark);
        if (!draw_text) continue;
        const std::string s = label(keys, j);
        const ImVec4 clip(xk, y - row_h, origin.x + size.x, y + row_h);
        dl->AddText(font, text_px, ImVec2(xk + pad * 0.5f, y - text_px * 0.5f), ink, s.c_str(), nullptr, 0.0f, &clip);
    }
    dl->PopClipRect();

    // Tooltip: where the hovered token's attention goes, or where a key's attention comes from.
    if (hover.query >= 0 || hover.key >= 0) {
        std::vector<std::pair<float, std::size_t>> top;
        char heading[160];
        if (hover.query >= 0) {
            const auto i = static_cast<std::size_t>(hover.query);
            if (pending(i)) {
                std::snprintf(heading, sizeof heading, "query %zu \"%s\": not computed yet at this step", i,
                              label(queries, i).c_str());
            } else {
                for (std::size_t j = 0; j < nk; ++j)
                    if (std::isfinite(weights(i, j))) top.emplace_back(weights(i, j), j);
                std::snprintf(heading, sizeof heading, "query %zu \"%s\" attends to:", i, label(queries, i).c_str());
            }
            std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
            list_top(heading, top, keys);
        } else {
            const auto j = static_cast<std::size_t>(hover.key);
            for (std::size_t i = 0; i < nq; ++i)
                if (!pending(i) && std::isfinite(weights(i, j))) top.emplace_back(weights(i, j), i);
            std::snprintf(heading, sizeof heading, "key %zu \"%s\" is attended by:", j, label(keys, j).c_str());
            std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
            list_top(heading, top, queries);
        }
    }
    ImGui::PopID();
    return hover;
}

}  // namespace attn::ui
