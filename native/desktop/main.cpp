// attnlab-desktop: the ui/ app in a GLFW window with OpenGL 3.3.
//
//   attnlab-desktop [--lesson ID] [--link QUERY] [--screenshot FILE --frames N] [--stats] [--state]
//
// --screenshot renders N frames, saves the last framebuffer as PNG and exits (used by the
// smoke tests under Xvfb); --stats then prints the frame times as JSON (frames per second,
// and the time the live lesson spent per frame against its budget). Files dropped on the window open as images (png,
// jpg, bmp, gif), scenarios (json) or trained models (safetensors, for the Training lesson).
// Shipped models (models/*.safetensors) are read from next to the executable or the source tree.
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <CLI/CLI.hpp>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include <unistd.h>

#include "app.hpp"
#include "gl.hpp"
#include "render.hpp"

namespace {

class DesktopPlatform final : public attn::ui::Platform {
public:
    GLFWwindow* window = nullptr;

    Saved save_file(const std::string& name, const std::string&, const std::string& bytes) override {
        std::ofstream f(name, std::ios::binary);
        f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!f) return {false, "could not write " + name};
        return {true, "saved " + name};
    }
    void copy_text(const std::string& text) override { glfwSetClipboardString(window, text.c_str()); }
    std::string full_link(const std::string& query) const override { return "attnlab-desktop --link '" + query + "'"; }
    bool read_file(const std::string& path, std::string& bytes, std::string& error) override {
        std::ifstream f(path, std::ios::binary);
        if (!f) {
            error = "cannot open " + path;
            return false;
        }
        f.seekg(0, std::ios::end);
        const auto size = f.tellg();
        if (size > (64 << 20)) {
            error = path + " is larger than 64 MiB";
            return false;
        }
        f.seekg(0);
        bytes.assign(static_cast<std::size_t>(size), '\0');
        f.read(bytes.data(), size);
        return true;
    }  // Shipped files (models/…): next to the executable first (an installed or copied app), then
    // the source tree the app was built from. Answered before returning.
    void request_asset(const std::string& path, AssetDone done) override {
        std::string bytes, err, tried;
        for (const std::string& root : asset_roots()) {
            if (read_file(root + "/" + path, bytes, err)) return done(bytes, "");
            tried += (tried.empty() ? "" : ", ") + root + "/" + path;
        }
        done({}, "not found (looked for " + tried + ")");
    }
    static std::vector<std::string> asset_roots() {
        std::vector<std::string> roots;
        char exe[4096];
        const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
            std::string dir(exe, static_cast<std::size_t>(n));
            roots.push_back(dir.substr(0, dir.find_last_of('/')));
        }
#ifdef ATTN_SOURCE_DIR
        roots.push_back(ATTN_SOURCE_DIR);
#endif
        return roots;
    }
};

attn::ui::App* g_app = nullptr;
DesktopPlatform* g_platform = nullptr;

// Frame times of a --frames run, for --stats.
struct FrameStats {
    int frames = 0;
    double app_ms_sum = 0, app_ms_max = 0, advance_ms_sum = 0, advance_ms_max = 0, slice_ms_sum = 0;
    void add(const attn::ui::App& app) {
        ++frames;
        slice_ms_sum += app.advance_budget_ms();
        app_ms_sum += app.last_frame_ms();
        app_ms_max = std::max(app_ms_max, app.last_frame_ms());
        advance_ms_sum += app.last_advance_ms();
        advance_ms_max = std::max(advance_ms_max, app.last_advance_ms());
    }
};

// What a dropped file is, by its extension: a scenario, a trained model, else an image.
const char* dropped_kind(const std::string& path) {
    auto ends = [&](const std::string& ext) {
        return path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
    };
    if (ends(".json")) return "scenario";
    if (ends(".safetensors")) return "model";
    return "image";
}

void on_drop(GLFWwindow*, int count, const char** paths) {
    for (int i = 0; i < count; ++i) {
        std::string path = paths[i], bytes, err;
        if (!g_platform->read_file(path, bytes, err)) continue;
        g_app->load_file(dropped_kind(path), bytes);
    }
}

bool save_screenshot(const std::string& path, int w, int h) {
    std::vector<unsigned char> px(static_cast<std::size_t>(w) * h * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
    stbi_flip_vertically_on_write(1);  // GL's origin is the bottom-left corner
    return stbi_write_png(path.c_str(), w, h, 4, px.data(), w * 4) != 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"attnlab-desktop: step through attention computations"};
    std::string lesson, link, screenshot;
    int frames = 5, width = 1280, height = 800;
    cli.add_option("--lesson", lesson, "lesson to open (ids: --list-lessons)");
    cli.add_option("--link", link, "deep link query, e.g. 'lesson=dot&step=3&dk=64'");
    cli.add_option("--screenshot", screenshot, "render --frames frames, save the window as PNG, exit");
    cli.add_option("--frames", frames, "frames to render before the screenshot")->check(CLI::Range(1, 10000));
    cli.add_option("--width", width, "window width")->check(CLI::Range(320, 8192));
    cli.add_option("--height", height, "window height")->check(CLI::Range(240, 8192));
    bool list = false, stats = false, print_state = false;
    double budget = 8.0;
    cli.add_flag("--list-lessons", list, "print the lesson ids, one per line, and exit");
    cli.add_flag("--stats", stats, "with --frames: print frame-time statistics as JSON on exit");
    cli.add_flag("--state", print_state, "with --frames: print the app's state (the JS API's state()) as JSON on exit");
    cli.add_option("--frame-budget", budget, "ms per frame a live lesson may use (default 8)")
        ->check(CLI::Range(1.0, 100.0));
    CLI11_PARSE(cli, argc, argv);
    if (list) {
        for (auto make : attn::ui::lesson_factories()) std::printf("%s\n", make()->id());
        return 0;
    }

    glfwSetErrorCallback(
        [](int code, const char* msg) { std::fprintf(stderr, "attnlab-desktop: GLFW %d: %s\n", code, msg); });
    if (!glfwInit()) return 1;
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    GLFWwindow* window = glfwCreateWindow(width, height, "attnlab", nullptr, nullptr);
    if (!window) {
        std::fprintf(stderr, "attnlab-desktop: could not open an OpenGL 3.3 window\n");
        glfwTerminate();
        return 1;
    }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(1);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    attn::ui::renderer_init();

    DesktopPlatform platform;
    platform.window = window;
    attn::ui::App app(platform);
    g_app = &app;
    g_platform = &platform;
    glfwSetDropCallback(window, on_drop);
    // A minimised window pauses live lessons.
    glfwSetWindowIconifyCallback(window, [](GLFWwindow*, int iconified) { g_app->set_hidden(iconified != 0); });
    app.set_frame_budget_ms(budget);
    float sx = 1, sy = 1;
    glfwGetWindowContentScale(window, &sx, &sy);
    app.set_dpi_scale(sx);
    if (!lesson.empty()) {
        const std::string err = app.set_lesson(lesson);
        if (!err.empty()) {
            std::fprintf(stderr, "attnlab-desktop: --lesson: %s\n", err.c_str());
            return 2;
        }
    }
    if (!link.empty()) {
        const std::string err = app.apply_link(link);
        if (!err.empty()) std::fprintf(stderr, "attnlab-desktop: --link: %s\n", err.c_str());
    }

    double last = glfwGetTime();
    const double start = last;
    FrameStats timing;
    bool unpaced = false;
    app.set_target_frame_ms(16.0);
    int frame = 0;
    int status = 0;
    while (!glfwWindowShouldClose(window)) {
        glfwPollEvents();
        glfwGetWindowContentScale(window, &sx, &sy);
        app.set_dpi_scale(sx);
        attn::ui::renderer_update_fonts(app);
        attn::ui::renderer_new_frame();
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();
        const double now = glfwGetTime();
        app.frame(now - last);
        last = now;
        timing.add(app);
        // While a lesson works live, frames are not paced by the display: the app then steers
        // its work so whole frames last 16 ms (60 fps) whatever the renderer costs.
        const bool live = app.running_live();
        if (live != unpaced) {
            glfwSwapInterval(live ? 0 : 1);
            unpaced = live;
        }
        int w = 0, h = 0;
        glfwGetFramebufferSize(window, &w, &h);
        attn::ui::renderer_draw(w, h);
        if (!screenshot.empty() && ++frame >= frames) {
            if (!save_screenshot(screenshot, w, h)) {
                std::fprintf(stderr, "attnlab-desktop: could not write %s\n", screenshot.c_str());
                status = 1;
            }
            break;
        }
        glfwSwapBuffers(window);
    }
    if (stats) {
        const double seconds = glfwGetTime() - start, n = std::max(1, timing.frames);
        std::printf(
            "{\"lesson\": \"%s\", \"frames\": %d, \"seconds\": %.3f, \"fps\": %.1f, \"app_ms_mean\": %.3f, "
            "\"app_ms_max\": %.3f, \"advance_ms_mean\": %.3f, \"advance_ms_max\": %.3f, \"slice_ms_mean\": %.3f, "
            "\"budget_ms\": %.1f}\n",
            app.lesson().id(), timing.frames, seconds, timing.frames / std::max(seconds, 1e-9), timing.app_ms_sum / n,
            timing.app_ms_max, timing.advance_ms_sum / n, timing.advance_ms_max, timing.slice_ms_sum / n,
            app.frame_budget_ms());
    }
    if (print_state) std::printf("%s\n", app.state_json().c_str());
    attn::ui::renderer_shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return status;
}
