// conv_example.hpp: the convolutional lesson's example, everything about it that needs no GL:
// four procedural pictures, the FIXED filter bank that turns a picture into C = 8 feature maps
// (colour, brightness, centre-surround blob, texture, edges, each followed by ReLU), the
// hand-set channel MLP and spatial kernel that squeeze-and-excitation and CBAM run with
// (attn/conv_attention.hpp), and the pixels the app puts on screen.
//
// Nothing here is trained: the weights are set by hand so the numbers can be read.
//
// [SECTION] Images     procedural pictures (decoding and downscaling the user's own: image.hpp)
// [SECTION] Features   the filter bank
// [SECTION] Weights    channel MLP for a reduction r, spatial kernel for a size k
// [SECTION] Pixels     RGBA8 for textures
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "attn/conv_attention.hpp"
#include "attn/matrix.hpp"
#include "colormap.hpp"
#include "image.hpp"

namespace attn::ui {

// [SECTION] Images (square, side s; colours in [0, 1])

// A red-orange disc (0.95, 0.38, 0.18) of radius 0.2·s centred at (0.62·s, 0.42·s), on grey
// 0.38 with N(0, 0.03²) noise from the seed.
RgbImage make_disc(std::size_t s, std::uint32_t seed);
// A checkerboard of 8×8 squares, 0.9 (the top-left square) and 0.1.
RgbImage make_checker(std::size_t s);
// Six periods of green (0.2, 0.8, 0.3) and dark (0.08, 0.1, 0.08) vertical stripes, green first.
RgbImage make_stripes(std::size_t s);
// A house with a red roof and a door, on grass under a blue sky, and a yellow sun.
RgbImage make_house(std::size_t s);

// [SECTION] Features

// The channels, grouped in pairs so that a bottleneck (r = 2, 4, 8) shares gates between
// neighbours: colour (red, green), (blue, brightness), shape (blob, texture), edges.
constexpr std::size_t kConvChannels = 8;
extern const char* const kConvChannelNames[kConvChannels];  // "red" … "vertical edges"
extern const char* const kConvTileNames[kConvChannels];     // shorter: "h-edges", "v-edges"
extern const char* const kConvChannelShort[kConvChannels];  // "R", "G", "B", "lum", "blob", "tex", "hor", "ver"

// x: (8, H·W) feature maps of the image (formulas in conv_example.cpp), every one ≥ 0 and
// about 0..1; reads past the border repeat the edge pixels.
FeatureMap filter_bank(const RgbImage& im);

// [SECTION] Weights

// The hidden unit that watches channel c for a reduction r ∈ {1, 2, 4, 8} (C/r units).
std::size_t channel_group(std::size_t c, std::size_t r);
// The channel MLP C → C/r → C: a unit fires when its channels stand out from the others, and
// each gate opens with its own unit.
ChannelMLP channel_mlp(std::size_t r);
// The k×k spatial kernel (k odd): a Gaussian bump (σ = k/4) summing to 1.5 on the mean map
// and to 6 on the max map, bias −2.5.
SpatialConv spatial_kernel(std::size_t k);

// [SECTION] Pixels (row-major RGBA8, alpha 255)

// The image's pixels, each multiplied by gate(y, x) when a gate is given.
std::vector<std::uint8_t> rgba_of(const RgbImage& im, const Matrix* gate);
// The map m (values 0..1) through the colormap, as an overlay (opacity applied when drawing).
std::vector<std::uint8_t> overlay_of(const Matrix& m, Colormap cmap);

}  // namespace attn::ui
