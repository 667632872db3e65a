// param_widgets.cpp
#include "param_widgets.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "focus.hpp"

namespace attn::ui {

namespace {

ImGuiSliderFlags slider_flags(const Param& p) { return p.log ? ImGuiSliderFlags_Logarithmic : 0; }

// An integer slider. With a live_max, values above it are applied only when the slider is
// released (draw_params shows the value dragged to meanwhile).
bool int_slider(Param& p, int hi) {
    const int lo = static_cast<int>(p.min);
    const int current = static_cast<int>(p.get());
    const bool deferred = std::isfinite(p.live_max);
    if (!p.dragging) p.drag_value = current;
    int v = deferred ? static_cast<int>(p.drag_value) : current;
    bool changed = false;
    if (ImGui::SliderInt(p.label.c_str(), &v, lo, hi, p.format.c_str(), slider_flags(p))) {
        v = std::clamp(v, lo, hi);
        if (!deferred) {
            p.set(v);
            return true;
        }
        p.dragging = true;
        p.drag_value = v;
        if (v <= p.live_max && current <= p.live_max) {
            p.set(v);
            changed = true;
        }
    }
    if (p.dragging && !ImGui::IsItemActive()) {
        p.dragging = false;
        if (static_cast<int>(p.drag_value) != static_cast<int>(p.get())) {
            p.set(p.drag_value);
            changed = true;
        }
    }
    return changed;
}

bool widget(Param& p) {
    const double hi = p.slider_max ? std::min(p.max, p.slider_max()) : p.max;
    switch (p.widget) {
        case Param::Widget::slider:
            if (p.type == Param::Type::real) {
                float v = static_cast<float>(p.get());
                const float lo_f = static_cast<float>(p.min), hi_f = static_cast<float>(hi);
                if (!ImGui::SliderFloat(p.label.c_str(), &v, lo_f, hi_f, p.format.c_str(), slider_flags(p)))
                    return false;
                p.set(std::clamp(v, lo_f, hi_f));
                return true;
            }
            return int_slider(p, static_cast<int>(hi));
        case Param::Widget::seed: {
            int v = static_cast<int>(p.get());
            if (!ImGui::InputInt(p.label.c_str(), &v)) return false;
            p.set(std::clamp(v, static_cast<int>(p.min), static_cast<int>(p.max)));
            return true;
        }
        case Param::Widget::checkbox: {
            bool v = p.get() != 0;
            if (!ImGui::Checkbox(p.label.c_str(), &v)) return false;
            p.set(v ? 1 : 0);
            return true;
        }
        case Param::Widget::combo: {
            std::vector<const char*> items;
            for (const auto& c : p.choice_labels) items.push_back(c.c_str());
            int v = static_cast<int>(p.get());
            if (!ImGui::Combo(p.label.c_str(), &v, items.data(), static_cast<int>(items.size()))) return false;
            p.set(std::clamp(v, 0, static_cast<int>(items.size()) - 1));
            return true;
        }
        case Param::Widget::none: return false;
    }
    return false;
}

// [0]: the frame being built, [1]: the last finished frame.
std::vector<ParamRect> g_rects[2];

// The parameter as a screen reader says it: "tokens n: 8", "scale by 1/√d_k: on".
std::string spoken(const Param& p) {
    const double v = p.get();
    char buf[96] = "";
    switch (p.widget) {
        case Param::Widget::checkbox: return p.label + (v != 0 ? ": on" : ": off");
        case Param::Widget::combo: {
            const auto i = static_cast<std::size_t>(std::max(0.0, v));
            return p.label + ": " + (i < p.choice_labels.size() ? p.choice_labels[i] : std::string());
        }
        case Param::Widget::slider:
            if (p.type == Param::Type::real)
                std::snprintf(buf, sizeof buf, p.format.empty() ? "%.3g" : p.format.c_str(), v);
            else
                std::snprintf(buf, sizeof buf, p.format.empty() ? "%d" : p.format.c_str(), static_cast<int>(v));
            return p.label + ": " + buf;
        case Param::Widget::seed:
        case Param::Widget::none: break;
    }
    return p.label + ": " + std::to_string(static_cast<long>(v));
}

}  // namespace

const std::vector<ParamRect>& param_rects_last_frame() { return g_rects[1]; }

void param_rects_new_frame() {
    g_rects[0].swap(g_rects[1]);
    g_rects[0].clear();
}

void record_widget(const std::string& name, const char* kind) {
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    g_rects[0].push_back({name, kind, a.x, a.y, b.x, b.y});
}

bool draw_params(ParamSet& params, const std::string& group) {
    const float width = params.widget_width();
    if (width > 0) ImGui::PushItemWidth(ImGui::GetFontSize() * width);
    bool changed = false;
    for (Param& p : params.all()) {
        if (p.group != group || p.widget == Param::Widget::none || (p.shown && !p.shown()) || params.hidden(p.name))
            continue;
        if (p.separator) ImGui::Separator();
        if (!p.heading.empty()) ImGui::TextUnformatted(p.heading.c_str());
        const bool edited = widget(p);
        static const char* const kinds[] = {"slider", "checkbox", "combo", "seed", "none"};
        record_widget(p.name, kinds[static_cast<int>(p.widget)]);
        if (ImGui::IsItemFocused()) describe_focus(spoken(p));
        if (!p.tooltip.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", p.tooltip.c_str());
        changed = changed || (edited && p.recompute);
        if (p.dragging && static_cast<int>(p.drag_value) != static_cast<int>(p.get()))
            ImGui::TextDisabled("release to compute %s = %d", p.name.c_str(), static_cast<int>(p.drag_value));
        if (p.note) {
            const std::string text = p.note();
            if (!text.empty()) {
                if (p.note_dim)
                    ImGui::TextDisabled("%s", text.c_str());
                else
                    ImGui::TextUnformatted(text.c_str());
            }
        }
    }
    if (width > 0) ImGui::PopItemWidth();
    return changed;
}

}  // namespace attn::ui
