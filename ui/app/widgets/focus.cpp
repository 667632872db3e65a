// focus.cpp
#include "focus.hpp"

#include <imgui.h>
#include <imgui_internal.h>

#include <cstring>
#include <utility>

namespace attn::ui {

namespace {
std::string& focused_text() {
    static std::string text;  // one ImGui context, one frame at a time
    return text;
}
std::string& focused_label() {
    static std::string label;  // the focused widget's own label, when it says nothing more
    return label;
}
}  // namespace

void describe_focus(const std::string& text) {
    if (ImGui::IsItemFocused()) focused_text() = text;
}

void clear_focus() {
    focused_text().clear();
    focused_label().clear();
    if (ImGuiContext* g = ImGui::GetCurrentContext()) g->TestEngineHookItems = true;
}

std::string take_focus() {
    std::string label = std::exchange(focused_label(), std::string());
    std::string text = std::exchange(focused_text(), std::string());
    return text.empty() ? label : text;
}

}  // namespace attn::ui

// ImGui's item hooks (IMGUI_ENABLE_TEST_ENGINE, ui/app/CMakeLists.txt): every widget reports its
// label; the focused one's, without its "##id" part, is the fallback description.
void ImGuiTestEngineHook_ItemAdd(ImGuiContext*, const ImRect&, ImGuiID) {}
void ImGuiTestEngineHook_ItemInfo(ImGuiContext* ctx, ImGuiID id, const char* label, ImGuiItemStatusFlags) {
    if (!ctx || !label || id == 0 || id != ctx->NavId) return;
    const char* end = std::strstr(label, "##");
    const std::size_t n = end ? static_cast<std::size_t>(end - label) : std::strlen(label);
    if (n > 0) attn::ui::focused_label().assign(label, n);
}
void ImGuiTestEngineHook_Log(ImGuiContext*, const char*, ...) {}
const char* ImGuiTestEngine_FindItemDebugLabel(ImGuiContext*, ImGuiID) { return ""; }  // ImGui prints it
