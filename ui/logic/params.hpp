// params.hpp: a lesson's user-settable parameters, bound to its own fields, each declared once.
//
// A declaration says everything about a parameter: its name (in links, the JS API and
// scenario files), its range and default, and how the app draws it (widget, label, format,
// tooltip, what goes around it). One table serves every way a parameter can be set: the
// widgets (drawn by ui/app/widgets/param_widgets.cpp, so this file needs no ImGui), the URL
// (deep links), the JS API's set(name, value), and scenario files. Every value is validated
// against its bounds; a bad value is refused with a message and the old value kept.
//
//     params_.add_int("dk", &dk_, 2, 512, 8).label("d_k").log();
//     params_.add_seed("seed", &seed_, 1);
//     params_.add_choice("mode", &mode_, {"se", "cbam"}, 1).label("attention")
//         .choice_labels({"squeeze-and-excitation", "CBAM (channel + spatial)"});
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace attn::ui {

struct Param {
    enum class Type { integer, real, boolean, choice, text };
    // slider: integer or real (log: logarithmic); checkbox: boolean; combo: choice;
    // seed: integer in a box with − and + buttons; none: not drawn (the lesson has its own).
    enum class Widget { slider, checkbox, combo, seed, none };

    std::string name;  // URL / API name, e.g. "dk"
    Type type = Type::integer;
    double min = 0, max = 0;           // integer, real (inclusive); choice: 0..count − 1
    double def = 0;                    // the value the lesson starts with
    std::vector<std::string> choices;  // choice: the value is an index into this
    std::function<double()> get;
    std::function<void(double)> set;
    // text: the value itself (get/set above are inert); at most max_length bytes of UTF-8.
    std::function<std::string()> get_text;
    std::function<void(const std::string&)> set_text;
    std::size_t max_length = 0;

    // --- How the app draws it ---
    Widget widget = Widget::slider;
    std::string label;                       // the widget's label (and ImGui id)
    std::vector<std::string> choice_labels;  // combo entries, one per choice
    bool log = false;                        // slider: logarithmic
    std::string format;                      // slider: printf format of the value, e.g. "%d px"
    std::string tooltip;                     // shown while the widget is hovered ("" none)
    std::string group;                       // "": drawn by the app before the lesson's controls(); else by the lesson
    bool recompute = true;                   // false: the value only changes the view (e.g. an overlay's opacity)
    bool separator = false;                  // a line above the widget
    std::string heading;                     // a line of text above the widget ("" none)
    std::function<bool()> shown;             // the widget is hidden while this returns false
    std::function<double()> slider_max;      // a slider's upper end while it is below max
    std::function<std::string()> note;       // text under the widget ("" none)
    bool note_dim = true;                    // the note in the disabled colour
    // Slider: a value above live_max is applied when the slider is released, not while it is
    // dragged (each value would be a slow recompute).
    double live_max = INFINITY;

    // Widget state while such a slider is dragged (kept here so the drawing code has no statics).
    bool dragging = false;
    double drag_value = 0;
};

// Chained settings of the parameter just added: ParamSet::add_* returns one.
class ParamDecl {
public:
    explicit ParamDecl(Param& p) : p_(p) {}
    ParamDecl& label(std::string s);
    ParamDecl& choice_labels(std::vector<std::string> labels);
    ParamDecl& log();
    ParamDecl& format(std::string f);
    ParamDecl& tooltip(std::string t);
    ParamDecl& group(std::string g);
    ParamDecl& view_only();  // recompute = false
    ParamDecl& separator();
    ParamDecl& heading(std::string h);
    ParamDecl& shown(std::function<bool()> f);
    ParamDecl& slider_max(std::function<double()> f);
    ParamDecl& note(std::function<std::string()> f, bool dim = true);
    ParamDecl& live_max(double v);
    ParamDecl& hidden();  // widget none: the lesson draws this one itself
    Param& param() { return p_; }

private:
    Param& p_;
};

class ParamSet {
public:
    // Each sets *p to its default and draws as a slider (numbers), a checkbox or a combo.
    // Without a default, the current value of *p is the default. A default outside the range,
    // an empty choice list or a name used twice is a programming error: std::invalid_argument.
    ParamDecl add_int(const std::string& name, int* p, int min, int max, int def);
    ParamDecl add_int(const std::string& name, int* p, int min, int max) { return add_int(name, p, min, max, *p); }
    ParamDecl add_float(const std::string& name, float* p, float min, float max, float def);
    ParamDecl add_float(const std::string& name, float* p, float min, float max) {
        return add_float(name, p, min, max, *p);
    }
    ParamDecl add_bool(const std::string& name, bool* p, bool def);
    ParamDecl add_bool(const std::string& name, bool* p) { return add_bool(name, p, *p); }
    ParamDecl add_choice(const std::string& name, int* p, std::vector<std::string> choices, int def);
    ParamDecl add_choice(const std::string& name, int* p, std::vector<std::string> choices) {
        return add_choice(name, p, std::move(choices), *p);
    }
    // Free text (a typed date), at most max_length bytes; the lesson draws its own box (widget none).
    ParamDecl add_text(const std::string& name, std::string* p, std::size_t max_length, std::string def);
    // A random seed 0..kMaxSeed in a box with − and + buttons, labelled "seed".
    static constexpr int kMaxSeed = 9999;
    ParamDecl add_seed(const std::string& name, int* p, int def);

    const std::vector<Param>& all() const { return params_; }
    std::vector<Param>& all() { return params_; }
    const Param* find(const std::string& name) const;
    // Value as text: integers as digits, reals shortest round-trip, booleans 0/1, choices by name.
    std::string get(const std::string& name) const;
    // Parses and validates; on failure returns a message naming the parameter and the accepted
    // range, and leaves the value unchanged. Returns an empty string on success.
    std::string set(const std::string& name, const std::string& value);

    // Width of the widgets in font heights (0: ImGui's default, about two thirds of the panel).
    void set_widget_width(float font_heights) { widget_width_ = font_heights; }
    float widget_width() const { return widget_width_; }
    // Parameters whose widgets are not drawn (an embedded view's hide=name); their values still
    // apply and round-trip through links.
    void set_hidden(std::vector<std::string> names) { hidden_ = std::move(names); }
    bool hidden(const std::string& name) const {
        for (const auto& n : hidden_)
            if (n == name) return true;
        return false;
    }

private:
    ParamDecl add(Param p);

    std::vector<Param> params_;
    float widget_width_ = 0.0f;
    std::vector<std::string> hidden_;
};

}  // namespace attn::ui
