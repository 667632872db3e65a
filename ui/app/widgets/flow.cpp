// flow.cpp: see flow.hpp.
#include "widgets/flow.hpp"

#include "imgui.h"

namespace attn::ui {

float button_width(const char* label) {
    return ImGui::CalcTextSize(label, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2.0f;
}

float visible_right_edge() {
    // The content region's maximum is in content space (it moves with the scroll): add it back.
    return ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x + ImGui::GetScrollX();
}

void push_wrap_at_visible_edge() {
    // PushTextWrapPos takes window-local x: screen x − window x + scroll.
    ImGui::PushTextWrapPos(visible_right_edge() - ImGui::GetWindowPos().x + ImGui::GetScrollX());
}

bool fits_after_last_item(float width, float spacing) {
    if (spacing < 0.0f) spacing = ImGui::GetStyle().ItemSpacing.x;
    return ImGui::GetItemRectMax().x + spacing + width <= visible_right_edge();
}

bool flow_same_line(float next_width, float spacing) {
    if (!fits_after_last_item(next_width, spacing)) return false;
    ImGui::SameLine(0.0f, spacing < 0.0f ? ImGui::GetStyle().ItemSpacing.x : spacing);
    return true;
}

}  // namespace attn::ui
