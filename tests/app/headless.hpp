// headless.hpp: the App without a window for the app tests: a Dear ImGui context with a built
// font atlas and a 1280×800 display whose frames are built and never rendered (no GL), and a
// platform that records the links the app reports.
#pragma once

#include <imgui.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "app.hpp"

namespace attn::ui::test {

using attn::ui::App;

class NullPlatform final : public attn::ui::Platform {
public:
    Saved save_file(const std::string& name, const std::string&, const std::string& bytes) override {
        if (fail_saves) return {false, "could not write " + name};
        saved_name = name;
        saved_bytes = bytes;
        return {true, "saved " + name};
    }
    void copy_text(const std::string&) override {}
    void link_changed(const std::string& q) override {
        ++link_changes;
        last = q;
    }
    std::string full_link(const std::string& q) const override { return "?" + q; }
    // Shipped files: from the source tree (ATTN_SOURCE_DIR), unless a test replaced a path's
    // answer (replies: bytes and error), or holds the answers back (defer: answer_pending()).
    void request_asset(const std::string& path, AssetDone done) override {
        ++asset_requests;
        if (defer) {
            pending.emplace_back(path, std::move(done));
            return;
        }
        answer(path, done);
    }
    void answer_pending() {
        auto p = std::move(pending);
        pending.clear();
        for (auto& [path, done] : p) answer(path, done);
    }
    void answer(const std::string& path, const AssetDone& done) {
        const auto r = replies.find(path);
        if (r != replies.end()) return done(r->second.first, r->second.second);
        std::ifstream f(std::string(ATTN_SOURCE_DIR) + "/" + path, std::ios::binary);
        if (!f) return done({}, "cannot open " + path);
        std::ostringstream bytes;
        bytes << f.rdbuf();
        done(bytes.str(), "");
    }
    int link_changes = 0;
    std::string last;
    int asset_requests = 0;
    std::string saved_name, saved_bytes;  // the last file offered to the user
    bool fail_saves = false;              // save_file fails, as a full or read-only disk would
    bool defer = false;
    std::map<std::string, std::pair<std::string, std::string>> replies;
    std::vector<std::pair<std::string, AssetDone>> pending;
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
