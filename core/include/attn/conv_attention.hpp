// conv_attention.hpp: attention over convolutional feature maps (C channels of H×W).
//
// Squeeze-and-excitation (Hu et al.), channel attention:
//   z = global average pool(x)            (C)
//   s = σ(W2 · ReLU(W1 · z + b1) + b2)    W1: (C/r, C), W2: (C, C/r)
//   y_c = s_c · x_c
// CBAM (Woo et al.), channel then spatial attention:
//   channel:  s = σ(MLP(avgpool(x)) + MLP(maxpool(x))),  MLP(z) = W2 · ReLU(W1 · z + b1) + b2
//             (so b2 counts twice, as in the paper's formula); the hidden size C/r is w1's rows
//   x' = s ⊙ x
//   spatial:  a = mean over channels of x', m = max over channels of x'   (H×W each)
//             M = σ(conv_k×k([a; m]) + bias)   zero padding, 'same' size; the convolution is a
//             cross-correlation as in PyTorch's conv2d (no kernel flip), avg kernel first
//   y = M ⊙ x'
#pragma once

#include <cstddef>
#include <vector>

#include "attn/matrix.hpp"
#include "attn/trace.hpp"

namespace attn {

// A C×H×W feature map stored as a (C, H·W) matrix: row c is channel c, row-major over (y, x).
struct FeatureMap {
    Matrix data;
    std::size_t height = 0, width = 0;

    FeatureMap() = default;
    FeatureMap(std::size_t channels, std::size_t h, std::size_t w);
    std::size_t channels() const { return data.rows(); }
    float& at(std::size_t c, std::size_t y, std::size_t x) { return data(c, y * width + x); }
    float at(std::size_t c, std::size_t y, std::size_t x) const { return data(c, y * width + x); }
};

// The two-layer bottleneck MLP shared by SE and CBAM's channel attention.
struct ChannelMLP {
    Matrix w1;              // (C/r, C)
    std::vector<float> b1;  // C/r
    Matrix w2;              // (C, C/r)
    std::vector<float> b2;  // C
    void check(std::size_t channels) const;
};

struct SEResult {
    std::vector<float> pooled;   // z: C
    std::vector<float> hidden;   // ReLU(W1 z + b1): C/r
    std::vector<float> weights;  // s: C
    FeatureMap output;
};

SEResult squeeze_excitation(const FeatureMap& x, const ChannelMLP& mlp, Trace* trace = nullptr);

struct SpatialConv {
    std::size_t kernel_size = 7;  // odd
    std::vector<float> weights;   // 2·k·k: [avg channel k×k, max channel k×k]
    float bias = 0.0f;
    void check() const;
};

struct CBAMResult {
    std::vector<float> avg_pooled, max_pooled;  // C each
    std::vector<float> channel_weights;         // C
    FeatureMap channel_refined;                 // x'
    Matrix spatial_avg, spatial_max;            // (H, W)
    Matrix spatial_weights;                     // M: (H, W)
    FeatureMap output;
};

CBAMResult cbam(const FeatureMap& x, const ChannelMLP& mlp, const SpatialConv& conv, Trace* trace = nullptr);

}  // namespace attn
