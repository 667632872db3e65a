// flow.cpp: see flow.hpp.
#include "widgets/flow.hpp"

#include "imgui.h"

namespace attn::ui {

float button_width(const char* label) {
    return ImGui::CalcTextSize(label, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2.0f;
}

void flow_same_line(float next_width) {
    const ImGuiStyle& style = ImGui::GetStyle();
    // The right edge of the content region, in screen coordinates.
    const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
    if (ImGui::GetItemRectMax().x + style.ItemSpacing.x + next_width <= right) ImGui::SameLine();
}

}  // namespace attn::ui
