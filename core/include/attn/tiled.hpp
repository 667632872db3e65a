// tiled.hpp: attention computed tile by tile with an online softmax (FlashAttention's
// algorithm), so the (L, S) score matrix is never materialised: extra memory is
// O(block_q · block_k + L) instead of O(L · S).
//
// For each block of queries, keep per row a running max m, running sum l and an unnormalised
// output o. For each block of keys:
//   s   = scale · q_blk k_blkᵀ   (masked entries −inf)
//   m'  = max(m, rowmax(s));     α = e^(m − m')       (rescale factor, 1 when m' = m)
//   p   = e^(s − m');            l' = α·l + rowsum(p)
//   o'  = α·o + p · v_blk
// and at the end output = o / l (a row with l = 0, i.e. fully masked, gives zeros).
#pragma once

#include <cstddef>

#include "attn/mask.hpp"
#include "attn/matrix.hpp"
#include "attn/trace.hpp"

namespace attn {

// 64 × 64 floats of scores = 16 KiB: the score tile plus a 64-row slice of K and V at
// d = 64 (2 × 16 KiB) stay within a 48 KiB L1d (and well within any L2).
inline constexpr std::size_t kDefaultBlockQ = 64;
inline constexpr std::size_t kDefaultBlockK = 64;

struct TileConfig {
    std::size_t block_q = kDefaultBlockQ;
    std::size_t block_k = kDefaultBlockK;
    // Threads: 0 = every hardware thread, 1 = the caller's only. This build computes on the
    // caller's thread; the result never depends on it.
    std::size_t threads = 0;
};

// Scratch buffers reused across calls.
struct TiledWorkspace {
    Matrix s;        // (block_q, block_k)
    Matrix m, l;     // (1, L) running max and sum
};

// out: (L, d_v) = softmax(scale · q kᵀ, masked) · v.   q: (L, d), k: (S, d), v: (S, d_v)
void tiled_attention(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, float scale, const Mask& mask,
                     MatrixView out, const TileConfig& tiles = {}, Trace* trace = nullptr,
                     TiledWorkspace* workspace = nullptr);
Matrix tiled_attention(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, float scale,
                       const Mask& mask = Mask::none(), const TileConfig& tiles = {}, Trace* trace = nullptr);

}  // namespace attn
