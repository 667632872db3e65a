// lesson.hpp: what every lesson provides, and the helpers they share.
//
// A lesson owns its parameters (ParamSet), recomputes its numbers through the core with a
// Trace when something changed, and draws its view for the current step. The app owns the
// step player, the layout, links, export and import.
//
// Lifecycle, every frame, for the lesson on screen:
//   1. update()    recompute() when a parameter changed (static lessons stop here)
//   2. advance()   while live(): at most budget.ms of work that unfolds over time (training
//                  steps, animations); the app stops calling it when the lesson is paused
//                  (live() false), not on screen, or the window is hidden
//   3. view()      draw the current step
// A live lesson either appends steps to its trace (TraceFollow::growing) or replaces the trace
// wholesale on each update (TraceFollow::replaced); the step player follows either and says so.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
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
#include "shipped_models.hpp"
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

// The time a live lesson may spend in one frame's advance().
class FrameBudget {
public:
    using Clock = std::chrono::steady_clock;
    explicit FrameBudget(double ms, Clock::time_point start = Clock::now()) : ms_(ms), start_(start) {}
    double ms() const { return ms_; }
    double elapsed_ms() const { return std::chrono::duration<double, std::milli>(Clock::now() - start_).count(); }
    double remaining_ms() const { return ms_ - elapsed_ms(); }
    bool exhausted() const { return elapsed_ms() >= ms_; }

private:
    double ms_;
    Clock::time_point start_;
};

// How the trace of a live lesson changes while it runs.
enum class TraceFollow {
    fixed,     // recomputed only when a parameter changes
    growing,   // steps are appended (an animation, a computation unfolding)
    replaced,  // the whole trace is replaced on each update (a new training step)
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
    // A file of the lesson's own kind for the user (the Training lesson's "model"), through the
    // platform's save_file; "" or a message. The app exports png, csv and json itself.
    virtual std::string export_file(const std::string& kind) {
        return "unknown export kind '" + kind.substr(0, 20) + "' (png, csv, json)";
    }
    // Step to show when a lesson opens: most lessons start at the first step.
    virtual std::size_t default_step() const { return 0; }

    // --- Live lessons (see the lifecycle above) ---
    // True while the lesson has work to do every frame (running, not paused).
    virtual bool live() const { return false; }
    // Do at most budget.ms() of that work; call touched() when the numbers changed.
    virtual void advance(const FrameBudget& budget) { (void)budget; }
    virtual TraceFollow trace_follow() const { return TraceFollow::fixed; }
    // The lesson left the screen (another lesson or a hidden window): pause what runs.
    virtual void hidden() {}
    // Fields the lesson adds to state() (the JS API), e.g. {"training": {...}}; null: none.
    // Values must be finite numbers, strings, booleans or null.
    virtual nlohmann::json state_fields() const { return nullptr; }

    // The shell, for lessons that fetch shipped files (the App attaches it at construction).
    void attach(Platform* platform) { platform_ = platform; }

    ParamSet& params() { return params_; }
    const Trace& trace() const { return trace_; }
    const std::string& error() const { return error_; }
    void changed() { dirty_ = true; }
    // Recompute if needed; returns true when the numbers changed.
    bool update();
    // advance() under the same error handling as recompute(): a failure stops nothing else.
    void run_advance(const FrameBudget& budget);
    // Draws view(ctx) and then frees the heatmaps this frame did not draw (a label that
    // changed, a section folded away), so GPU textures do not pile up.
    void draw(const LessonContext& ctx);

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

    // The numbers changed outside recompute() (a live lesson's advance()): views re-upload.
    void touched() { ++version_; }
    // Starts fetching a shipped model the first time it is needed (asset idle); when the bytes
    // arrive later the lesson recomputes. Returns the model once it is ready, else null: the
    // caller shows "loading model…" (loading) or asset.error() (failed).
    ModelFile* fetch_model(ModelAsset& asset);
    // The same for a date translator.
    Seq2SeqFile* fetch_seq2seq(ModelAsset& asset) {
        fetch_model(asset);
        return asset.seq2seq();
    }
    // The model's state for the lesson on screen: "loading model…" in the view, or the failure in
    // the error colour with a Retry button. Returns true when it drew something.
    bool model_status(ModelAsset& asset);

    Platform* platform_ = nullptr;

    ParamSet params_;
    Trace trace_{Trace::Detail::cells, 50000};
    std::string error_;
    bool dirty_ = true;
    std::uint64_t version_ = 0;  // bumps on every recompute and touched()

private:
    struct MatrixSlot {
        Heatmap heatmap;
        RevealMap reveal;
        std::uint64_t version = ~0ull;
        std::size_t step = ~std::size_t{0};
        std::uint64_t drawn = 0;  // the draw() that last used it
    };
    std::map<std::string, std::unique_ptr<MatrixSlot>> slots_;
    std::uint64_t draws_ = 0;
};

using LessonFactory = std::unique_ptr<Lesson> (*)();
// The lessons in menu order, from ui/app/lessons/registry.cpp: keys 1, 2, … follow this order,
// and the menus, the JS API's lessons() and the tests take the list from here.
std::vector<LessonFactory> lesson_factories();
// A test build adds its own lessons (after the shipped ones) before it creates the App.
void register_extra_lesson(LessonFactory make);

}  // namespace attn::ui
