// charts.cpp
#include "charts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

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

namespace {

// A round tick spacing giving about `count` ticks over [0, span]: 1, 2 or 5 times a power of 10.
float tick_step(float span, int count) {
    const float raw = span / static_cast<float>(std::max(count, 1));
    const float p = std::pow(10.0f, std::floor(std::log10(std::max(raw, 1e-30f))));
    for (float m : {1.0f, 2.0f, 5.0f})
        if (m * p >= raw) return m * p;
    return 10.0f * p;
}

}  // namespace

void curve_plot(const char* id, const std::vector<Curve>& curves, ImVec2 size, float x_max, float y_min, float y_max,
                bool log_y) {
    ImGui::PushID(id);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("plot", size);
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float font = ImGui::GetFontSize();
    // Legend entries flow left to right above the plot, wrapping into as many rows as they need.
    const float left = p0.x + font * 2.6f, right = p0.x + size.x - font * 0.8f;
    std::vector<ImVec2> legend;
    float lx = left, ly = p0.y;
    for (const Curve& c : curves) {
        const float w = font * 1.3f + ImGui::CalcTextSize(c.name.c_str()).x;
        if (lx > left && lx + w > right) lx = left, ly += font * 1.2f;
        legend.emplace_back(lx, ly);
        lx += w + font;
    }
    const ImVec2 a(left, ly + font * 1.4f), b(right, p0.y + size.y - font * 1.3f);
    dl->AddRectFilled(a, b, ImGui::GetColorU32(ImGuiCol_FrameBg));
    if (log_y) {
        y_min = std::max(y_min, 1e-12f);
        y_max = std::max(y_max, y_min * 10.0f);
    }
    if (!(x_max > 0) || !(y_max > y_min) || b.x <= a.x || b.y <= a.y) {
        ImGui::PopID();
        return;
    }
    const float ly0 = log_y ? std::log10(y_min) : y_min, ly1 = log_y ? std::log10(y_max) : y_max;
    auto fx = [&](float v) { return a.x + std::clamp(v / x_max, 0.0f, 1.0f) * (b.x - a.x); };
    auto fy = [&](float v) {
        const float t = ((log_y ? std::log10(v) : v) - ly0) / (ly1 - ly0);
        return b.y - std::clamp(t, 0.0f, 1.0f) * (b.y - a.y);
    };
    auto drawable = [&](float v) { return std::isfinite(v) && (!log_y || v > 0.0f); };
    const ImU32 text = ImGui::GetColorU32(ImGuiCol_TextDisabled), grid = ImGui::GetColorU32(ImGuiCol_Border);
    char buf[32];
    // x ticks: round step numbers.
    const float xs = tick_step(x_max, std::max(2, static_cast<int>((b.x - a.x) / (font * 5.0f))));
    for (float v = 0; v <= x_max * 1.0001f; v += xs) {
        std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
        const float w = ImGui::CalcTextSize(buf).x;
        dl->AddLine(ImVec2(fx(v), a.y), ImVec2(fx(v), b.y), grid);
        dl->AddText(ImVec2(std::clamp(fx(v) - w * 0.5f, p0.x, b.x - w), b.y + 2), text, buf);
    }
    // y ticks: decades on a log axis, else about four round values.
    if (log_y) {
        for (float e = std::ceil(ly0); e <= ly1 + 1e-4f; e += 1.0f) {
            const float v = std::pow(10.0f, e);
            std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
            dl->AddLine(ImVec2(a.x, fy(v)), ImVec2(b.x, fy(v)), grid);
            dl->AddText(ImVec2(p0.x, fy(v) - font * 0.5f), text, buf);
        }
    } else {
        const float ys = tick_step(y_max - y_min, 4);
        for (float v = std::ceil(y_min / ys) * ys; v <= y_max + ys * 1e-3f; v += ys) {
            std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
            dl->AddLine(ImVec2(a.x, fy(v)), ImVec2(b.x, fy(v)), grid);
            dl->AddText(ImVec2(p0.x, fy(v) - font * 0.5f), text, buf);
        }
    }
    dl->PushClipRect(a, b, true);
    for (const Curve& c : curves) {
        const std::size_t n = std::min(c.x.size(), c.y.size());
        for (std::size_t i = 1; i < n; ++i)
            if (drawable(c.y[i - 1]) && drawable(c.y[i]))
                dl->AddLine(ImVec2(fx(c.x[i - 1]), fy(c.y[i - 1])), ImVec2(fx(c.x[i]), fy(c.y[i])), c.color,
                            c.thickness);
        if (n == 1 && drawable(c.y[0]))
            dl->AddCircleFilled(ImVec2(fx(c.x[0]), fy(c.y[0])), c.thickness * 1.5f, c.color);
    }
    dl->PopClipRect();
    for (std::size_t k = 0; k < curves.size(); ++k) {
        const ImVec2 at = legend[k];
        dl->AddLine(ImVec2(at.x, at.y + font * 0.6f), ImVec2(at.x + font, at.y + font * 0.6f), curves[k].color, 3.0f);
        dl->AddText(ImVec2(at.x + font * 1.3f, at.y), ImGui::GetColorU32(ImGuiCol_Text), curves[k].name.c_str());
    }
    if (hovered) {
        const float mx = (ImGui::GetIO().MousePos.x - a.x) / (b.x - a.x) * x_max;
        std::string tip;
        for (const Curve& c : curves) {
            const std::size_t n = std::min(c.x.size(), c.y.size());
            std::size_t k = n;
            for (std::size_t i = 0; i < n && c.x[i] <= mx; ++i) k = i;
            if (k == n || !std::isfinite(c.y[k])) continue;
            std::snprintf(buf, sizeof buf, "%g: ", static_cast<double>(c.x[k]));
            tip += c.name + " at " + buf;
            std::snprintf(buf, sizeof buf, "%.4g\n", static_cast<double>(c.y[k]));
            tip += buf;
        }
        if (!tip.empty()) {
            tip.pop_back();
            ImGui::SetTooltip("%s", tip.c_str());
        }
    }
    ImGui::PopID();
}

}  // namespace attn::ui
