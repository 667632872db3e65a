// colormap.cpp: perceptually uniform colour scales, linearly interpolated between anchor
// colours read off the published scales at t = 0, 1/8, …, 1 (viridis and magma from
// matplotlib's definitions, cividis from Nuñez et al. 2018). Nine anchors keep every map
// monotone in lightness, which is what matters for reading a heatmap.
//
// These anchors are attnlab's only copy of the scales: the GPU's 256-entry tables are sampled
// from colormap_color, and every exported PNG (app and CLI, export.cpp) is coloured by it.
#include "colormap.hpp"

#include <cmath>

namespace attn::ui {

namespace {

using Anchors = std::array<std::uint32_t, 9>;
constexpr Anchors kViridis = {0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30, 0xfde725};
constexpr Anchors kMagma = {0x000004, 0x1c1044, 0x4f127b, 0x812581, 0xb5367a, 0xe55064, 0xfb8761, 0xfec287, 0xfcfdbf};
constexpr Anchors kCividis = {0x00224e, 0x1d3a6e, 0x4a4c6b, 0x69676f, 0x7f7c75, 0x9b9376, 0xbcab6e, 0xdec65c, 0xfee838};

const Anchors* anchors_of(Colormap c) {
    switch (c) {
        case Colormap::viridis: return &kViridis;
        case Colormap::magma: return &kMagma;
        case Colormap::cividis: return &kCividis;
        case Colormap::grey: break;
    }
    return nullptr;  // grey: t · 255 in every channel
}

ColormapTable build(Colormap c) {
    ColormapTable t{};
    for (int i = 0; i < 256; ++i) {
        const auto rgba = colormap_color(c, static_cast<float>(i) / 255.0f);
        for (int k = 0; k < 4; ++k) t[i * 4 + k] = rgba[k];
    }
    return t;
}

}  // namespace

const ColormapTable& colormap_table(Colormap c) {
    static const ColormapTable tables[] = {build(Colormap::viridis), build(Colormap::magma), build(Colormap::cividis),
                                           build(Colormap::grey)};
    return tables[static_cast<int>(c)];
}

std::array<std::uint8_t, 4> colormap_color(Colormap c, float t) {
    if (!(t >= 0.0f)) t = 0.0f;  // also catches NaN
    if (t > 1.0f) t = 1.0f;
    const Anchors* anchors = anchors_of(c);
    if (!anchors) {
        const auto g = static_cast<std::uint8_t>(std::lround(t * 255.0f));
        return {g, g, g, 255};
    }
    // Between anchors k and k + 1, linearly, each channel rounded to the nearest 8-bit value.
    const float pos = t * 8.0f;
    const int k = pos >= 8.0f ? 7 : static_cast<int>(pos);
    const float f = pos - static_cast<float>(k);
    std::array<std::uint8_t, 4> rgba{0, 0, 0, 255};
    for (int ch = 0; ch < 3; ++ch) {
        const int shift = 16 - 8 * ch;
        const float a = static_cast<float>(((*anchors)[k] >> shift) & 0xff);
        const float b = static_cast<float>(((*anchors)[k + 1] >> shift) & 0xff);
        rgba[ch] = static_cast<std::uint8_t>(std::lround(a + (b - a) * f));
    }
    return rgba;
}

}  // namespace attn::ui
