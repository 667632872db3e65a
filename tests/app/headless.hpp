// headless.hpp: the App without a window for the app tests: a Dear ImGui context with a built
// font atlas and a 1280×800 display whose frames are built and never rendered (no GL), and a
// platform that records the links the app reports.
#pragma once

#include <imgui.h>

#include <string>

#include "app.hpp"

namespace attn::ui::test {

using attn::ui::App;

class NullPlatform final : public attn::ui::Platform {
public:
    std::string save_file(const std::string& name, const std::string&, const std::string&) override {
        return "saved " + name;
    }
    void copy_text(const std::string&) override {}
    void link_changed(const std::string& q) override {
        ++link_changes;
        last = q;
    }
    std::string full_link(const std::string& q) const override { return "?" + q; }
    int link_changes = 0;
    std::string last;
};

class Headless {
public:
    Headless() {
        ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        io.DisplaySize = ImVec2(1280, 800);
        unsigned char* px = nullptr;
        int w = 0, h = 0;
        io.Fonts->GetTexDataAsRGBA32(&px, &w, &h);
    }
    ~Headless() { ImGui::DestroyContext(); }
    // Frames while `more` holds, at most 2000 of them; returns how many.
    template <class F>
    int frames_while(App& app, F more) {
        int n = 0;
        while (more() && n < 2000) frame(app), ++n;
        return n;
    }
    void frame(App& app, double dt = 1.0 / 60) {
        ImGui::GetIO().DeltaTime = static_cast<float>(dt);
        ImGui::NewFrame();
        app.frame(dt);
        ImGui::Render();
    }
};

}  // namespace attn::ui::test
