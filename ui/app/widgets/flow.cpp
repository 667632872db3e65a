// flow.cpp: see flow.hpp.
#include "widgets/flow.hpp"

#include "imgui.h"

namespace attn::ui {

float button_width(const char* label) {
    return ImGui::CalcTextSize(label, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2.0f;
}

bool flow_same_line(float next_width, float spacing) {
    if (spacing < 0.0f) spacing = ImGui::GetStyle().ItemSpacing.x;
    // The right edge of the content region, in screen coordinates.
    const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
    if (ImGui::GetItemRectMax().x + spacing + next_width > right) return false;
    ImGui::SameLine(0.0f, spacing);
    return true;
}

}  // namespace attn::ui
