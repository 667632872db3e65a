// focus.cpp
#include "focus.hpp"

#include <imgui.h>

#include <utility>

namespace attn::ui {

namespace {
std::string& focused_text() {
    static std::string text;  // one ImGui context, one frame at a time
    return text;
}
}  // namespace

void describe_focus(const std::string& text) {
    if (ImGui::IsItemFocused()) focused_text() = text;
}

void clear_focus() { focused_text().clear(); }

std::string take_focus() { return std::exchange(focused_text(), std::string()); }

}  // namespace attn::ui
