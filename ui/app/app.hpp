// app.hpp: the whole interactive app, platform-free. A shell (web/ or native/desktop/) owns
// the window and the ImGui platform backend and calls, every frame:
//     app.frame(dt)   — builds the UI (ImGui::NewFrame has been called)
// then renders with render_draw_data() (ui/render.hpp).
//
// The same App object answers the JS API and the desktop flags: set_lesson, step, set, link,
// state_json, load_file.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include <imgui.h>

struct ImGuiWindow;

#include "colormap.hpp"
#include "frame_pacer.hpp"
#include "layout.hpp"
#include "lesson.hpp"
#include "link.hpp"
#include "platform.hpp"
#include "step_player.hpp"

namespace attn::ui {

class App {
public:
    explicit App(Platform& platform);
    ~App();

    // Build one frame of UI. dt: seconds since the previous frame.
    void frame(double dt);

    // --- API shared by the JS bindings, desktop flags and tests (all return "" or an error) ---
    std::string set_lesson(const std::string& id);
    std::string step(long index);
    void next();
    void prev();
    std::string set(const std::string& name, const std::string& value);
    // Applies a deep link (query string); problems are reported in the status line and
    // returned, and the rest of the link still applies.
    std::string apply_link(const std::string& query);
    std::string link() const;  // query string of the current view
    std::string state_json();  // see README ("window.attnlab.state()")
    // The part of state() the page compares after every frame for its events and screen-reader
    // mirror: no matrix, heatmap rectangles or timings, so it stays the same string while the
    // view does.
    std::string summary_json();
    // The lessons in registry order: [{"id", "title", "key"}] ("key" = its number key).
    std::string lessons_json() const;
    std::string load_file(const std::string& kind, const std::string& bytes);
    std::string export_file(const std::string& kind);  // "png" | "csv" | "json"
    std::string scenario_json();
    std::string import_scenario(const std::string& text);

    // Presenter mode: font scale 1–3 and a high-contrast theme.
    float font_scale() const { return font_scale_; }
    bool high_contrast() const { return high_contrast_; }
    // The shell multiplies fonts by the display's pixel ratio.
    void set_dpi_scale(float s);
    // True once after the font size changed: the shell's renderer rebuilds the font atlas.
    bool take_fonts_changed();
    float font_pixels() const;

    // The shell's window or tab is hidden (minimised, background tab): live work pauses.
    void set_hidden(bool hidden);
    // The most time a live lesson may spend per frame (default 8 ms of a 16 ms frame; 1..100).
    // The slice it gets is steered below that so whole frames last the target frame time
    // (ui/logic/frame_pacer.hpp): a slow renderer leaves less room for the work.
    std::string set_frame_budget_ms(double ms);
    double frame_budget_ms() const { return pacer_.max_ms(); }
    // The frame time to keep while a lesson is live (default 17.7 ms: 60 Hz with a margin for
    // display-paced frames; a shell whose frames are not paced by the display sets 16).
    std::string set_target_frame_ms(double ms);
    // The slice the next advance() gets, and the time the last advance() took (ms).
    double advance_budget_ms() const { return pacer_.budget_ms(); }
    double last_advance_ms() const { return advance_ms_; }
    // A live lesson is running on screen (a desktop shell stops waiting for the display then).
    bool running_live();

    const std::string& status() const { return status_; }
    Lesson& lesson() { return *lessons_[current_]; }
    std::size_t lesson_count() const { return lessons_.size(); }
    double last_frame_ms() const { return frame_ms_; }

private:
    void top_bar();
    void status_line();
    void side_panel();
    void explain_section();
    void controls_section();
    void export_section();
    void player_bar();
    void live_badge();
    float speed_frame_width() const;
    float speed_slider_width() const;
    void lesson_view();
    void stacked_page();
    void wide_page();
    void drag_scroll();
    // The last item (a group or a child) is the region `name`: state() reports it in CSS px.
    void record_region(const char* name);
    // The embedded view's hide= names applied to the lesson on screen; unknown ones go to *problems.
    void apply_hide(std::vector<std::string>* problems);
    void apply_theme();
    void ensure_computed();
    void advance_live(double dt);
    void follow_trace();
    void notify_link();
    void set_status(std::string s, bool error);
    void summary_fields(nlohmann::json& j);
    void update_keyboard_nav();

    Platform& platform_;
    std::vector<std::unique_ptr<Lesson>> lessons_;
    std::size_t current_ = 0;
    StepPlayer player_;
    Colormap colormap_ = Colormap::viridis;
    float font_scale_ = 1.0f, dpi_scale_ = 1.0f;
    bool high_contrast_ = false, fonts_changed_ = true, theme_applied_ = false;
    bool opened_ = false;  // the first computation has placed the player at default_step()
    // A lesson waiting for a shipped model has no steps yet: the step to show once it has some
    // (a link's step, or kDefaultStep for the lesson's default_step()); −1 none.
    static constexpr long kDefaultStep = -2;
    long pending_step_ = -1;
    void go_or_wait(long step);
    std::string status_;
    bool status_is_error_ = false;
    std::string last_link_;
    std::chrono::steady_clock::time_point last_link_time_{};
    std::string path_input_;  // desktop: path field for images/scenarios
    double frame_ms_ = 0.0, compute_ms_ = 0.0, advance_ms_ = 0.0;
    FramePacer pacer_;
    bool advanced_last_frame_ = false;
    bool hidden_ = false;
    HeatmapHover hover_;
    // Layout (ui/logic/layout.hpp) of the current frame, and what the last frame measured.
    Layout layout_;
    EmbedOptions embed_;
    std::vector<std::string> hide_;       // hide= names that apply to the lesson on screen
    float tabs_width_ = 0.0f;             // the lesson buttons side by side (device px)
    ImGuiWindow* scroll_drag_ = nullptr;  // a drag that started off the widgets scrolls this window
    float page_scroll_ = 0.0f, page_height_ = 0.0f;
    ImVec2 view_scroll_{0.0f, 0.0f};  // the lesson's view, scrolled within its region
    float view_content_h_ = 0.0f;     // stacked: the height the lesson's views took at the full height
    float view_measured_at_ = 0.0f;   // the stacked view height view_content_h_ was measured at
    struct Region {
        std::string name;
        float x0, y0, x1, y1;
    };
    std::vector<Region> regions_, regions_last_;
    std::string focus_;           // the focused widget in words, from the last frame (widgets/focus.hpp)
    bool keyboard_nav_ = false;   // Tab started ImGui's keyboard navigation (update_keyboard_nav)
    bool nav_to_lesson_ = false;  // put the keyboard focus on the open lesson's button this frame
};

}  // namespace attn::ui
