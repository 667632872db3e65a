// inputs.hpp: the benchmark's inputs, reproducible bit for bit in C++, JavaScript and Python
// (bench/peers/inputs.mjs, bench/peers/torch_peer.py) so every peer sees the same numbers.
//
// value(seed, i) = a 32-bit integer hash of i + seed·0x9E3779B9 (murmur3's finaliser) mapped to
// [−1, 1): exact in float32 on every side (the hash is integer maths; the map is one multiply
// by 2^−31 and one subtraction, both exact).
#pragma once

#include <cstddef>
#include <cstdint>

#include "attn/matrix.hpp"

namespace bench {

inline float input_value(std::uint32_t seed, std::uint32_t i) {
    std::uint32_t h = i + seed * 0x9E3779B9u;
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return static_cast<float>(h >> 8) * (1.0f / 8388608.0f) - 1.0f;  // 24 bits: exact in float
}

// (rows, cols) filled row-major with scale · value(seed, r·cols + c)
inline attn::Matrix input_matrix(std::size_t rows, std::size_t cols, std::uint32_t seed, float scale = 1.0f) {
    attn::Matrix m(rows, cols);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c)
            m(r, c) = scale * input_value(seed, static_cast<std::uint32_t>(r * cols + c));
    return m;
}

// Seeds: the core's Q, K, V; the multi-head input x (self-attention) and parameters.
enum Seed : std::uint32_t { kQ = 1, kK = 2, kV = 3, kX = 4, kInW = 5, kInB = 6, kOutW = 7, kOutB = 8 };

}  // namespace bench
