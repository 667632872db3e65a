// link.hpp: the view state carried by a URL (deep links) — lesson, step and parameters —
// as an application/x-www-form-urlencoded query string: "lesson=dot&step=12&dk=64".
// Two keys shape an embedded view (a lesson in a course page's <iframe>): "embed=1" shows the
// one lesson without the lesson bar, and "hide=controls,explain" hides parts of it (embed_options).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace attn::ui {

struct Link {
    std::string lesson;
    long step = -1;                                           // −1: not given
    std::vector<std::pair<std::string, std::string>> params;  // in URL order
    bool embed = false;                                       // embed=1
    std::vector<std::string> hide;                            // hide=a,b,c: the names as given
};

// What an embedded view hides. The parts: "controls" (every parameter and the lesson's own
// controls), "explain" (the explanation), "player" (the step player), "export" (export and
// import), or one parameter by its link name (its widget alone).
struct EmbedOptions {
    bool embed = false;
    bool explain = false, controls = false, player = false, exports = false;
    std::vector<std::string> params;  // parameters whose widgets are hidden
    std::vector<std::string> known;   // the link's hide names understood (parts and parameters), in order
};
constexpr const char* kHideParts = "controls, explain, player, export";
// The link's embed and hide keys for a lesson with these parameter names. An unknown name in
// hide is left out and described in *problems, like other bad link values.
EmbedOptions embed_options(const Link& link, const std::vector<std::string>& param_names,
                           std::vector<std::string>* problems = nullptr);

// Percent-encodes everything outside [A-Za-z0-9-_.~].
std::string url_encode(const std::string& s);
std::string encode_link(const Link& link);
// Accepts an optional leading '?' or '#'. Malformed pieces (bad escapes, over-long values,
// too many parameters, a step that is not a small number) are skipped and described in
// *warnings; what remains is returned. Never throws.
Link decode_link(const std::string& query, std::vector<std::string>* warnings = nullptr);

}  // namespace attn::ui
