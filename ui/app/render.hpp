// render.hpp: ImGui's OpenGL 3 renderer, shared by both shells (GL is the same API on the
// desktop and in WebGL2; only the #version line differs). Fonts: DejaVu Sans (embedded at
// build time from Debian's fonts-dejavu-core) with the Greek and mathematical symbols the
// formulas use, rebuilt at the presenter-mode size.
#pragma once

namespace attn::ui {

class App;

bool renderer_init();  // after ImGui::CreateContext and a current GL context
void renderer_shutdown();
// Rebuild the font atlas if the app asked for another size. Call before ImGui::NewFrame.
void renderer_update_fonts(App& app);
void renderer_new_frame();
// Clear to the theme background and draw ImGui's draw data into a w×h framebuffer.
void renderer_draw(int framebuffer_w, int framebuffer_h);

}  // namespace attn::ui
