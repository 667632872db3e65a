// colormap.hpp: the heatmap colour scales. One 256-entry RGBA table per map feeds both the
// GPU (as a 256×1 texture sampled by shaders/heatmap.frag) and CPU exports (PNG), so the
// screen and the exported picture agree.
#pragma once

#include <array>
#include <cstdint>

namespace attn::ui {

enum class Colormap { viridis, magma, cividis, grey };
inline constexpr const char* kColormapNames[] = {"viridis", "magma", "cividis", "grey"};

using ColormapTable = std::array<std::uint8_t, 256 * 4>;
const ColormapTable& colormap_table(Colormap c);
// t in [0, 1] (clamped; NaN maps to 0) → RGBA.
std::array<std::uint8_t, 4> colormap_color(Colormap c, float t);

}  // namespace attn::ui
