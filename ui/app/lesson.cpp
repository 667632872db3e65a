// lesson.cpp: helpers shared by every lesson.
#include "lesson.hpp"

#include <imgui.h>

#include <algorithm>

#include <cstdio>
#include <memory>
#include <new>

#include "widgets/flow.hpp"

namespace attn::ui {

namespace {

// Runs lesson work, turning any failure into the lesson's error message: shown, never fatal.
template <class F>
void guarded(std::string& error, F&& work) {
    try {
        work();
    } catch (const std::bad_alloc&) {  // a container of the lesson itself could not grow
        error = "out of memory: this computation needs more memory than is available; try smaller sizes";
    } catch (const std::exception& e) {  // attn::Error from the core (incl. "out of memory allocating …")
        error = e.what();
    }
}

}  // namespace

bool Lesson::update() {
    if (!dirty_) return false;
    dirty_ = false;
    error_.clear();
    trace_.clear();
    guarded(error_, [&] { recompute(); });
    ++version_;
    return true;
}

void Lesson::run_advance(const FrameBudget& budget) {
    guarded(error_, [&] { advance(budget); });
}

void Lesson::draw(const LessonContext& ctx) {
    ++draws_;
    view(ctx);
    for (auto it = slots_.begin(); it != slots_.end();) {
        if (it->second->drawn != draws_)
            it = slots_.erase(it);
        else
            ++it;
    }
}

ModelFile* Lesson::fetch_model(ModelAsset& asset) {
    if (asset.begin()) {
        if (!platform_) {
            asset.deliver({}, "no shell to fetch it from");
        } else {
            // Desktop shells answer before request_asset returns (this recompute goes on with the
            // model); the browser answers between frames, and the lesson recomputes then.
            auto returned = std::make_shared<bool>(false);
            platform_->request_asset(asset.path(),
                                     [this, &asset, returned](const std::string& bytes, const std::string& error) {
                                         asset.deliver(bytes, error);
                                         if (*returned) changed();
                                     });
            *returned = true;
        }
    }
    return asset.file();
}

bool Lesson::model_status(ModelAsset& asset) {
    if (asset.state() == ModelAsset::State::loading) {
        ImGui::TextUnformatted("loading model…");
        ImGui::TextDisabled("(%s)", asset.path().c_str());
        return true;
    }
    if (asset.state() == ModelAsset::State::failed) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.4f, 0.35f, 1.0f));
        ImGui::TextWrapped("%s", asset.error().c_str());
        ImGui::PopStyleColor();
        ImGui::TextWrapped("The other examples of this lesson still work.");
        if (ImGui::Button("Retry")) {
            asset.retry();
            changed();
        }
        return true;
    }
    return false;
}

std::string Lesson::step_matrix(std::size_t step, const std::string& fallback) const {
    if (step >= trace_.steps().size()) return fallback;
    const Step& s = trace_.steps()[step];
    if (!s.focus.matrix.empty()) return s.focus.matrix;
    if (!s.writes.empty()) return s.writes.front();
    return fallback;
}

bool Lesson::focus_on(std::size_t step, const std::string& matrix, std::size_t& r, std::size_t& c, std::size_t& nr,
                      std::size_t& nc) const {
    if (step >= trace_.steps().size()) return false;
    const Focus& f = trace_.steps()[step].focus;
    if (f.kind == Focus::Kind::none || f.matrix != matrix) return false;
    const Matrix* m = trace_.matrix(matrix);
    const std::size_t rows = m ? m->rows() : 0, cols = m ? m->cols() : 0;
    switch (f.kind) {
        case Focus::Kind::cell: r = f.row, c = f.col, nr = 1, nc = 1; break;
        case Focus::Kind::row: r = f.row, c = 0, nr = 1, nc = cols; break;
        case Focus::Kind::column: r = 0, c = f.col, nr = rows, nc = 1; break;
        case Focus::Kind::tile: r = f.row, c = f.col, nr = f.rows, nc = f.cols; break;
        case Focus::Kind::none: return false;
    }
    return true;
}

HeatmapHover Lesson::matrix_view(const char* label, const std::string& trace_name, ConstMatrixView m,
                                 const LessonContext& ctx, ImVec2 size, const std::vector<std::string>* rows,
                                 const std::vector<std::string>* cols, const Mask* mask) {
    auto& slot = slots_[label];
    if (!slot) slot = std::make_unique<MatrixSlot>();
    slot->drawn = draws_;
    if (slot->version != version_) slot->reveal.build(trace_, trace_name, m.rows, m.cols);
    if (slot->version != version_ || slot->step != ctx.step) {
        std::vector<CellState> state;
        const bool hidden = !slot->reveal.all_shown(ctx.step);
        if (hidden || mask) {
            state.assign(m.rows * m.cols, CellState::shown);
            for (std::size_t i = 0; i < m.rows; ++i)
                for (std::size_t j = 0; j < m.cols; ++j) {
                    CellState& s = state[i * m.cols + j];
                    if (mask && !mask->allows(i, j)) s = CellState::masked;
                    if (hidden && !slot->reveal.shown(i, j, ctx.step)) s = CellState::pending;
                }
        }
        slot->heatmap.set(m, state);
        slot->version = version_;
        slot->step = ctx.step;
    }
    slot->heatmap.set_colormap(ctx.colormap);
    HeatmapOptions opt;
    opt.row_labels = rows;
    opt.col_labels = cols;
    focus_on(ctx.step, trace_name, opt.focus_row, opt.focus_col, opt.focus_rows, opt.focus_cols);
    push_wrap_at_visible_edge();  // a title wider than the window (a phone) wraps at its edge
    ImGui::TextUnformatted(label);
    ImGui::PopTextWrapPos();
    return slot->heatmap.draw(label, size, opt);
}

void Lesson::step_panel(std::size_t step) const {
    if (step >= trace_.steps().size()) return;
    const Step& s = trace_.steps()[step];
    std::string title = "Step " + std::to_string(step + 1) + ": " + s.title;
    std::string line;
    if (!s.values.empty()) {
        char buf[64];
        for (const auto& [name, v] : s.values) {
            std::snprintf(buf, sizeof buf, "%s = %.5g   ", name.c_str(), v);
            line += buf;
        }
    }
    // The text wraps at the panel's width (a phone's is narrow), and the panel is as tall as the
    // wrapped lines.
    const ImGuiStyle& style = ImGui::GetStyle();
    const float wrap = std::max(ImGui::GetContentRegionAvail().x - 2.0f * style.WindowPadding.x, ImGui::GetFontSize());
    auto height = [&](const std::string& t) { return ImGui::CalcTextSize(t.c_str(), nullptr, false, wrap).y; };
    const float h = height(title) + height(s.formula) + (line.empty() ? 0.0f : height(line)) +
                    2.0f * style.ItemSpacing.y + 2.0f * style.WindowPadding.y + 2.0f;
    ImGui::PushStyleColor(ImGuiCol_ChildBg, ImGui::GetStyleColorVec4(ImGuiCol_FrameBg));
    ImGui::BeginChild("step", ImVec2(0, h), true, ImGuiWindowFlags_NoScrollbar);
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(title.c_str());
    // Formulas in amber on the dark theme, dark brown on the light high-contrast one.
    const ImVec4 bg = ImGui::GetStyleColorVec4(ImGuiCol_WindowBg);
    const bool light = 0.3f * bg.x + 0.6f * bg.y + 0.1f * bg.z > 0.5f;
    ImGui::PushStyleColor(ImGuiCol_Text, light ? ImVec4(0.45f, 0.2f, 0.0f, 1.0f) : ImVec4(1.0f, 0.85f, 0.45f, 1.0f));
    ImGui::TextUnformatted(s.formula.c_str());
    ImGui::PopStyleColor();
    if (!line.empty()) ImGui::TextUnformatted(line.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
    ImGui::PopStyleColor();
}

}  // namespace attn::ui
