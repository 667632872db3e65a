// colormap.cpp: perceptually uniform colour scales, linearly interpolated between anchor
// colours read off the published scales at t = 0, 1/8, …, 1 (viridis and magma from
// matplotlib's definitions, cividis from Nuñez et al. 2018). Nine anchors keep every map
// monotone in lightness, which is what matters for reading a heatmap.
#include "colormap.hpp"

#include <cmath>

namespace attn::ui {

namespace {

using Anchors = std::array<std::uint32_t, 9>;
constexpr Anchors kViridis = {0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30, 0xfde725};
constexpr Anchors kMagma = {0x000004, 0x1c1044, 0x4f127b, 0x812581, 0xb5367a, 0xe55064, 0xfb8761, 0xfec287, 0xfcfdbf};
constexpr Anchors kCividis = {0x00224e, 0x1d3a6e, 0x4a4c6b, 0x69676f, 0x7f7c75, 0x9b9376, 0xbcab6e, 0xdec65c, 0xfee838};

ColormapTable build(const Anchors* anchors) {
    ColormapTable t{};
    for (int i = 0; i < 256; ++i) {
        const float x = static_cast<float>(i) / 255.0f;
        std::uint8_t rgb[3];
        if (!anchors) {
            rgb[0] = rgb[1] = rgb[2] = static_cast<std::uint8_t>(i);
        } else {
            const float pos = x * 8.0f;
            const int k = pos >= 8.0f ? 7 : static_cast<int>(pos);
            const float f = pos - static_cast<float>(k);
            for (int c = 0; c < 3; ++c) {
                const int shift = 16 - 8 * c;
                const float a = static_cast<float>(((*anchors)[k] >> shift) & 0xff);
                const float b = static_cast<float>(((*anchors)[k + 1] >> shift) & 0xff);
                rgb[c] = static_cast<std::uint8_t>(std::lround(a + (b - a) * f));
            }
        }
        t[i * 4 + 0] = rgb[0];
        t[i * 4 + 1] = rgb[1];
        t[i * 4 + 2] = rgb[2];
        t[i * 4 + 3] = 255;
    }
    return t;
}

}  // namespace

const ColormapTable& colormap_table(Colormap c) {
    static const ColormapTable tables[] = {build(&kViridis), build(&kMagma), build(&kCividis), build(nullptr)};
    return tables[static_cast<int>(c)];
}

std::array<std::uint8_t, 4> colormap_color(Colormap c, float t) {
    if (!(t >= 0.0f)) t = 0.0f;  // also catches NaN
    if (t > 1.0f) t = 1.0f;
    const int i = static_cast<int>(std::lround(t * 255.0f));
    const auto& tab = colormap_table(c);
    return {tab[i * 4], tab[i * 4 + 1], tab[i * 4 + 2], tab[i * 4 + 3]};
}

}  // namespace attn::ui
