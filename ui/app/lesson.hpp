// lesson.hpp: what every lesson provides, and the helpers they share.
//
// A lesson owns its parameters (ParamSet), recomputes its numbers through the core with a
// Trace when something changed, and draws its view for the current step. The app owns the
// step player, the layout, links, export and import.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "attn/mask.hpp"
#include "attn/matrix.hpp"
#include "attn/trace.hpp"
#include "colormap.hpp"
#include "params.hpp"
#include "platform.hpp"
#include "trace_view.hpp"
#include "widgets/heatmap.hpp"

namespace attn::ui {

struct LessonContext {
    std::size_t step = 0;  // current step of the player
    Colormap colormap = Colormap::viridis;
    Platform* platform = nullptr;
};

// The matrix a view is about, for state(), the CSV/PNG export and the tests.
struct ShownMatrix {
    std::string name;
    Matrix values;
    std::vector<std::string> row_labels, col_labels;
};

class Lesson {
public:
    virtual ~Lesson() = default;
    virtual const char* id() const = 0;
    virtual const char* title() const = 0;
    // A few paragraphs in our own words (ImGui text).
    virtual void explain() = 0;
    // Widgets of the lesson's own beyond its parameters (the app draws the widgets of params()
    // group "" just before, ui/app/widgets/param_widgets.hpp); call changed() when a value changes.
    virtual void controls() {}
    // Run the computation (with a trace) for the current parameters. Errors go to error().
    virtual void recompute() = 0;
    // Draw the live matrices for ctx.step.
    virtual void view(const LessonContext& ctx) = 0;
    // The matrix in focus at a step.
    virtual ShownMatrix shown_matrix(std::size_t step) const = 0;
    // Lesson data beyond the parameters (tokens, images) for scenario files.
    virtual nlohmann::json data() const { return nlohmann::json::object(); }
    virtual std::string load_data(const nlohmann::json& data) {
        (void)data;
        return "";
    }
    // Bytes from a file the user picked (images for the convolutional lesson).
    virtual std::string load_file(const std::string& kind, const std::string& bytes) {
        (void)bytes;
        return "the " + std::string(title()) + " lesson does not open " + kind + " files";
    }
    // Step to show when a lesson opens: most lessons start at the first step.
    virtual std::size_t default_step() const { return 0; }

    ParamSet& params() { return params_; }
    const Trace& trace() const { return trace_; }
    const std::string& error() const { return error_; }
    bool dirty() const { return dirty_; }
    void changed() { dirty_ = true; }
    // Recompute if needed; returns true when the numbers changed.
    bool update();

protected:
    // A heatmap of a named matrix as of `step`: cells not yet computed are dimmed, masked ones
    // hatched. Uploads to the GPU only when the data version, step or mask changed.
    HeatmapHover matrix_view(const char* label, const std::string& trace_name, ConstMatrixView m,
                             const LessonContext& ctx, ImVec2 size, const std::vector<std::string>* rows = nullptr,
                             const std::vector<std::string>* cols = nullptr, const Mask* mask = nullptr);
    // The current step's title, formula and values, in a framed box.
    void step_panel(std::size_t step) const;
    // The matrix a step is about: its focus, else the first matrix it writes, else fallback.
    std::string step_matrix(std::size_t step, const std::string& fallback) const;
    // Focus of a step on a given matrix (for outlines); false when the step focuses elsewhere.
    bool focus_on(std::size_t step, const std::string& matrix, std::size_t& r, std::size_t& c, std::size_t& nr,
                  std::size_t& nc) const;

    ParamSet params_;
    Trace trace_{Trace::Detail::cells, 50000};
    std::string error_;
    bool dirty_ = true;
    std::uint64_t version_ = 0;  // bumps on every recompute

private:
    struct MatrixSlot {
        Heatmap heatmap;
        RevealMap reveal;
        std::uint64_t version = ~0ull;
        std::size_t step = ~std::size_t{0};
        Colormap colormap = Colormap::viridis;
    };
    std::map<std::string, std::unique_ptr<MatrixSlot>> slots_;
};

using LessonFactory = std::unique_ptr<Lesson> (*)();
// The lessons in menu order (keys 1–7), from ui/app/lessons/registry.cpp.
std::vector<LessonFactory> lesson_factories();

// One per file in ui/app/lessons/.
std::unique_ptr<Lesson> make_basic_lesson();
std::unique_ptr<Lesson> make_dot_lesson();
std::unique_ptr<Lesson> make_multihead_lesson();
std::unique_ptr<Lesson> make_self_lesson();
std::unique_ptr<Lesson> make_viz_lesson();
std::unique_ptr<Lesson> make_conv_lesson();
std::unique_ptr<Lesson> make_tiled_lesson();

}  // namespace attn::ui
