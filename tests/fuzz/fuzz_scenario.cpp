// libFuzzer target: scenario JSON import (files users open or receive). Must never throw; an
// accepted scenario must round-trip through export unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    attn::ui::Scenario s;
    if (!attn::ui::scenario_from_json(text, s).empty()) return 0;
    attn::ui::Scenario back;
    if (!attn::ui::scenario_from_json(attn::ui::scenario_to_json(s), back).empty()) std::abort();
    if (back.lesson != s.lesson || back.step != s.step || back.data != s.data) std::abort();
    return 0;
}
