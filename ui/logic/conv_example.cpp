// conv_example.cpp: the convolutional lesson's pictures, filter bank and hand-set weights.
#include "conv_example.hpp"

#include <algorithm>
#include <cmath>

#include "examples.hpp"

namespace attn::ui {

namespace {

void put(RgbImage& im, std::size_t x, std::size_t y, float r, float g, float b) {
    float* p = im.at(x, y);
    p[0] = r, p[1] = g, p[2] = b;
}

// Mix colour c into pixel (x, y) by coverage t in [0, 1] (soft edges for shapes).
void blend(RgbImage& im, std::size_t x, std::size_t y, float t, float r, float g, float b) {
    t = std::clamp(t, 0.0f, 1.0f);
    float* p = im.at(x, y);
    p[0] += t * (r - p[0]), p[1] += t * (g - p[1]), p[2] += t * (b - p[2]);
}

// Coverage of a pixel centre by a disc: 1 inside, 0 outside, a one-pixel ramp at the rim.
float disc_coverage(float x, float y, float cx, float cy, float radius) {
    return std::clamp(radius - std::hypot(x - cx, y - cy) + 0.5f, 0.0f, 1.0f);
}

// A single-channel H×W map with clamped (edge-replicating) reads.
struct Plane {
    std::size_t w = 0, h = 0;
    std::vector<float> v;
    Plane(std::size_t w_, std::size_t h_) : w(w_), h(h_), v(w_ * h_, 0.0f) {}
    float at(long x, long y) const {
        x = std::clamp(x, 0L, static_cast<long>(w) - 1);
        y = std::clamp(y, 0L, static_cast<long>(h) - 1);
        return v[static_cast<std::size_t>(y) * w + static_cast<std::size_t>(x)];
    }
};

// Mean over a (2r+1)² box, separable.
Plane box_blur(const Plane& p, long r) {
    Plane tmp(p.w, p.h), out(p.w, p.h);
    const float inv = 1.0f / static_cast<float>(2 * r + 1);
    for (std::size_t y = 0; y < p.h; ++y)
        for (std::size_t x = 0; x < p.w; ++x) {
            float s = 0;
            for (long d = -r; d <= r; ++d) s += p.at(static_cast<long>(x) + d, static_cast<long>(y));
            tmp.v[y * p.w + x] = s * inv;
        }
    for (std::size_t y = 0; y < p.h; ++y)
        for (std::size_t x = 0; x < p.w; ++x) {
            float s = 0;
            for (long d = -r; d <= r; ++d) s += tmp.at(static_cast<long>(x), static_cast<long>(y) + d);
            out.v[y * p.w + x] = s * inv;
        }
    return out;
}

// How large each channel's average typically is on a picture where it matters; the MLP
// divides by it so every channel speaks on the same scale: n_c = z_c / τ_c.
constexpr float kTypical[kConvChannels] = {0.08f, 0.08f, 0.08f, 0.5f, 0.05f, 0.1f, 0.1f, 0.1f};
// A prior on each gate: plain brightness is everywhere, so its gate starts lower.
constexpr float kPrior[kConvChannels] = {0.0f, 0.0f, 0.0f, -1.0f, 0.0f, 0.0f, 0.0f, 0.0f};
constexpr float kGain = 4.0f, kBias = -1.5f;

std::uint8_t byte_of(float v) { return static_cast<std::uint8_t>(std::lround(255.0f * std::clamp(v, 0.0f, 1.0f))); }

}  // namespace

const char* const kConvChannelNames[kConvChannels] = {
    "red", "green", "blue", "brightness", "blob", "texture", "horizontal edges", "vertical edges"};
const char* const kConvTileNames[kConvChannels] = {"red",  "green",   "blue",    "brightness",
                                                   "blob", "texture", "h-edges", "v-edges"};
const char* const kConvChannelShort[kConvChannels] = {"R", "G", "B", "lum", "blob", "tex", "hor", "ver"};

// ============================================================================================
// [SECTION] Images
// ============================================================================================

// A red-orange disc, off centre, on grey noise.
RgbImage make_disc(std::size_t s, std::uint32_t seed) {
    RgbImage im(s, s);
    const Matrix noise = gaussian_matrix(s, s, seed * 11 + 5, 0.03f);
    const float S = static_cast<float>(s);
    for (std::size_t y = 0; y < s; ++y)
        for (std::size_t x = 0; x < s; ++x) {
            const float g = std::clamp(0.38f + noise(y, x), 0.0f, 1.0f);
            put(im, x, y, g, g, g);
            blend(im, x, y, disc_coverage(float(x) + 0.5f, float(y) + 0.5f, 0.62f * S, 0.42f * S, 0.2f * S), 0.95f,
                  0.38f, 0.18f);
        }
    return im;
}

// A black-and-white checkerboard, 8 squares across.
RgbImage make_checker(std::size_t s) {
    RgbImage im(s, s);
    for (std::size_t y = 0; y < s; ++y)
        for (std::size_t x = 0; x < s; ++x) {
            const bool white = ((x * 8 / s) + (y * 8 / s)) % 2 == 0;
            const float v = white ? 0.9f : 0.1f;
            put(im, x, y, v, v, v);
        }
    return im;
}

// Green vertical stripes on a dark ground, 6 periods across.
RgbImage make_stripes(std::size_t s) {
    RgbImage im(s, s);
    for (std::size_t y = 0; y < s; ++y)
        for (std::size_t x = 0; x < s; ++x) {
            if ((x * 12 / s) % 2 == 0)
                put(im, x, y, 0.2f, 0.8f, 0.3f);
            else
                put(im, x, y, 0.08f, 0.1f, 0.08f);
        }
    return im;
}

// A house with a red roof on grass under a blue sky, and a yellow sun.
RgbImage make_house(std::size_t s) {
    RgbImage im(s, s);
    const float S = static_cast<float>(s);
    for (std::size_t y = 0; y < s; ++y)
        for (std::size_t x = 0; x < s; ++x) {
            const float fx = (float(x) + 0.5f) / S, fy = (float(y) + 0.5f) / S;
            if (fy < 0.7f)
                put(im, x, y, 0.45f + 0.3f * fy, 0.65f + 0.2f * fy, 0.95f);  // sky, lighter near the ground
            else
                put(im, x, y, 0.25f, 0.55f, 0.2f);  // grass
            blend(im, x, y, disc_coverage(fx * S, fy * S, 0.83f * S, 0.17f * S, 0.08f * S), 1.0f, 0.9f, 0.25f);
            if (fx >= 0.3f && fx < 0.64f && fy >= 0.46f && fy < 0.74f) put(im, x, y, 0.88f, 0.82f, 0.62f);  // walls
            if (fx >= 0.43f && fx < 0.51f && fy >= 0.59f && fy < 0.74f) put(im, x, y, 0.4f, 0.24f, 0.1f);   // door
            // roof: apex (0.47, 0.24), eaves at y = 0.46 from x = 0.25 to 0.69
            const float half = 0.22f * (fy - 0.24f) / 0.22f;
            if (fy >= 0.24f && fy < 0.46f && std::fabs(fx - 0.47f) <= half) put(im, x, y, 0.72f, 0.14f, 0.1f);
        }
    return im;
}

// ============================================================================================
// [SECTION] Features
// ============================================================================================

// x: (8, H·W) feature maps of the image, every one ≥ 0 (ReLU) and about 0..1:
//   red    = ReLU(R − (G+B)/2)    green = ReLU(G − (R+B)/2)    blue = ReLU(B − (R+G)/2)
//   brightness I = (R+G+B)/3
//   blob   = ReLU(2 · (box_small(I) − box_large(I)))    bright spot on a darker surround
//   texture = box3(|∇²I|) / 2                           fine detail (4-neighbour Laplacian)
//   horizontal edges = |Sobel_y(I)| / 4,   vertical edges = |Sobel_x(I)| / 4
FeatureMap filter_bank(const RgbImage& im) {
    const std::size_t W = im.width, H = im.height;
    FeatureMap f(kConvChannels, H, W);
    Plane I(W, H);
    for (std::size_t y = 0; y < H; ++y)
        for (std::size_t x = 0; x < W; ++x) {
            const float* p = im.at(x, y);
            I.v[y * W + x] = (p[0] + p[1] + p[2]) / 3.0f;
            f.at(0, y, x) = std::max(0.0f, p[0] - 0.5f * (p[1] + p[2]));
            f.at(1, y, x) = std::max(0.0f, p[1] - 0.5f * (p[0] + p[2]));
            f.at(2, y, x) = std::max(0.0f, p[2] - 0.5f * (p[0] + p[1]));
            f.at(3, y, x) = I.v[y * W + x];
        }
    const long side = static_cast<long>(std::max(W, H));
    const Plane centre = box_blur(I, std::max(1L, side / 32)), surround = box_blur(I, std::max(3L, side / 6));
    Plane lap(W, H);
    for (std::size_t y = 0; y < H; ++y)
        for (std::size_t x = 0; x < W; ++x) {
            const long X = static_cast<long>(x), Y = static_cast<long>(y);
            lap.v[y * W + x] =
                std::fabs(I.at(X - 1, Y) + I.at(X + 1, Y) + I.at(X, Y - 1) + I.at(X, Y + 1) - 4 * I.at(X, Y));
        }
    const Plane texture = box_blur(lap, 1);
    for (std::size_t y = 0; y < H; ++y)
        for (std::size_t x = 0; x < W; ++x) {
            const long X = static_cast<long>(x), Y = static_cast<long>(y);
            auto i = [&](long dx, long dy) { return I.at(X + dx, Y + dy); };
            const float gx = (i(1, -1) + 2 * i(1, 0) + i(1, 1)) - (i(-1, -1) + 2 * i(-1, 0) + i(-1, 1));
            const float gy = (i(-1, 1) + 2 * i(0, 1) + i(1, 1)) - (i(-1, -1) + 2 * i(0, -1) + i(1, -1));
            f.at(4, y, x) = std::max(0.0f, 2.0f * (centre.v[y * W + x] - surround.v[y * W + x]));
            f.at(5, y, x) = std::min(1.0f, texture.v[y * W + x] / 2.0f);
            f.at(6, y, x) = std::fabs(gy) / 4.0f;
            f.at(7, y, x) = std::fabs(gx) / 4.0f;
        }
    return f;
}

// ============================================================================================
// [SECTION] Weights
// ============================================================================================

// Which hidden unit watches each channel, for each reduction r (C/r units):
//   r = 1: one unit per channel
//   r = 2: colour (R, G, B), brightness, blob, edges and texture
//   r = 4: object-like (R, G, B, blob), structure (brightness, texture, edges)
//   r = 8: one unit for everything
std::size_t channel_group(std::size_t c, std::size_t r) {
    static const std::size_t r2[kConvChannels] = {0, 0, 0, 1, 2, 3, 3, 3};
    static const std::size_t r4[kConvChannels] = {0, 0, 0, 1, 0, 1, 1, 1};
    switch (r) {
        case 1: return c;
        case 2: return r2[c];
        case 4: return r4[c];
        default: return 0;
    }
}

// Hidden unit k sums the evidence of its channels and subtracts the mean evidence of the other
// units, so it fires when its group stands out:
//   h_k = ReLU( Σ_{c in k} n_c − (1/(C/r − 1)) Σ_{c not in k} n_c )     (C/r > 1)
//   h_0 = ReLU( (1/C) Σ_c n_c − 1 )                                       (r = 8: "more than usual")
// and every gate opens with its own unit:
//   s_c = σ( 4·h_{unit(c)} − 1.5 + prior_c )
ChannelMLP channel_mlp(std::size_t r) {
    const std::size_t hidden = kConvChannels / r;
    ChannelMLP m;
    m.w1 = Matrix(hidden, kConvChannels);
    m.b1.assign(hidden, hidden == 1 ? -1.0f : 0.0f);
    m.w2 = Matrix(kConvChannels, hidden);
    m.b2.resize(kConvChannels);
    for (std::size_t c = 0; c < kConvChannels; ++c) {
        const std::size_t own = channel_group(c, r);
        for (std::size_t k = 0; k < hidden; ++k) {
            if (hidden == 1)
                m.w1(k, c) = 1.0f / (static_cast<float>(kConvChannels) * kTypical[c]);
            else if (k == own)
                m.w1(k, c) = 1.0f / kTypical[c];
            else
                m.w1(k, c) = -1.0f / (static_cast<float>(hidden - 1) * kTypical[c]);
        }
        m.w2(c, own) = kGain;
        m.b2[c] = kBias + kPrior[c];
    }
    return m;
}

// The spatial kernel: a Gaussian bump (σ = k/4) on both maps, heavier on the max map, so a
// place where some gated channel is strong, and its neighbours too, gets M near 1:
//   L = b + Σ G·(1.5·A) + Σ G·(6·Mx),   b = −2.5   (Σ G = 1)
SpatialConv spatial_kernel(std::size_t k) {
    SpatialConv conv;
    conv.kernel_size = k;
    conv.weights.assign(2 * k * k, 0.0f);
    const float sigma = static_cast<float>(k) / 4.0f, c = static_cast<float>(k / 2);
    double total = 0;
    std::vector<float> g(k * k);
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < k; ++j) {
            const float d2 = (float(i) - c) * (float(i) - c) + (float(j) - c) * (float(j) - c);
            g[i * k + j] = std::exp(-d2 / (2 * sigma * sigma));
            total += g[i * k + j];
        }
    for (std::size_t t = 0; t < k * k; ++t) {
        const float gn = static_cast<float>(g[t] / total);
        conv.weights[t] = 1.5f * gn;
        conv.weights[k * k + t] = 6.0f * gn;
    }
    conv.bias = -2.5f;
    return conv;
}

// ============================================================================================
// [SECTION] Pixels
// ============================================================================================

// The image's pixels as RGBA8, each multiplied by gate[p] when gate is given.
std::vector<std::uint8_t> rgba_of(const RgbImage& im, const Matrix* gate) {
    std::vector<std::uint8_t> out(4 * im.width * im.height);
    for (std::size_t y = 0; y < im.height; ++y)
        for (std::size_t x = 0; x < im.width; ++x) {
            const float* p = im.at(x, y);
            const float g = gate ? (*gate)(y, x) : 1.0f;
            std::uint8_t* q = &out[4 * (y * im.width + x)];
            q[0] = byte_of(p[0] * g), q[1] = byte_of(p[1] * g), q[2] = byte_of(p[2] * g), q[3] = 255;
        }
    return out;
}

// The spatial map M through the colormap, as an overlay (alpha applied when drawing).
std::vector<std::uint8_t> overlay_of(const Matrix& m, Colormap cmap) {
    std::vector<std::uint8_t> out(4 * m.rows() * m.cols());
    for (std::size_t y = 0; y < m.rows(); ++y)
        for (std::size_t x = 0; x < m.cols(); ++x) {
            const auto c = colormap_color(cmap, m(y, x));
            std::uint8_t* q = &out[4 * (y * m.cols() + x)];
            q[0] = c[0], q[1] = c[1], q[2] = c[2], q[3] = 255;
        }
    return out;
}

}  // namespace attn::ui
