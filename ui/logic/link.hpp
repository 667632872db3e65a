// link.hpp: the view state carried by a URL (deep links) — lesson, step and parameters —
// as an application/x-www-form-urlencoded query string: "lesson=dot&step=12&dk=64".
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace attn::ui {

struct Link {
    std::string lesson;
    long step = -1;                                           // −1: not given
    std::vector<std::pair<std::string, std::string>> params;  // in URL order
};

// Percent-encodes everything outside [A-Za-z0-9-_.~].
std::string url_encode(const std::string& s);
std::string encode_link(const Link& link);
// Accepts an optional leading '?' or '#'. Malformed pieces (bad escapes, over-long values,
// too many parameters, a step that is not a small number) are skipped and described in
// *warnings; what remains is returned. Never throws.
Link decode_link(const std::string& query, std::vector<std::string>* warnings = nullptr);

}  // namespace attn::ui
