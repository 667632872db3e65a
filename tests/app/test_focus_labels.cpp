// The screen-reader mirror's fallback (widgets/focus.cpp): a focused widget that does not
// describe itself is named by its own label, without the "##id" part; a description given with
// describe_focus() wins; a widget that is not focused says nothing.
#include <catch2/catch.hpp>
#include <imgui.h>
#include <imgui_internal.h>

#include <string>

#include "headless.hpp"
#include "widgets/focus.hpp"

using attn::ui::clear_focus;
using attn::ui::describe_focus;
using attn::ui::take_focus;

namespace {

// One ImGui frame with two buttons; `focus` (0, 1 or 2) gives the keyboard focus to none, the
// first or the second; `describe` adds a description to the second. Returns take_focus().
std::string frame(int focus, bool describe) {
    ImGui::GetIO().DeltaTime = 1.0f / 60;
    ImGui::NewFrame();
    clear_focus();
    ImGui::Begin("w");
    ImGui::Button("One step##train");
    if (focus == 1) ImGui::SetFocusID(ImGui::GetItemID(), ImGui::GetCurrentWindow());
    ImGui::Button("Export model");
    if (focus == 2) ImGui::SetFocusID(ImGui::GetItemID(), ImGui::GetCurrentWindow());
    if (describe) describe_focus("export the model as a safetensors file");
    ImGui::End();
    ImGui::Render();
    return take_focus();
}

}  // namespace

TEST_CASE("focus: a focused widget without a description is named by its label", "[app][a11y]") {
    attn::ui::test::Headless ui;
    CHECK(frame(0, false).empty());
    frame(1, false);  // the focus is set during this frame; the next one reports it
    CHECK(frame(0, false) == "One step");
    frame(2, false);
    CHECK(frame(0, false) == "Export model");
    CHECK(frame(0, true) == "export the model as a safetensors file");
}
