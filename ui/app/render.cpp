// render.cpp
#include "render.hpp"

#include <imgui.h>
#include <imgui_impl_opengl3.h>

#include "app.hpp"
#include "font_dejavu.hpp"  // generated: kFontDejaVuSans, kFontDejaVuSans_size (the subset font)
#include "font_glyphs.hpp"  // generated from font/glyphs.txt: kFontGlyphRanges
#include "gl.hpp"
#include "widgets/heatmap.hpp"

namespace attn::ui {

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
                                   app.font_pixels(), &cfg, kFontGlyphRanges);
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
