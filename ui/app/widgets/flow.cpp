// flow.cpp: see flow.hpp.
#include "widgets/flow.hpp"

#include "imgui.h"

namespace attn::ui {

float button_width(const char* label) {
    return ImGui::CalcTextSize(label, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2.0f;
}

bool fits_after_last_item(float width, float spacing) {
    if (spacing < 0.0f) spacing = ImGui::GetStyle().ItemSpacing.x;
    // The right edge of the content region, in screen coordinates.
    const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
    return ImGui::GetItemRectMax().x + spacing + width <= right;
}

bool flow_same_line(float next_width, float spacing) {
    if (!fits_after_last_item(next_width, spacing)) return false;
    ImGui::SameLine(0.0f, spacing < 0.0f ? ImGui::GetStyle().ItemSpacing.x : spacing);
    return true;
}

}  // namespace attn::ui
