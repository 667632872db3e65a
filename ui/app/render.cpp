// render.cpp
#include "render.hpp"

#include <imgui.h>
#include <imgui_impl_opengl3.h>

#include "app.hpp"
#include "font_dejavu.hpp"  // generated: kFontDejaVuSans, kFontDejaVuSans_size
#include "gl.hpp"
#include "widgets/heatmap.hpp"

namespace attn::ui {

namespace {

const ImWchar* glyph_ranges() {
    static const ImWchar ranges[] = {
        0x0020, 0x00FF,  // Basic Latin + Latin-1 (×, ·, ², ³)
        0x0370, 0x03FF,  // Greek (α, Σ, σ, θ)
        0x1D00, 0x1DBF,  // phonetic extensions: modifier letters (ᵀ)
        0x2000, 0x206F,  // punctuation (‖, …, –)
        0x2070, 0x209F,  // superscripts and subscripts
        0x2190, 0x21FF,  // arrows
        0x2200, 0x22FF,  // mathematical operators (√, ∑, −, ∞, ⊙, ≤)
        0x25A0, 0x25FF,  // geometric shapes (▶, ■)
        0,
    };
    return ranges;
}

}  // namespace

bool renderer_init() {
#if defined(__EMSCRIPTEN__)
    return ImGui_ImplOpenGL3_Init("#version 300 es");
#else
    return ImGui_ImplOpenGL3_Init("#version 330 core");
#endif
}

void renderer_shutdown() {
    release_heatmap_gl();
    ImGui_ImplOpenGL3_Shutdown();
}

void renderer_update_fonts(App& app) {
    if (!app.take_fonts_changed()) return;
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    ImFontConfig cfg;
    cfg.FontDataOwnedByAtlas = false;  // the bytes are a static array
    cfg.OversampleH = 2;
    io.Fonts->AddFontFromMemoryTTF(const_cast<unsigned char*>(kFontDejaVuSans), static_cast<int>(kFontDejaVuSans_size),
                                   app.font_pixels(), &cfg, glyph_ranges());
    io.Fonts->Build();
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();
}

void renderer_new_frame() { ImGui_ImplOpenGL3_NewFrame(); }

void renderer_draw(int w, int h) {
    ImGui::Render();
    glViewport(0, 0, w, h);
    const ImVec4 bg = ImGui::GetStyleColorVec4(ImGuiCol_WindowBg);
    glClearColor(bg.x, bg.y, bg.z, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

}  // namespace attn::ui
