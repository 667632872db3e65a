// colormap.hpp: the heatmap colour scales. One set of anchor colours per map (colormap.cpp)
// feeds both the GPU (a 256×1 texture sampled by shaders/heatmap.frag) and the CPU colours of
// exported PNGs (export.hpp, for the app and the CLI), so the screen and the pictures agree.
#pragma once

#include <array>
#include <cstdint>

namespace attn::ui {

enum class Colormap { viridis, magma, cividis, grey };
inline constexpr const char* kColormapNames[] = {"viridis", "magma", "cividis", "grey"};

using ColormapTable = std::array<std::uint8_t, 256 * 4>;
// Entry i is colormap_color(c, i / 255): the texture the heatmap shader samples (linearly, so
// the screen shows colormap_color of the cell's value to within rounding).
const ColormapTable& colormap_table(Colormap c);
// t in [0, 1] (clamped; NaN maps to 0) → RGBA, interpolated between the map's anchor colours
// at t itself (not at the nearest of 256 steps).
std::array<std::uint8_t, 4> colormap_color(Colormap c, float t);

}  // namespace attn::ui
