// heatmap.cpp
#include "heatmap.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "gl.hpp"
#include "shaders.hpp"  // generated from shaders/

namespace attn::ui {

namespace {

struct Shared {
    GLuint program = 0, vao = 0;
    GLuint colormaps[4] = {0, 0, 0, 0};
    GLint u_rect = -1, u_values = -1, u_colormap = -1, u_range = -1, u_size = -1;
    bool failed = false;
};

Shared& shared() {
    static Shared s;
    return s;
}

GLuint compile(GLenum type, const char* body) {
    const GLuint s = glCreateShader(type);
    const char* parts[] = {shader_header(), body};
    glShaderSource(s, 2, parts, nullptr);
    glCompileShader(s);
    GLint ok = 0;
    glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[1024];
        glGetShaderInfoLog(s, sizeof log, nullptr, log);
        std::fprintf(stderr, "attnlab: heatmap shader failed to compile: %s\n", log);
        glDeleteShader(s);
        return 0;
    }
    return s;
}

bool ensure_shared() {
    Shared& g = shared();
    if (g.program || g.failed) return !g.failed;
    const GLuint vs = compile(GL_VERTEX_SHADER, kShader_heatmap_vert);
    const GLuint fs = compile(GL_FRAGMENT_SHADER, kShader_heatmap_frag);
    if (!vs || !fs) {
        g.failed = true;
        return false;
    }
    g.program = glCreateProgram();
    glAttachShader(g.program, vs);
    glAttachShader(g.program, fs);
    glLinkProgram(g.program);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = 0;
    glGetProgramiv(g.program, GL_LINK_STATUS, &ok);
    if (!ok) {
        std::fprintf(stderr, "attnlab: heatmap shader failed to link\n");
        g.failed = true;
        return false;
    }
    g.u_rect = glGetUniformLocation(g.program, "u_rect");
    g.u_values = glGetUniformLocation(g.program, "u_values");
    g.u_colormap = glGetUniformLocation(g.program, "u_colormap");
    g.u_range = glGetUniformLocation(g.program, "u_range");
    g.u_size = glGetUniformLocation(g.program, "u_size");
    glGenVertexArrays(1, &g.vao);
    glGenTextures(4, g.colormaps);
    for (int c = 0; c < 4; ++c) {
        glBindTexture(GL_TEXTURE_2D, g.colormaps[c]);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, 256, 1, 0, GL_RGBA, GL_UNSIGNED_BYTE,
                     colormap_table(static_cast<Colormap>(c)).data());
    }
    return true;
}

std::string format_value(float v) {
    char buf[32];
    // Fixed width so numbers fit their cell: tiny values read "0.00" (the tooltip has them
    // exactly); only large ones need an exponent.
    if (std::fabs(v) >= 1000.0f)
        std::snprintf(buf, sizeof buf, "%.0e", static_cast<double>(v));
    else if (std::fabs(v) >= 100.0f)
        std::snprintf(buf, sizeof buf, "%.0f", static_cast<double>(v));
    else
        std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(v));
    return buf;
}

std::vector<HeatmapRecord>& records(bool current) {
    static std::vector<HeatmapRecord> frames[2];
    static int frame = -1;
    if (ImGui::GetCurrentContext() && ImGui::GetFrameCount() != frame) {
        frame = ImGui::GetFrameCount();
        frames[0].swap(frames[1]);  // [1] becomes the finished frame, [0] starts empty
        frames[0].clear();
    }
    return frames[current ? 0 : 1];
}

}  // namespace

const std::vector<HeatmapRecord>& heatmaps_last_frame() { return records(false); }

void release_heatmap_gl() {
    Shared& g = shared();
    if (g.program) glDeleteProgram(g.program);
    if (g.vao) glDeleteVertexArrays(1, &g.vao);
    if (g.colormaps[0]) glDeleteTextures(4, g.colormaps);
    g = Shared{};
}

Heatmap::~Heatmap() {
    if (texture_) glDeleteTextures(1, &texture_);
}

void Heatmap::set(ConstMatrixView values, const std::vector<CellState>& state, float lo, float hi) {
    rows_ = values.rows;
    cols_ = values.cols;
    values_.resize(rows_ * cols_);
    state_.assign(rows_ * cols_, CellState::shown);
    if (state.size() == rows_ * cols_) state_ = state;
    std::vector<float>& texels = texels_;
    texels.resize(rows_ * cols_ * 2);
    float vmin = INFINITY, vmax = -INFINITY;
    for (std::size_t i = 0; i < rows_; ++i)
        for (std::size_t j = 0; j < cols_; ++j) {
            float v = values(i, j);
            if (!std::isfinite(v)) v = 0.0f;  // never NaN on screen
            values_[i * cols_ + j] = v;
            texels[2 * (i * cols_ + j)] = v;
            texels[2 * (i * cols_ + j) + 1] = static_cast<float>(state_[i * cols_ + j]);
            if (state_[i * cols_ + j] != CellState::masked) {  // the range of the whole matrix, so
                vmin = std::min(vmin, v);                      // colours do not shift as cells appear
                vmax = std::max(vmax, v);
            }
        }
    if (lo < hi) {
        lo_ = lo;
        hi_ = hi;
    } else {
        lo_ = std::isfinite(vmin) ? vmin : 0.0f;
        hi_ = std::isfinite(vmax) ? vmax : 1.0f;
    }
    stale_ = rows_ > 0 && cols_ > 0;
}

void Heatmap::upload() {
    stale_ = false;
    const std::vector<float>& texels = texels_;
    if (!texture_) {
        glGenTextures(1, &texture_);
        glBindTexture(GL_TEXTURE_2D, texture_);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    }
    glBindTexture(GL_TEXTURE_2D, texture_);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    if (rows_ == texture_rows_ && cols_ == texture_cols_) {
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, static_cast<GLsizei>(cols_), static_cast<GLsizei>(rows_), GL_RG,
                        GL_FLOAT, texels.data());
    } else {
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RG32F, static_cast<GLsizei>(cols_), static_cast<GLsizei>(rows_), 0, GL_RG,
                     GL_FLOAT, texels.data());
        texture_rows_ = rows_;
        texture_cols_ = cols_;
    }
}

void Heatmap::render_callback(const ImDrawList*, const ImDrawCmd* cmd) {
    const auto* d = static_cast<const DrawData*>(cmd->UserCallbackData);
    Heatmap* h = d->self;
    if (h->stale_) h->upload();
    if (!h->texture_ || !ensure_shared()) return;
    const Shared& g = shared();
    const ImGuiIO& io = ImGui::GetIO();
    const ImVec2 pos = ImGui::GetMainViewport()->Pos;
    auto ndc_x = [&](float x) { return 2.0f * (x - pos.x) / io.DisplaySize.x - 1.0f; };
    auto ndc_y = [&](float y) { return 1.0f - 2.0f * (y - pos.y) / io.DisplaySize.y; };
    glUseProgram(g.program);
    glBindVertexArray(g.vao);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, h->texture_);
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D, g.colormaps[static_cast<int>(h->colormap_)]);
    glUniform1i(g.u_values, 0);
    glUniform1i(g.u_colormap, 1);
    glUniform4f(g.u_rect, ndc_x(d->x0), ndc_y(d->y0), ndc_x(d->x1), ndc_y(d->y1));
    glUniform2f(g.u_range, h->lo_, h->hi_);
    glUniform2i(g.u_size, static_cast<GLint>(h->cols_), static_cast<GLint>(h->rows_));
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    glActiveTexture(GL_TEXTURE0);
}

HeatmapHover Heatmap::draw(const char* id, ImVec2 avail, const HeatmapOptions& opt) {
    HeatmapHover hover;
    ImGui::PushID(id);
    if (rows_ == 0 || cols_ == 0) {
        ImGui::TextDisabled("(empty matrix)");
        ImGui::PopID();
        return hover;
    }
    const float font = ImGui::GetFontSize();
    // Label gutters only when the labels can be read.
    float max_cell = std::min(avail.x / static_cast<float>(cols_), avail.y / static_cast<float>(rows_));
    const bool labels = (opt.row_labels || opt.col_labels) && max_cell >= font * 1.1f;
    float gutter_x = 0.0f, gutter_y = 0.0f;
    if (labels) {
        if (opt.row_labels)
            for (std::size_t i = 0; i < std::min(rows_, opt.row_labels->size()); ++i)
                gutter_x = std::max(gutter_x, ImGui::CalcTextSize((*opt.row_labels)[i].c_str()).x);
        gutter_x += labels && opt.row_labels ? font * 0.5f : 0.0f;
        gutter_y = opt.col_labels ? font * 1.4f : 0.0f;
    }
    float cell =
        std::min({(avail.x - gutter_x) / static_cast<float>(cols_), (avail.y - gutter_y) / static_cast<float>(rows_),
                  opt.max_cell * ImGui::GetIO().FontGlobalScale * font / 16.0f});
    cell = std::max(cell, 0.25f);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const ImVec2 p0(origin.x + gutter_x, origin.y + gutter_y);
    const ImVec2 p1(p0.x + cell * static_cast<float>(cols_), p0.y + cell * static_cast<float>(rows_));
    ImDrawList* dl = ImGui::GetWindowDrawList();

    // Keep the callback payload alive until this frame is rendered.
    if (draws_frame_ != ImGui::GetFrameCount()) {
        draws_.clear();
        draws_.reserve(8);
        draws_frame_ = ImGui::GetFrameCount();
    }
    if (draws_.size() < draws_.capacity()) {
        draws_.push_back({this, p0.x, p0.y, p1.x, p1.y});
        dl->AddCallback(&Heatmap::render_callback, &draws_.back());
        dl->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
    }
    ImGui::InvisibleButton("cells", ImVec2(p1.x - origin.x, p1.y - origin.y));

    if (labels) {
        const ImU32 col = ImGui::GetColorU32(ImGuiCol_Text);
        if (opt.row_labels)
            for (std::size_t i = 0; i < std::min(rows_, opt.row_labels->size()); ++i) {
                const char* t = (*opt.row_labels)[i].c_str();
                const ImVec2 sz = ImGui::CalcTextSize(t);
                dl->AddText(
                    ImVec2(p0.x - sz.x - font * 0.3f, p0.y + (static_cast<float>(i) + 0.5f) * cell - sz.y * 0.5f), col,
                    t);
            }
        if (opt.col_labels)
            for (std::size_t j = 0; j < std::min(cols_, opt.col_labels->size()); ++j) {
                const char* t = (*opt.col_labels)[j].c_str();
                const ImVec2 sz = ImGui::CalcTextSize(t);
                const float x = p0.x + (static_cast<float>(j) + 0.5f) * cell - sz.x * 0.5f;
                dl->PushClipRect(ImVec2(p0.x + static_cast<float>(j) * cell, origin.y),
                                 ImVec2(p0.x + static_cast<float>(j + 1) * cell, p0.y), true);
                dl->AddText(ImVec2(std::max(x, p0.x + static_cast<float>(j) * cell), origin.y), col, t);
                dl->PopClipRect();
            }
    }
    // Numbers in the cells when they fit.
    if (opt.show_values && cell >= font * 2.6f) {
        for (std::size_t i = 0; i < rows_; ++i)
            for (std::size_t j = 0; j < cols_; ++j) {
                if (state_[i * cols_ + j] != CellState::shown) continue;
                const float v = values_[i * cols_ + j];
                const std::string s = format_value(v);
                const ImVec2 sz = ImGui::CalcTextSize(s.c_str());
                const float t = hi_ > lo_ ? (v - lo_) / (hi_ - lo_) : 0.5f;
                const ImU32 ink = t > 0.6f ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 255);
                dl->AddText(ImVec2(p0.x + (static_cast<float>(j) + 0.5f) * cell - sz.x * 0.5f,
                                   p0.y + (static_cast<float>(i) + 0.5f) * cell - sz.y * 0.5f),
                            ink, s.c_str());
            }
    }
    if (opt.focus_rows && opt.focus_cols) {
        const ImVec2 a(p0.x + static_cast<float>(opt.focus_col) * cell,
                       p0.y + static_cast<float>(opt.focus_row) * cell);
        const ImVec2 b(a.x + static_cast<float>(opt.focus_cols) * cell,
                       a.y + static_cast<float>(opt.focus_rows) * cell);
        dl->AddRect(a, b, IM_COL32(255, 80, 60, 255), 0.0f, 0, std::max(2.0f, font * 0.15f));
    }
    if (ImGui::IsItemHovered()) {
        const ImVec2 m = ImGui::GetIO().MousePos;
        if (m.x >= p0.x && m.y >= p0.y && m.x < p1.x && m.y < p1.y) {
            hover.active = true;
            hover.col = std::min(cols_ - 1, static_cast<std::size_t>((m.x - p0.x) / cell));
            hover.row = std::min(rows_ - 1, static_cast<std::size_t>((m.y - p0.y) / cell));
            hover.value = values_[hover.row * cols_ + hover.col];
            const CellState st = state_[hover.row * cols_ + hover.col];
            auto label = [](const std::vector<std::string>* l, std::size_t i, const char* fallback) {
                return l && i < l->size() ? (*l)[i] : std::string(fallback) + " " + std::to_string(i);
            };
            ImGui::BeginTooltip();
            ImGui::Text("row %zu: %s", hover.row, label(opt.row_labels, hover.row, "row").c_str());
            ImGui::Text("column %zu: %s", hover.col, label(opt.col_labels, hover.col, "column").c_str());
            if (st == CellState::masked)
                ImGui::TextUnformatted("masked (weight 0)");
            else if (st == CellState::pending)
                ImGui::TextUnformatted("not computed yet at this step");
            else
                ImGui::Text("value %.6g", static_cast<double>(hover.value));
            ImGui::EndTooltip();
        }
    }
    records(true).push_back({id, p0.x, p0.y, p1.x, p1.y, hover});
    ImGui::PopID();
    return hover;
}

}  // namespace attn::ui
