// app.cpp: layout, shared controls, the public API and export/import.
//
// [SECTION] construction and theme
// [SECTION] frame: top bar, side panel, player, lesson view
// [SECTION] API (JS bindings, desktop flags, tests)
// [SECTION] export and import
#include "app.hpp"

#include <imgui.h>
#include <imgui_internal.h>  // keyboard navigation: NavId, NavDisableHighlight, SetFocusID
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <new>

#include "export.hpp"
#include "scenario.hpp"
#include "widgets/flow.hpp"
#include "widgets/focus.hpp"
#include "widgets/param_widgets.hpp"

namespace attn::ui {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Largest matrix state() returns values for (bigger ones report their shape only).
constexpr std::size_t kStateMaxCells = 1u << 16;

// The shown matrix as a PNG heatmap in the chosen colormap, from its smallest to its largest
// finite value. Sized by export.hpp's rule, the CLI's --png's too: for one matrix of R × C,
// each cell is a square of max(1, min(⌈256 / C⌉, 64, ⌊2048 / R⌋)) px: the image is at least
// 256 px wide unless C < 4 (the 64 px cap) or the rows are many (the 2048 px height cap).
std::string png_of(const ShownMatrix& m, Colormap cmap) {
    const std::vector<ConstMatrixView> panel = {m.values};
    return heatmap_png(panel, cmap, finite_range(panel));
}

}  // namespace

// [SECTION] construction and theme

App::App(Platform& platform) : platform_(platform) {
    for (LessonFactory make : lesson_factories()) lessons_.push_back(make());
    for (auto& l : lessons_) l->attach(&platform_);  // lessons that fetch shipped models
}

App::~App() = default;

void App::set_dpi_scale(float s) {
    if (!(s > 0.25f && s < 8.0f) || s == dpi_scale_) return;
    dpi_scale_ = s;
    fonts_changed_ = true;
}

bool App::take_fonts_changed() {
    const bool c = fonts_changed_;
    fonts_changed_ = false;
    return c;
}

float App::font_pixels() const { return std::round(16.0f * font_scale_ * dpi_scale_); }

void App::apply_theme() {
    ImGuiStyle style;
    if (high_contrast_) {
        ImGui::StyleColorsLight(&style);
        style.Colors[ImGuiCol_WindowBg] = ImVec4(1, 1, 1, 1);
        // Child windows show the page's white through (an opaque one would paint it again).
        style.Colors[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
        style.Colors[ImGuiCol_Text] = ImVec4(0, 0, 0, 1);
        style.Colors[ImGuiCol_FrameBg] = ImVec4(0.90f, 0.90f, 0.90f, 1);
        style.Colors[ImGuiCol_Border] = ImVec4(0, 0, 0, 1);
        style.FrameBorderSize = 1.0f;
    } else {
        ImGui::StyleColorsDark(&style);
        style.Colors[ImGuiCol_WindowBg] = ImVec4(0.09f, 0.10f, 0.12f, 1);
    }
    style.FrameRounding = 3.0f;
    style.WindowRounding = 0.0f;
    style.ScaleAllSizes(font_scale_ * dpi_scale_);
    ImGui::GetStyle() = style;
    theme_applied_ = true;
}

void App::set_status(std::string s, bool error) {
    status_ = std::move(s);
    status_is_error_ = error;
}

void App::ensure_computed() {
    Lesson& l = lesson();
    const auto t0 = Clock::now();
    if (l.update()) {
        compute_ms_ = ms_since(t0);
        follow_trace();
        if (!opened_) {  // the opening lesson starts at its default step, as set_lesson does
            opened_ = true;
            go_or_wait(kDefaultStep);
        } else if (pending_step_ != -1 && player_.count() > 0) {
            go_or_wait(pending_step_);
        }
    }
}

void App::go_or_wait(long step) {
    if (player_.count() == 0) {
        pending_step_ = step;
        return;
    }
    pending_step_ = -1;
    const std::size_t at = step == kDefaultStep ? lesson().default_step() : static_cast<std::size_t>(step);
    player_.go(std::min(at, player_.count() - 1));
}

void App::follow_trace() {
    Lesson& l = lesson();
    StepPlayer::Follow f = StepPlayer::Follow::fixed;
    if (l.live()) {
        switch (l.trace_follow()) {
            case TraceFollow::growing: f = StepPlayer::Follow::growing; break;
            case TraceFollow::replaced: f = StepPlayer::Follow::replaced; break;
            case TraceFollow::fixed: break;
        }
    }
    player_.set_follow(f);
    player_.set_count(l.trace().steps().size());
}

bool App::running_live() { return !hidden_ && lesson().live() && lesson().error().empty(); }

// The live lesson's work for this frame, within the paced slice; not while the window is hidden.
// dt: the previous frame, start to start (s).
void App::advance_live(double dt) {
    Lesson& l = lesson();
    if (!running_live()) {
        if (player_.live()) follow_trace();  // it just paused or failed: the badge goes
        if (advanced_last_frame_) pacer_.reset();
        advanced_last_frame_ = false;
        return;
    }
    if (advanced_last_frame_) pacer_.frame_took(dt * 1000.0, advance_ms_);  // a frame that had a slice
    const auto t0 = Clock::now();
    l.run_advance(FrameBudget(pacer_.budget_ms(), t0));
    advance_ms_ = ms_since(t0);
    advanced_last_frame_ = true;
    follow_trace();
}

void App::set_hidden(bool hidden) {
    if (hidden == hidden_) return;
    hidden_ = hidden;
    if (hidden_) lesson().hidden();
}

std::string App::set_frame_budget_ms(double ms) {
    if (!pacer_.set_max_ms(ms)) return "frame budget must be within 1..100 ms";
    return "";
}

std::string App::set_target_frame_ms(double ms) {
    if (!pacer_.set_target_ms(ms)) return "target frame time must be within 1..100 ms";
    return "";
}

// While a live lesson runs its link may change every frame (a training lesson's step count):
// the shell hears of it at most once a second then (browsers throttle history.replaceState),
// and at once otherwise.
void App::notify_link() {
    const std::string q = link();
    if (q == last_link_) return;
    if (player_.live() && ms_since(last_link_time_) < 1000.0) return;
    last_link_ = q;
    last_link_time_ = Clock::now();
    platform_.link_changed(q);
}

// [SECTION] frame: top bar, side panel, player, lesson view

void App::frame(double dt) {
    const auto t0 = Clock::now();
    if (!theme_applied_) apply_theme();
    ensure_computed();
    advance_live(dt);
    player_.update(dt);
    clear_focus();
    update_keyboard_nav();
    ImGuiIO& io = ImGui::GetIO();
    if (!io.WantTextInput && !keyboard_nav_) {
        // ImGui 1.86 indexes keys by the backend's codes: named keys through GetKeyIndex; digits
        // are their ASCII codes under GLFW natively and under Emscripten's GLFW alike.
        auto pressed = [](ImGuiKey k, bool repeat) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(k), repeat); };
        if (pressed(ImGuiKey_RightArrow, true)) next();
        if (pressed(ImGuiKey_LeftArrow, true)) prev();
        if (pressed(ImGuiKey_Space, false)) player_.toggle_play();
        if (pressed(ImGuiKey_Home, false)) player_.first();
        if (pressed(ImGuiKey_End, false)) player_.last();
    }
    if (!io.WantTextInput)
        for (int k = 0; !embed_.embed && k < static_cast<int>(lessons_.size()) && k < 9; ++k)
            if (ImGui::IsKeyPressed('1' + k, false)) set_lesson(lessons_[k]->id());

    const ImGuiViewport* vp = ImGui::GetMainViewport();
    LayoutInput in;
    in.width = vp->WorkSize.x;
    in.height = vp->WorkSize.y;
    in.font_px = ImGui::GetFontSize();
    in.lesson_tabs_width = tabs_width_;
    in.embed = embed_.embed;
    in.hide_explain = embed_.explain;
    in.hide_controls = embed_.controls;
    in.hide_player = embed_.player;
    in.hide_export = embed_.exports;
    layout_ = compute_layout(in);
    regions_last_.swap(regions_);
    regions_.clear();
    param_rects_new_frame();

    ImGui::SetNextWindowPos(vp->WorkPos);
    ImGui::SetNextWindowSize(vp->WorkSize);
    // Stacked, the page itself scrolls (a drag off the widgets, a wheel, or its scrollbar).
    ImGuiWindowFlags flags = ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                             ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                             ImGuiWindowFlags_NoBringToFrontOnFocus;
    if (!layout_.stacked) flags |= ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse;
    // No background: the renderer clears the frame to WindowBg already, and a software rasterizer
    // (a browser without a GPU, SwiftShader) pays for every full-window layer it blends.
    flags |= ImGuiWindowFlags_NoBackground;
    ImGui::Begin("attnlab", nullptr, flags);
    if (layout_.stacked)
        stacked_page();
    else
        wide_page();
    page_scroll_ = ImGui::GetScrollY();
    page_height_ = ImGui::GetScrollMaxY() + ImGui::GetWindowHeight();
    ImGui::End();
    focus_ = take_focus();
    notify_link();
    frame_ms_ = ms_since(t0);
}

void App::record_region(const char* name) {
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    regions_.push_back({name, a.x, a.y, b.x, b.y});
}

// Wide: the lesson bar on top, the side panel on the left, the player and the views on the right.
void App::wide_page() {
    if (layout_.lesson_bar) {
        ImGui::BeginGroup();
        top_bar();
        ImGui::EndGroup();
        record_region("lessonBar");
    } else {
        status_line();
    }
    if (layout_.side_width > 0) {
        ImGui::BeginChild("side", ImVec2(layout_.side_width, 0), true);
        side_panel();
        ImGui::EndChild();
        record_region("side");
        ImGui::SameLine();
        // A parameter just changed in the panel (a slider being dragged): the views below are
        // drawn from the new numbers, never from the new sizes with the old matrices (the
        // Multi-head lesson's head blocks would not fit).
        ensure_computed();
    }
    ImGui::BeginChild("main", ImVec2(0, 0), false);
    if (layout_.player) {
        ImGui::BeginGroup();
        player_bar();
        ImGui::EndGroup();
        record_region("player");
    }
    lesson_view();
    ImGui::EndChild();
    drag_scroll();
}

// Stacked: one column that scrolls: lesson bar, player, views at full width, then the
// explanation, the controls and export in collapsible sections.
void App::stacked_page() {
    if (layout_.lesson_bar) {
        ImGui::BeginGroup();
        top_bar();
        ImGui::EndGroup();
        record_region("lessonBar");
    } else {
        status_line();
    }
    if (layout_.player) {
        ImGui::BeginGroup();
        player_bar();
        ImGui::EndGroup();
        record_region("player");
    }
    lesson_view();
    if (layout_.explain) {
        ImGui::BeginGroup();
        if (ImGui::CollapsingHeader("Explanation", ImGuiTreeNodeFlags_DefaultOpen)) explain_section();
        ImGui::EndGroup();
        record_region("explain");
    }
    if (layout_.controls) {
        ImGui::BeginGroup();
        if (ImGui::CollapsingHeader("Controls", ImGuiTreeNodeFlags_DefaultOpen)) controls_section();
        ImGui::EndGroup();
        record_region("controls");
    }
    if (layout_.export_import) {
        ImGui::BeginGroup();
        if (ImGui::CollapsingHeader("Export and import")) export_section();
        ImGui::EndGroup();
        record_region("export");
    }
    drag_scroll();
}

// A press that lands off every widget and then drags scrolls what is under it (touch screens
// have no wheel; the browser's own scrolling is off so that the canvas gets the touches): the
// window under the finger first, e.g. the lesson's view when its content is taller or wider than
// its region, and what that window cannot take, its parents, up to the page.
void App::drag_scroll() {
    const ImGuiIO& io = ImGui::GetIO();
    ImGuiContext& g = *ImGui::GetCurrentContext();
    if (ImGui::IsMouseClicked(0) && ImGui::IsWindowHovered(ImGuiHoveredFlags_ChildWindows) &&
        !ImGui::IsAnyItemHovered() && !ImGui::IsAnyItemActive())
        scroll_drag_ = g.HoveredWindow;
    if (!io.MouseDown[0]) scroll_drag_ = nullptr;
    if (!scroll_drag_ || (io.MouseDelta.x == 0.0f && io.MouseDelta.y == 0.0f)) return;
    float dx = -io.MouseDelta.x, dy = -io.MouseDelta.y;
    for (ImGuiWindow* w = scroll_drag_; w && (dx != 0.0f || dy != 0.0f);
         w = (w->Flags & ImGuiWindowFlags_ChildWindow) ? w->ParentWindow : nullptr) {
        const float x = w->ScrollTarget.x < FLT_MAX ? w->ScrollTarget.x : w->Scroll.x;
        const float y = w->ScrollTarget.y < FLT_MAX ? w->ScrollTarget.y : w->Scroll.y;
        const float nx = std::clamp(x + dx, 0.0f, w->ScrollMax.x), ny = std::clamp(y + dy, 0.0f, w->ScrollMax.y);
        if (nx != x) ImGui::SetScrollX(w, nx);
        if (ny != y) ImGui::SetScrollY(w, ny);
        dx -= nx - x;
        dy -= ny - y;
    }
}

void App::lesson_view() {
    Lesson& l = lesson();
    if (!l.error().empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.35f, 0.3f, 1.0f));
        ImGui::TextWrapped("%s", l.error().c_str());
        ImGui::PopStyleColor();
        record_region("view");
        return;
    }
    LessonContext ctx{player_.index(), colormap_, &platform_};
    // Stacked, the views get the layout's height. A lesson whose views end well before that gets
    // only what they used at the full height, so the page shows no gap. The measure is taken at the
    // full height only: lessons that size their views by the height they are given would measure
    // less at a smaller one, and shrink frame after frame. A new lesson or layout height, or views
    // that outgrow the smaller height, are measured again at the full height (one frame); a new
    // step is not, so playing the steps never makes the page below jump.
    float height = 0.0f;
    bool full = true;
    if (layout_.stacked) {
        height = layout_.view_height;
        const bool remeasure = view_content_h_ <= 0.0f || layout_.view_height != view_measured_at_;
        if (!remeasure && view_content_h_ < 0.8f * height) height = view_content_h_;
        full = height == layout_.view_height;
    }
    ImGui::BeginChild("view", ImVec2(0, height), false, ImGuiWindowFlags_HorizontalScrollbar);
    l.draw(ctx);
    view_scroll_ = ImVec2(ImGui::GetScrollX(), ImGui::GetScrollY());
    // The content's height, with the window's padding and a horizontal scrollbar if one shows.
    const float content = ImGui::GetCursorPosY() + ImGui::GetStyle().WindowPadding.y +
                          (ImGui::GetScrollMaxX() > 0.0f ? ImGui::GetStyle().ScrollbarSize : 0.0f);
    if (full) {
        view_content_h_ = content;
        view_measured_at_ = layout_.stacked ? layout_.view_height : 0.0f;
    } else if (content > height + 1.0f) {
        view_content_h_ = 0.0f;  // outgrown: measure again at the full height
    }
    ImGui::EndChild();
    record_region("view");
}

void App::status_line() {
    if (status_.empty()) return;
    ImGui::PushStyleColor(ImGuiCol_Text, status_is_error_ ? ImVec4(1.0f, 0.4f, 0.35f, 1.0f)
                                                          : ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::PushTextWrapPos(ImGui::GetContentRegionMax().x - ImGui::GetFontSize() * 2.0f);
    ImGui::TextUnformatted(status_.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
    ImGui::SameLine();
    if (ImGui::SmallButton("×")) status_.clear();
}

// Keyboard navigation between widgets (ImGui's: arrows move, Space presses, Enter types a value,
// Escape leaves a panel) starts with Tab and ends with Escape at the top level or a mouse click.
// Outside it the arrows, Space, Home and End drive the step player, as the README says; the
// number keys open lessons in both.
void App::update_keyboard_nav() {
    ImGuiIO& io = ImGui::GetIO();
    ImGuiContext& g = *ImGui::GetCurrentContext();
    const bool clicked = io.MouseClicked[0] || io.MouseClicked[1] || io.MouseClicked[2];
    const bool tab = ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Tab), false);
    const bool escape = ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false);
    if (!keyboard_nav_ && tab && !io.WantTextInput) {
        keyboard_nav_ = true;
        nav_to_lesson_ = g.NavId == 0;  // nothing focused yet: start on the open lesson's button
    } else if (keyboard_nav_ && (clicked || (escape && g.NavId == 0 && g.ActiveId == 0))) {
        keyboard_nav_ = false;
        g.NavDisableHighlight = true;  // no focus rectangle left behind
    }
    if (keyboard_nav_)
        io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
    else
        io.ConfigFlags &= ~ImGuiConfigFlags_NavEnableKeyboard;
}

void App::top_bar() {
    const ImGuiStyle& style = ImGui::GetStyle();
    if (layout_.lesson_menu) {
        // Too narrow for a row of buttons: the lessons in a drop-down menu.
        const float buttons = ImGui::CalcTextSize("Copy link").x + ImGui::CalcTextSize("View…").x +
                              4.0f * style.FramePadding.x + 2.0f * style.ItemSpacing.x;
        ImGui::SetNextItemWidth(std::max(ImGui::GetFontSize() * 8.0f, ImGui::GetContentRegionAvail().x - buttons));
        char preview[96];
        std::snprintf(preview, sizeof preview, "%zu %s", current_ + 1, lessons_[current_]->title());
        if (ImGui::BeginCombo("##lesson", preview, ImGuiComboFlags_HeightLargest)) {
            for (std::size_t k = 0; k < lessons_.size(); ++k) {
                char label[96];
                std::snprintf(label, sizeof label, "%zu %s", k + 1, lessons_[k]->title());
                if (ImGui::Selectable(label, k == current_)) set_lesson(lessons_[k]->id());
            }
            ImGui::EndCombo();
        }
    } else {
        ImGui::TextUnformatted("attnlab");
        ImGui::SameLine();
    }
    // The row of lesson buttons is measured every frame, so the layout knows when it fits.
    float tabs = ImGui::CalcTextSize("attnlab").x + style.ItemSpacing.x;
    for (std::size_t k = 0; k < lessons_.size(); ++k) {
        char label[96];
        std::snprintf(label, sizeof label, "%zu %s", k + 1, lessons_[k]->title());
        tabs += ImGui::CalcTextSize(label).x + 2.0f * style.FramePadding.x + style.ItemSpacing.x;
        if (layout_.lesson_menu) continue;
        ImGui::SameLine();
        const bool active = k == current_;
        if (active) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
        if (ImGui::Button(label)) set_lesson(lessons_[k]->id());
        if (active && nav_to_lesson_) {
            ImGui::SetFocusID(ImGui::GetItemID(), ImGui::GetCurrentWindow());
            ImGui::GetCurrentContext()->NavDisableHighlight = false;
            nav_to_lesson_ = false;
        }
        describe_focus(std::string("lesson ") + label + (active ? " (open)" : ""));
        if (active) ImGui::PopStyleColor();
    }
    tabs_width_ = tabs;
    if (!layout_.lesson_menu) {
        ImGui::SameLine();
        ImGui::TextDisabled("|");
    }
    ImGui::SameLine();
    if (ImGui::Button("Copy link")) {
        platform_.copy_text(platform_.full_link(link()));
        set_status("link copied: " + platform_.full_link(link()), false);
    }
    describe_focus("copy link");
    ImGui::SameLine();
    if (ImGui::Button("View…")) ImGui::OpenPopup("view-options");
    describe_focus("view options");
    if (ImGui::BeginPopup("view-options")) {
        float scale = font_scale_;
        if (ImGui::SliderFloat("font scale", &scale, 1.0f, 3.0f, "%.2f×")) {
            font_scale_ = std::clamp(std::round(scale * 4.0f) / 4.0f, 1.0f, 3.0f);
        }
        if (ImGui::IsItemDeactivatedAfterEdit()) {
            fonts_changed_ = true;
            theme_applied_ = false;
        }
        if (ImGui::IsItemFocused()) {
            char words[48];
            std::snprintf(words, sizeof words, "font scale: %.2f", scale);
            describe_focus(words);
        }
        if (ImGui::Checkbox("high contrast (projector)", &high_contrast_)) theme_applied_ = false;
        describe_focus(high_contrast_ ? "high contrast: on" : "high contrast: off");
        int cm = static_cast<int>(colormap_);
        if (ImGui::Combo("colormap", &cm, kColormapNames, 4)) colormap_ = static_cast<Colormap>(cm);
        describe_focus(std::string("colormap: ") + kColormapNames[static_cast<int>(colormap_)]);
        ImGui::EndPopup();
    }
    if (!status_.empty()) {
        // Beside the buttons when wide; on a line of its own (wrapped) when stacked.
        if (!layout_.stacked) ImGui::SameLine();
        status_line();
    }
    ImGui::Separator();
}

void App::side_panel() {
    if (layout_.explain) {
        explain_section();
        ImGui::Separator();
    }
    if (layout_.controls) controls_section();
    if (layout_.export_import) {
        ImGui::Separator();
        ImGui::TextDisabled("Export and import");
        export_section();
    }
}

void App::explain_section() {
    ImGui::PushTextWrapPos(0.0f);
    lesson().explain();
    ImGui::PopTextWrapPos();
}

void App::controls_section() {
    Lesson& l = lesson();
    if (draw_params(l.params())) l.changed();
    l.controls();
}

void App::export_section() {
    if (ImGui::Button("PNG")) export_file("png");
    describe_focus("export the matrix as PNG");
    ImGui::SameLine();
    if (ImGui::Button("CSV")) export_file("csv");
    describe_focus("export the matrix as CSV");
    ImGui::SameLine();
    if (ImGui::Button("Scenario JSON")) export_file("json");
    describe_focus("export the scenario as JSON");
    if (ImGui::Button("Import scenario…") && !platform_.request_open("scenario")) ImGui::OpenPopup("open-path");
    describe_focus("import a scenario");
    if (ImGui::BeginPopup("open-path")) {
        char buf[1024];
        std::snprintf(buf, sizeof buf, "%s", path_input_.c_str());
        ImGui::SetNextItemWidth(std::min(ImGui::GetFontSize() * 20, ImGui::GetMainViewport()->WorkSize.x * 0.8f));
        if (ImGui::InputText("path", buf, sizeof buf, ImGuiInputTextFlags_EnterReturnsTrue)) {
            path_input_ = buf;
            std::string bytes, err;
            if (platform_.read_file(path_input_, bytes, err))
                import_scenario(bytes);
            else
                set_status(err, true);
            ImGui::CloseCurrentPopup();
        } else {
            path_input_ = buf;
        }
        ImGui::EndPopup();
    }
}

void App::live_badge() {
    ImGui::SameLine();
    ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.75f, 0.15f, 0.15f, 1.0f));
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, ImVec4(0.75f, 0.15f, 0.15f, 1.0f));
    ImGui::PushStyleColor(ImGuiCol_ButtonActive, ImVec4(0.75f, 0.15f, 0.15f, 1.0f));
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 1, 1, 1));
    ImGui::SmallButton("live");
    ImGui::PopStyleColor(4);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "%s", player_.follow() == StepPlayer::Follow::growing
                      ? "Live: new steps are appended as the lesson runs; on the last step the player follows them."
                      : "Live: each update replaces the whole trace; the player stays on its step and shows its "
                        "new numbers.");
    // The words beside it only when the rest of the player's row (slider, speed) still fits.
    const char* words = player_.follow() == StepPlayer::Follow::growing ? "growing trace" : "replaced each update";
    const ImGuiStyle& style = ImGui::GetStyle();
    const float rest = ImGui::CalcTextSize(words).x + style.ItemSpacing.x + layout_.step_slider_width +
                       style.ItemSpacing.x + speed_slider_width();
    if (!layout_.player_wraps && fits_after_last_item(rest)) {
        ImGui::SameLine();
        ImGui::TextDisabled("%s", words);
    }
}

// The player's speed slider: its frame, and the frame with its label "steps/s".
float App::speed_frame_width() const { return ImGui::GetFontSize() * (layout_.player_wraps ? 4.0f : 8.0f); }
float App::speed_slider_width() const {
    return speed_frame_width() + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize("steps/s").x;
}

void App::player_bar() {
    const std::size_t n = player_.count();
    auto button = [this](const char* label, const char* region, const std::string& words) {
        const bool pressed = ImGui::Button(label);
        record_region(region);
        describe_focus(words);
        return pressed;
    };
    if (button("|<", "playerFirst", "first step")) player_.first();
    ImGui::SameLine();
    if (button("<", "playerPrev", "previous step")) prev();
    ImGui::SameLine();
    if (button(player_.playing() ? "Pause" : "Play", "playerPlay", player_.playing() ? "pause" : "play the steps"))
        player_.toggle_play();
    ImGui::SameLine();
    if (button(">", "playerNext", "next step")) next();
    ImGui::SameLine();
    if (button(">|", "playerLast", "last step")) player_.last();
    // The live badge beside the buttons; wrapped, the slider and the speed take the next row.
    if (player_.live()) live_badge();
    if (!layout_.player_wraps) ImGui::SameLine();
    int idx = n ? static_cast<int>(player_.index()) + 1 : 0;
    ImGui::SetNextItemWidth(layout_.step_slider_width);
    char fmt[48];
    std::snprintf(fmt, sizeof fmt, "step %%d of %zu", n);
    if (ImGui::SliderInt("##step", &idx, n ? 1 : 0, static_cast<int>(n), fmt) && n)
        player_.go(static_cast<std::size_t>(idx - 1));
    record_region("playerSlider");
    describe_focus("step " + std::to_string(idx) + " of " + std::to_string(n));
    ImGui::SameLine();
    float speed = player_.speed();
    ImGui::SetNextItemWidth(speed_frame_width());
    if (ImGui::SliderFloat("steps/s", &speed, 0.25f, 500.0f, "%.2g", ImGuiSliderFlags_Logarithmic))
        player_.set_speed(speed);
    if (ImGui::IsItemFocused()) {
        char words[48];
        std::snprintf(words, sizeof words, "speed: %.2g steps per second", speed);
        describe_focus(words);
    }
    if (lesson().trace().truncated()) {
        char note[64];
        std::snprintf(note, sizeof note, "(first %zu steps recorded)", n);
        flow_same_line(ImGui::CalcTextSize(note).x);  // on the next line when it does not fit
        ImGui::TextDisabled("%s", note);
    }
}

// [SECTION] API (JS bindings, desktop flags, tests)

std::string App::set_lesson(const std::string& id) {
    for (std::size_t k = 0; k < lessons_.size(); ++k)
        if (id == lessons_[k]->id()) {
            if (k != current_) {
                lessons_[current_]->hidden();
                current_ = k;
                player_.pause();
                lessons_[k]->changed();
                apply_hide(nullptr);
                view_content_h_ = 0.0f;
                pending_step_ = -1;
                ensure_computed();
                go_or_wait(kDefaultStep);
            }
            return "";
        }
    std::string known;
    for (const auto& l : lessons_) known += (known.empty() ? "" : ", ") + std::string(l->id());
    return "unknown lesson '" + id.substr(0, 40) + "' (lessons: " + known + ")";
}

std::string App::step(long index) {
    ensure_computed();
    if (index < 0) return "step must be ≥ 0";
    if (player_.count() == 0) return "this view has no steps";
    if (static_cast<std::size_t>(index) >= player_.count())
        return "step " + std::to_string(index) + " is beyond the last step (" + std::to_string(player_.count() - 1) +
               ")";
    pending_step_ = -1;
    player_.go(static_cast<std::size_t>(index));
    return "";
}

void App::next() {
    player_.pause();
    player_.next();
}

void App::prev() {
    player_.pause();
    player_.prev();
}

std::string App::set(const std::string& name, const std::string& value) {
    if (name == "colormap") {
        for (int c = 0; c < 4; ++c)
            if (value == kColormapNames[c]) {
                colormap_ = static_cast<Colormap>(c);
                return "";
            }
        return "colormap: '" + value.substr(0, 40) + "' is not one of viridis, magma, cividis, grey";
    }
    // The app's own settings use the JS API's camelCase names, the same as their keys in state().
    if (name == "fontScale" || name == "highContrast") {
        char* end = nullptr;
        const double v = std::strtod(value.c_str(), &end);
        if (end != value.c_str() + value.size() || !std::isfinite(v))
            return name + ": expected a number, got '" + value.substr(0, 40) + "'";
        if (name == "highContrast") {
            high_contrast_ = v != 0;
        } else {
            if (v < 1 || v > 3) return "fontScale: " + value + " is outside 1..3";
            font_scale_ = static_cast<float>(v);
            fonts_changed_ = true;
        }
        theme_applied_ = false;
        return "";
    }
    std::string err = lesson().params().set(name, value);
    if (err.empty()) {
        lesson().changed();
        ensure_computed();
        follow_trace();  // a parameter that starts or pauses a live lesson shows at once in state()
    }
    return err;
}

std::string App::apply_link(const std::string& query) {
    std::vector<std::string> problems;
    const Link l = decode_link(query, &problems);
    if (!l.lesson.empty()) {
        const std::string e = set_lesson(l.lesson);
        if (!e.empty()) problems.push_back(e);
    }
    for (const auto& [k, v] : l.params) {
        const std::string e = set(k, v);
        if (!e.empty()) problems.push_back(e);
    }
    hide_ = l.hide;
    embed_.embed = l.embed;
    apply_hide(&problems);
    ensure_computed();
    if (l.step >= 0 && player_.count() == 0 && lesson().error().empty()) {
        go_or_wait(l.step);  // a shipped model on its way: shown when it arrives
    } else if (l.step >= 0) {
        const std::string e = step(l.step);
        if (!e.empty()) problems.push_back(e);
    }
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "; ") + p;
    if (!msg.empty()) set_status("link: " + msg, true);
    return msg;
}

std::string App::link() const {
    Link l;
    l.lesson = lessons_[current_]->id();
    l.step = static_cast<long>(player_.index());
    for (const Param& p : lessons_[current_]->params().all())
        l.params.emplace_back(p.name, lessons_[current_]->params().get(p.name));
    if (colormap_ != Colormap::viridis) l.params.emplace_back("colormap", kColormapNames[static_cast<int>(colormap_)]);
    l.embed = embed_.embed;
    l.hide = hide_;
    return encode_link(l);
}

void App::apply_hide(std::vector<std::string>* problems) {
    for (auto& lesson : lessons_) lesson->params().set_hidden({});
    std::vector<std::string> names;
    for (const Param& p : lesson().params().all()) names.push_back(p.name);
    Link l;
    l.embed = embed_.embed;
    l.hide = hide_;
    embed_ = embed_options(l, names, problems);
    lesson().params().set_hidden(embed_.params);
    if (problems) hide_ = embed_.known;  // a link's unknown names are reported once and not carried into link()
}

// What the page watches every frame (events, the screen-reader mirror): small, and unchanged
// from frame to frame unless the view changed, so the page can compare it as a string.
void App::summary_fields(nlohmann::json& j) {
    ensure_computed();
    Lesson& l = lesson();
    j["lesson"] = l.id();
    j["lessonTitle"] = l.title();
    j["step"] = player_.index();
    j["stepCount"] = player_.count();
    const auto& steps = l.trace().steps();
    const bool has = player_.index() < steps.size();
    j["stepTitle"] = has ? steps[player_.index()].title : "";
    j["formula"] = has ? steps[player_.index()].formula : "";
    j["stepKind"] = has ? step_kind_name(steps[player_.index()].kind) : "";
    j["stepHead"] = has ? steps[player_.index()].head : -1;
    j["live"] = player_.live();
    j["follow"] = player_.follow() == StepPlayer::Follow::growing    ? "growing"
                  : player_.follow() == StepPlayer::Follow::replaced ? "replaced"
                                                                     : "fixed";
    j["params"] = nlohmann::json::object();
    for (const Param& p : l.params().all()) j["params"][p.name] = l.params().get(p.name);
    j["colormap"] = kColormapNames[static_cast<int>(colormap_)];
    j["fontScale"] = font_scale_;
    j["highContrast"] = high_contrast_;
    j["error"] = l.error();
    j["status"] = status_;
    nlohmann::json hover = nullptr;
    for (const HeatmapRecord& r : heatmaps_last_frame())
        if (r.hover.active)
            hover = {{"heatmap", r.id}, {"row", r.hover.row}, {"col", r.hover.col}, {"value", r.hover.value}};
    j["hover"] = hover;
    j["focus"] = focus_.empty() ? nlohmann::json(nullptr) : nlohmann::json(focus_);
    j["keyboardNav"] = keyboard_nav_;
    // The lesson's own fields (the Training lesson's "training"); app.cpp knows no lesson type.
    const nlohmann::json extra = l.state_fields();
    if (extra.is_object())
        for (const auto& [key, value] : extra.items())
            if (!j.contains(key)) j[key] = value;
}

std::string App::summary_json() {
    nlohmann::json j;
    summary_fields(j);
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string App::state_json() {
    nlohmann::json j;
    summary_fields(j);
    Lesson& l = lesson();
    j["advanceMs"] = advance_ms_;
    j["frameBudgetMs"] = pacer_.max_ms();
    j["advanceBudgetMs"] = pacer_.budget_ms();
    j["frameMs"] = frame_ms_;
    j["computeMs"] = compute_ms_;
    j["link"] = link();
    // Heatmaps of the last frame in CSS pixels (the browser tests hover them).
    nlohmann::json maps = nlohmann::json::array();
    for (const HeatmapRecord& r : heatmaps_last_frame())
        maps.push_back({{"id", r.id},
                        {"x", r.x0 / dpi_scale_},
                        {"y", r.y0 / dpi_scale_},
                        {"w", (r.x1 - r.x0) / dpi_scale_},
                        {"h", (r.y1 - r.y0) / dpi_scale_}});
    j["heatmaps"] = maps;
    // The layout of the last frame in CSS px (ui/logic/layout.hpp): its regions (lessonBar,
    // player, playerNext, ..., view, explain, controls, export) and the parameters' widgets.
    auto css_rect = [this](float x0, float y0, float x1, float y1) {
        return nlohmann::json{{"x", x0 / dpi_scale_},
                              {"y", y0 / dpi_scale_},
                              {"w", (x1 - x0) / dpi_scale_},
                              {"h", (y1 - y0) / dpi_scale_}};
    };
    nlohmann::json regions = nlohmann::json::object();
    for (const Region& r : regions_last_) regions[r.name] = css_rect(r.x0, r.y0, r.x1, r.y1);
    nlohmann::json widgets = nlohmann::json::array();
    for (const ParamRect& r : param_rects_last_frame()) {
        nlohmann::json w = css_rect(r.x0, r.y0, r.x1, r.y1);
        w["name"] = r.name;
        w["kind"] = r.kind;
        widgets.push_back(w);
    }
    j["layout"] = {{"mode", layout_.stacked ? "stacked" : "wide"},
                   {"lessonMenu", layout_.lesson_menu},
                   {"embed", embed_.embed},
                   {"scrollY", page_scroll_ / dpi_scale_},
                   {"pageHeight", page_height_ / dpi_scale_},
                   {"viewScrollX", view_scroll_.x / dpi_scale_},
                   {"viewScrollY", view_scroll_.y / dpi_scale_},
                   {"fontPx", ImGui::GetCurrentContext() ? ImGui::GetFontSize() / dpi_scale_ : 0.0f},
                   {"regions", regions},
                   {"paramWidgets", widgets}};
    const ShownMatrix m = l.error().empty() ? l.shown_matrix(player_.index()) : ShownMatrix{};
    nlohmann::json mj;
    mj["name"] = m.name;
    mj["rows"] = m.values.rows();
    mj["cols"] = m.values.cols();
    if (m.values.size() <= kStateMaxCells) {
        std::vector<float> data;
        data.reserve(m.values.size());
        for (std::size_t i = 0; i < m.values.rows(); ++i)
            data.insert(data.end(), m.values.row(i), m.values.row(i) + m.values.cols());
        mj["data"] = data;
    } else {
        mj["data"] = nullptr;  // too large to serialise every frame; use export_file("csv")
    }
    mj["rowLabels"] = m.row_labels;
    mj["colLabels"] = m.col_labels;
    j["matrix"] = mj;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string App::lessons_json() const {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t k = 0; k < lessons_.size(); ++k)
        out.push_back({{"id", lessons_[k]->id()},
                       {"title", lessons_[k]->title()},
                       {"key", k < 9 ? nlohmann::json(std::to_string(k + 1)) : nlohmann::json(nullptr)}});
    return out.dump();
}

// [SECTION] export and import

std::string App::export_file(const std::string& kind) {
    ensure_computed();
    Lesson& l = lesson();
    std::string base = std::string("attnlab-") + l.id();
    Platform::Saved saved;
    if (kind == "json") {
        saved = platform_.save_file(base + ".json", "application/json", scenario_json());
    } else if (kind == "csv" || kind == "png") {
        if (!l.error().empty()) {
            set_status("nothing to export: " + l.error(), true);
            return status_;
        }
        const ShownMatrix m = l.shown_matrix(player_.index());
        base += "-" + m.name;
        for (char& c : base)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
        std::string bytes;
        try {
            bytes = kind == "csv" ? matrix_csv(m.values) : png_of(m, colormap_);
        } catch (const ExportError& e) {
            set_status("cannot export " + m.name + ": " + e.what(), true);
            return status_;
        } catch (const std::bad_alloc&) {
            set_status("cannot export " + m.name + ": out of memory", true);
            return status_;
        }
        saved = kind == "csv" ? platform_.save_file(base + ".csv", "text/csv", bytes)
                              : platform_.save_file(base + ".png", "image/png", bytes);
    } else {
        return lesson().export_file(kind);  // a lesson's own kind (the Training lesson's "model")
    }
    set_status(saved.message, !saved.ok);
    return saved.ok ? "" : saved.message;
}

std::string App::scenario_json() {
    Scenario s;
    s.lesson = lesson().id();
    s.step = static_cast<long>(player_.index());
    for (const Param& p : lesson().params().all()) s.params.emplace_back(p.name, lesson().params().get(p.name));
    s.data = lesson().data();
    return scenario_to_json(s);
}

std::string App::import_scenario(const std::string& text) {
    Scenario s;
    std::string err = scenario_from_json(text, s);
    if (err.empty()) err = set_lesson(s.lesson);
    if (err.empty()) {
        std::vector<std::string> problems;
        for (const auto& [k, v] : s.params) {
            const std::string e = lesson().params().set(k, v);
            if (!e.empty()) problems.push_back(e);
        }
        const std::string e = lesson().load_data(s.data);
        if (!e.empty()) problems.push_back(e);
        lesson().changed();
        ensure_computed();
        if (s.step >= 0 && static_cast<std::size_t>(s.step) < player_.count())
            player_.go(static_cast<std::size_t>(s.step));
        for (const auto& p : problems) err += (err.empty() ? "" : "; ") + p;
    }
    if (!err.empty()) {
        set_status("scenario not loaded: " + err, true);
        return err;
    }
    set_status("scenario loaded", false);
    return "";
}

std::string App::load_file(const std::string& kind, const std::string& bytes) {
    if (kind == "scenario") return import_scenario(bytes);
    std::string err;
    try {
        err = lesson().load_file(kind, bytes);
    } catch (const std::exception& e) {
        err = e.what();
    }
    if (!err.empty()) {
        set_status(err, true);
        return err;
    }
    lesson().changed();
    ensure_computed();
    set_status(kind + " loaded", false);
    return "";
}

}  // namespace attn::ui
