// web/main.cpp: the browser shell. Emscripten's GLFW gives a WebGL2 context on the page's
// canvas; the frame loop is emscripten_set_main_loop. The JS API (web/api.js) calls the
// exported functions below; everything else is ui/.
#include <GLFW/glfw3.h>
#include <emscripten.h>
#include <emscripten/html5.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>

#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <map>
#include <string>

#include "app.hpp"
#include "render.hpp"

namespace {

// The EM_JS bodies are JavaScript, which clang-format would break (it turns === into == =).
// clang-format off
// Strings from JS: a malloc'ed UTF-8 copy (freed by the caller).
EM_JS(char*, js_initial_query, (), {
    var q = (location.search && location.search.length > 1) ? location.search.substring(1)
                                                            : (location.hash || "").substring(1);
    var n = lengthBytesUTF8(q) + 1;
    var p = _malloc(n);
    stringToUTF8(q, p, n);
    return p;
});
EM_JS(char*, js_page_url, (), {
    var s = location.origin + location.pathname;
    var n = lengthBytesUTF8(s) + 1;
    var p = _malloc(n);
    stringToUTF8(s, p, n);
    return p;
});
EM_JS(double, js_device_pixel_ratio, (), { return window.devicePixelRatio || 1; });
EM_JS(int, js_window_width, (), { return Module.canvas.clientWidth || window.innerWidth; });
EM_JS(int, js_window_height, (), { return Module.canvas.clientHeight || window.innerHeight; });
EM_JS(void, js_download, (const char* name, const char* mime, const char* data, int size), {
    var bytes = HEAPU8.slice(data, data + size);
    var blob = new Blob([bytes], {type: UTF8ToString(mime)});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = UTF8ToString(name);
    document.body.appendChild(a);
    a.click();
    setTimeout(function() { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
});
EM_JS(void, js_copy, (const char* text), {
    var t = UTF8ToString(text);
    Module.lastCopied = t;
    try { navigator.clipboard.writeText(t).catch(function() {}); } catch (e) {}
});
EM_JS(void, js_replace_query, (const char* q), {
    try { history.replaceState(null, "", location.pathname + "?" + UTF8ToString(q)); } catch (e) {}
});
EM_JS(void, js_open_picker, (const char* kind), {
    var k = UTF8ToString(kind);
    var input = document.getElementById(k === "image" ? "open-image" : k === "model" ? "open-model" : "open-scenario");
    if (input) input.click();
});
EM_JS(void, js_first_frame, (), { if (Module.attnlabFirstFrame) Module.attnlabFirstFrame(); });
// Touch input (web/touch.js): out[0..4] = x, y (CSS px, −1: none), button, pan x, pan y.
EM_JS(int, js_touch_poll, (float* out), {
    return window.attnlabTouch ? window.attnlabTouch.poll(HEAPF32, out >> 2) : 0;
});
EM_JS(void, js_text_state, (int want, int over), {
    if (window.attnlabTouch) window.attnlabTouch.text(want, over);
});
// After every frame: api.js compares the app's summary and fires its events.
EM_JS(void, js_after_frame, (), { if (Module.attnlabAfterFrame) Module.attnlabAfterFrame(); });
// A shipped file, fetched relative to the page (site/models/…); the answer comes back through
// attnlab_asset_done(id, bytes, size, error) between frames.
EM_JS(void, js_fetch_asset, (int id, const char* path), {
    var url = UTF8ToString(path);
    function answer(bytes, error) {
        var p = 0, e = 0;
        if (bytes) { p = _malloc(Math.max(1, bytes.length)); HEAPU8.set(bytes, p); }
        if (error) { var n = lengthBytesUTF8(error) + 1; e = _malloc(n); stringToUTF8(error, e, n); }
        try { _attnlab_asset_done(id, p, bytes ? bytes.length : 0, e); } finally { if (p) _free(p); if (e) _free(e); }
    }
    fetch(url).then(function(r) {
        if (!r.ok) throw new Error("HTTP " + r.status + " for " + url);
        return r.arrayBuffer();
    }).then(function(buf) { answer(new Uint8Array(buf), ""); },
            function(err) { answer(null, (err && err.message) ? err.message : String(err)); });
});

// clang-format on

class WebPlatform final : public attn::ui::Platform {
public:
    std::string save_file(const std::string& name, const std::string& mime, const std::string& bytes) override {
        js_download(name.c_str(), mime.c_str(), bytes.data(), static_cast<int>(bytes.size()));
        return "downloaded " + name;
    }
    void copy_text(const std::string& text) override { js_copy(text.c_str()); }
    void link_changed(const std::string& query) override { js_replace_query(query.c_str()); }
    std::string full_link(const std::string& query) const override {
        char* origin = js_page_url();
        std::string link = std::string(origin) + "?" + query;
        std::free(origin);
        return link;
    }
    bool request_open(const std::string& kind) override {
        js_open_picker(kind.c_str());
        return true;
    }
    void request_asset(const std::string& path, AssetDone done) override {
        const int id = next_asset_++;
        pending_assets_[id] = std::move(done);
        js_fetch_asset(id, path.c_str());
    }
    // The page's answer to request_asset (attnlab_asset_done).
    void asset_done(int id, std::string bytes, const std::string& error) {
        const auto it = pending_assets_.find(id);
        if (it == pending_assets_.end()) return;
        AssetDone done = std::move(it->second);
        pending_assets_.erase(it);
        done(bytes, error);
    }

private:
    int next_asset_ = 1;
    std::map<int, AssetDone> pending_assets_;
};

GLFWwindow* g_window = nullptr;
WebPlatform g_platform;
attn::ui::App* g_app = nullptr;
double g_last = 0.0;
int g_frames = 0;
std::string g_result;  // storage for strings returned to JS
int g_backspaces = 0;  // Backspace presses from the on-screen keyboard, one per two frames
bool g_backspace_down = false;

// A finger drives ImGui's pointer when web/touch.js says so (after ImGui_ImplGlfw_NewFrame,
// which set it from GLFW's mouse). Two fingers pan: their movement becomes a wheel, in ImGui's
// units of 5 font heights per notch, so the content follows the fingers.
void apply_touch(double dpr) {
    ImGuiIO& io = ImGui::GetIO();
    float t[5] = {-1, -1, 0, 0, 0};
    if (js_touch_poll(t)) {
        const float s = static_cast<float>(dpr);
        io.MousePos = t[0] >= 0 ? ImVec2(t[0] * s, t[1] * s) : ImVec2(-FLT_MAX, -FLT_MAX);
        io.MouseDown[0] = t[2] != 0;
        const float notch = 5.0f * g_app->font_pixels();
        io.MouseWheelH += t[3] * s / notch;
        io.MouseWheel += t[4] * s / notch;
    }
    if (g_backspace_down) {
        io.KeysDown[GLFW_KEY_BACKSPACE] = false;
        g_backspace_down = false;
    } else if (g_backspaces > 0) {
        io.KeysDown[GLFW_KEY_BACKSPACE] = true;
        g_backspace_down = true;
        --g_backspaces;
    }
}

void frame() {
    // Keep the canvas backing store at the page size in device pixels: crisp on HiDPI, and the
    // app scales its fonts by the same ratio.
    const double dpr = js_device_pixel_ratio();
    const int w = static_cast<int>(std::lround(js_window_width() * dpr));
    const int h = static_cast<int>(std::lround(js_window_height() * dpr));
    int cw = 0, ch = 0;
    glfwGetWindowSize(g_window, &cw, &ch);
    if (w > 0 && h > 0 && (w != cw || h != ch)) glfwSetWindowSize(g_window, w, h);
    g_app->set_dpi_scale(static_cast<float>(dpr));

    glfwPollEvents();
    attn::ui::renderer_update_fonts(*g_app);
    attn::ui::renderer_new_frame();
    ImGui_ImplGlfw_NewFrame();
    apply_touch(dpr);
    ImGui::NewFrame();
    const double now = glfwGetTime();
    g_app->frame(g_last > 0 ? now - g_last : 0.0);
    g_last = now;
    // The hidden input that opens on-screen keyboards follows ImGui's text fields.
    js_text_state(ImGui::GetIO().WantTextInput ? 1 : 0, ImGui::GetMouseCursor() == ImGuiMouseCursor_TextInput ? 1 : 0);
    int fw = 0, fh = 0;
    glfwGetFramebufferSize(g_window, &fw, &fh);
    attn::ui::renderer_draw(fw, fh);
    if (++g_frames == 2) js_first_frame();
    if (g_frames >= 2) js_after_frame();
}

}  // namespace

extern "C" {

// state(): JSON, see README.
EMSCRIPTEN_KEEPALIVE const char* attnlab_state() {
    g_result = g_app ? g_app->state_json() : "{}";
    return g_result.c_str();
}

// What api.js compares after every frame for its events (App::summary_json).
EMSCRIPTEN_KEEPALIVE const char* attnlab_summary() {
    g_result = g_app ? g_app->summary_json() : "{}";
    return g_result.c_str();
}
// The JS API's commands; returns "" or an error message.
EMSCRIPTEN_KEEPALIVE const char* attnlab_call(const char* fn, const char* arg) {
    if (!g_app) return "not ready";
    const std::string f = fn ? fn : "", a = arg ? arg : "";
    if (f == "setLesson")
        g_result = g_app->set_lesson(a);
    else if (f == "step")
        g_result = g_app->step(std::strtol(a.c_str(), nullptr, 10));
    else if (f == "next")
        g_app->next(), g_result.clear();
    else if (f == "prev")
        g_app->prev(), g_result.clear();
    else if (f == "link")
        g_result = g_app->link();
    else if (f == "lessons")
        g_result = g_app->lessons_json();
    else if (f == "hidden")
        g_app->set_hidden(a == "1"), g_result.clear();
    else if (f == "applyLink")
        g_result = g_app->apply_link(a);
    else if (f == "export")
        g_result = g_app->export_file(a);
    else if (f == "scenario")
        g_result = g_app->scenario_json();
    else if (f == "importScenario")
        g_result = g_app->import_scenario(a);
    else
        g_result = "unknown call '" + f.substr(0, 40) + "'";
    return g_result.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* attnlab_set(const char* name, const char* value) {
    g_result = g_app ? g_app->set(name ? name : "", value ? value : "") : "not ready";
    return g_result.c_str();
}

// Text typed into the hidden input (web/touch.js): an on-screen keyboard's characters, UTF-8.
EMSCRIPTEN_KEEPALIVE void attnlab_text(const char* utf8) {
    if (g_app && utf8) ImGui::GetIO().AddInputCharactersUTF8(utf8);
}

// A key from the hidden input that arrives as an edit rather than a key event ("Backspace").
EMSCRIPTEN_KEEPALIVE void attnlab_key(const char* key) {
    if (g_app && key && std::string(key) == "Backspace" && g_backspaces < 64) ++g_backspaces;
}

// Bytes of a file the user picked (kind: "image" or "scenario").
// Bytes of a file the user picked (kind: "image", "scenario" or "model").
EMSCRIPTEN_KEEPALIVE const char* attnlab_load(const char* kind, const unsigned char* data, int size) {
    g_result = g_app ? g_app->load_file(kind ? kind : "", std::string(reinterpret_cast<const char*>(data),
                                                                      static_cast<std::size_t>(size < 0 ? 0 : size)))
                     : "not ready";
    return g_result.c_str();
}

// The page's answer to js_fetch_asset: bytes, or an error message (error non-null and non-empty).
EMSCRIPTEN_KEEPALIVE void attnlab_asset_done(int id, const unsigned char* data, int size, const char* error) {
    const std::string bytes(reinterpret_cast<const char*>(data), static_cast<std::size_t>(data && size > 0 ? size : 0));
    g_platform.asset_done(id, bytes, error ? error : "");
}

}  // extern "C"

int main() {
    if (!glfwInit()) return 1;
    glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
    // An opaque canvas with no depth or stencil buffer (ImGui uses neither): less for the browser
    // to allocate, clear and composite, which a software rasterizer pays for per pixel.
    glfwWindowHint(GLFW_ALPHA_BITS, 0);
    glfwWindowHint(GLFW_DEPTH_BITS, 0);
    glfwWindowHint(GLFW_STENCIL_BITS, 0);
    g_window = glfwCreateWindow(js_window_width(), js_window_height(), "attnlab", nullptr, nullptr);
    if (!g_window) return 1;
    glfwMakeContextCurrent(g_window);
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui_ImplGlfw_InitForOpenGL(g_window, true);
    attn::ui::renderer_init();
    static attn::ui::App app(g_platform);
    g_app = &app;
    char* q = js_initial_query();
    if (q && *q) app.apply_link(q);
    std::free(q);
    emscripten_set_main_loop(frame, 0, false);
    return 0;
}
