// heatmap.hpp: a matrix drawn as a float texture through the colormap shader, with token
// labels, a focus outline, and a hover tooltip (row token, column token, value).
//
// Values are uploaded only when set() is called (a 2048×2048 matrix is 32 MiB of RG32F), and
// drawn by an ImDrawList callback that runs shaders/heatmap.{vert,frag} inside ImGui's render
// pass, so the heatmap clips and layers like any other widget.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "attn/matrix.hpp"
#include "colormap.hpp"

namespace attn::ui {

enum class CellState : std::uint8_t { shown = 0, masked = 1, pending = 2 };

struct HeatmapHover {
    bool active = false;
    std::size_t row = 0, col = 0;
    float value = 0.0f;
};

struct HeatmapOptions {
    const std::vector<std::string>* row_labels = nullptr;
    const std::vector<std::string>* col_labels = nullptr;
    // Focus outline (rows/cols = 0: none).
    std::size_t focus_row = 0, focus_col = 0, focus_rows = 0, focus_cols = 0;
    float max_cell = 48.0f;   // largest cell edge in pixels
    bool show_values = true;  // print numbers in cells when they fit
};

class Heatmap {
public:
    Heatmap() = default;
    ~Heatmap();
    Heatmap(const Heatmap&) = delete;
    Heatmap& operator=(const Heatmap&) = delete;

    // Copies the values and cell states to the GPU. state may be empty (all shown).
    // lo/hi: the value range mapped to the colormap (lo == hi: taken from the shown values).
    void set(ConstMatrixView values, const std::vector<CellState>& state, float lo = 0.0f, float hi = 0.0f);
    void set_colormap(Colormap c) { colormap_ = c; }
    std::size_t rows() const { return rows_; }
    std::size_t cols() const { return cols_; }
    float lo() const { return lo_; }
    float hi() const { return hi_; }

    // Draws within at most `avail` pixels. Returns hover information.
    HeatmapHover draw(const char* id, ImVec2 avail, const HeatmapOptions& opt = {});

private:
    struct DrawData {
        Heatmap* self;
        float x0, y0, x1, y1;  // screen rectangle
    };
    static void render_callback(const ImDrawList* list, const ImDrawCmd* cmd);
    // Sends the staged texels to the GPU: at render time, so building a frame needs no GL.
    void upload();

    unsigned int texture_ = 0;
    std::size_t rows_ = 0, cols_ = 0;
    float lo_ = 0.0f, hi_ = 1.0f;
    Colormap colormap_ = Colormap::viridis;
    std::vector<float> values_;  // host copy for tooltips and labels
    std::vector<CellState> state_;
    // Upload staging and the texture's allocated size, kept between uploads: a fresh 32 MiB
    // buffer and fresh texture storage per upload (n = 2048) cost more in page faults than the copy.
    std::vector<float> texels_;
    std::size_t texture_rows_ = 0, texture_cols_ = 0;
    bool stale_ = false;           // texels_ changed since the last upload
    std::vector<DrawData> draws_;  // alive until ImGui renders this frame
    int draws_frame_ = -1;
};

// Where each heatmap was drawn in the last frame (screen pixels) and what is hovered: for
// state() and the browser tests.
struct HeatmapRecord {
    std::string id;
    float x0, y0, x1, y1;
    HeatmapHover hover;
};
const std::vector<HeatmapRecord>& heatmaps_last_frame();

// Shared GL objects (program, colormap textures); created on first use, released by
// release_heatmap_gl() before the context goes away.
void release_heatmap_gl();

}  // namespace attn::ui
