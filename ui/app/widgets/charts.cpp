// charts.cpp
#include "charts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace attn::ui {

void line_plot(const char* id, const std::vector<float>& x, const std::vector<Series>& series, ImVec2 size, bool log_x,
               float y_min, float y_max, float marker_x) {
    ImGui::PushID(id);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("plot", size);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float pad = ImGui::GetFontSize() * 2.2f;
    const ImVec2 a(p0.x + pad, p0.y + ImGui::GetFontSize() * 0.5f), b(p0.x + size.x - 4, p0.y + size.y - pad * 0.7f);
    dl->AddRectFilled(a, b, ImGui::GetColorU32(ImGuiCol_FrameBg));
    if (x.size() < 2 || !(y_max > y_min)) {
        ImGui::PopID();
        return;
    }
    auto fx = [&](float v) {
        const float lo = log_x ? std::log2(x.front()) : x.front(), hi = log_x ? std::log2(x.back()) : x.back();
        const float t = ((log_x ? std::log2(v) : v) - lo) / (hi - lo);
        return a.x + t * (b.x - a.x);
    };
    auto fy = [&](float v) { return b.y - (std::clamp(v, y_min, y_max) - y_min) / (y_max - y_min) * (b.y - a.y); };
    const ImU32 text = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    char buf[32];
    for (float xv : x) {
        std::snprintf(buf, sizeof buf, "%g", static_cast<double>(xv));
        const float w = ImGui::CalcTextSize(buf).x;
        dl->AddText(ImVec2(std::min(fx(xv) - w * 0.5f, b.x - w), b.y + 2), text, buf);
    }
    for (float yv : {y_min, 0.5f * (y_min + y_max), y_max}) {
        std::snprintf(buf, sizeof buf, "%.2g", static_cast<double>(yv));
        dl->AddText(ImVec2(p0.x, fy(yv) - ImGui::GetFontSize() * 0.5f), text, buf);
    }
    if (std::isfinite(marker_x) && marker_x >= x.front() && marker_x <= x.back())
        dl->AddLine(ImVec2(fx(marker_x), a.y), ImVec2(fx(marker_x), b.y), IM_COL32(255, 80, 60, 200), 2.0f);
    float legend_x = a.x + 6;
    for (const Series& s : series) {
        for (std::size_t i = 1; i < x.size() && i < s.y.size(); ++i)
            if (std::isfinite(s.y[i - 1]) && std::isfinite(s.y[i]))
                dl->AddLine(ImVec2(fx(x[i - 1]), fy(s.y[i - 1])), ImVec2(fx(x[i]), fy(s.y[i])), s.color, 2.0f);
        dl->AddText(ImVec2(legend_x, a.y + 2), s.color, s.name.c_str());
        legend_x += ImGui::CalcTextSize(s.name.c_str()).x + ImGui::GetFontSize();
    }
    ImGui::PopID();
}

int bar_chart(const char* id, const std::vector<float>& values, const std::vector<std::string>* labels, ImVec2 size,
              float max_value, ImU32 color) {
    ImGui::PushID(id);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("bars", size);
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float label_h = labels ? ImGui::GetFontSize() * 1.2f : 0.0f;
    const ImVec2 a = p0, b(p0.x + size.x, p0.y + size.y - label_h);
    dl->AddRectFilled(a, b, ImGui::GetColorU32(ImGuiCol_FrameBg));
    int hit = -1;
    if (!values.empty() && max_value > 0) {
        const float w = (b.x - a.x) / static_cast<float>(values.size());
        for (std::size_t i = 0; i < values.size(); ++i) {
            const float v = std::isfinite(values[i]) ? std::clamp(values[i] / max_value, 0.0f, 1.0f) : 0.0f;
            const float x0 = a.x + w * static_cast<float>(i) + std::min(2.0f, w * 0.15f);
            const float x1 = a.x + w * static_cast<float>(i + 1) - std::min(2.0f, w * 0.15f);
            dl->AddRectFilled(ImVec2(x0, b.y - v * (b.y - a.y)), ImVec2(x1, b.y), color);
            if (labels && i < labels->size() && ImGui::CalcTextSize((*labels)[i].c_str()).x <= w)
                dl->AddText(ImVec2(x0, b.y + 2), ImGui::GetColorU32(ImGuiCol_Text), (*labels)[i].c_str());
            const ImVec2 m = ImGui::GetIO().MousePos;
            if (hovered && m.x >= a.x + w * static_cast<float>(i) && m.x < a.x + w * static_cast<float>(i + 1)) {
                hit = static_cast<int>(i);
                ImGui::SetTooltip("%s: %.4f",
                                  labels && i < labels->size() ? (*labels)[i].c_str() : std::to_string(i).c_str(),
                                  static_cast<double>(values[i]));
            }
        }
    }
    ImGui::PopID();
    return hit;
}

}  // namespace attn::ui
