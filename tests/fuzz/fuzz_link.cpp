// libFuzzer target: deep-link parsing (URL query from an untrusted address bar) and applying
// its values to a parameter table of every type. Decoding must never throw, values must stay
// in bounds, and a decoded link must survive encode → decode unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "link.hpp"
#include "params.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string q(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    const attn::ui::Link l = attn::ui::decode_link(q, &warnings);
    int n = 5, choice = 0;
    float t = 1.0f;
    bool b = false;
    attn::ui::ParamSet p;
    p.add_int("n", &n, 2, 2048);
    p.add_float("t", &t, 0.05f, 20.0f);
    p.add_bool("b", &b);
    p.add_choice("c", &choice, {"none", "causal", "window"});
    for (const auto& [k, v] : l.params) p.set(k, v);
    if (n < 2 || n > 2048 || !(t >= 0.05f && t <= 20.0f) || choice < 0 || choice > 2) std::abort();
    const attn::ui::Link again = attn::ui::decode_link(attn::ui::encode_link(l));
    if (!l.lesson.empty() && (again.lesson != l.lesson || again.params != l.params || again.step != l.step))
        std::abort();
    return 0;
}
