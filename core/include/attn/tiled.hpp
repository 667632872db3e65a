// tiled.hpp: attention computed tile by tile with an online softmax (FlashAttention's
// algorithm), so the (L, S) score matrix is never materialised: extra memory is
// O(block_q · block_k + L) (traced path) or O(threads · (S · d + block_q · block_k)) for
// one head's packed K, V and the tiles per thread (fast path) instead of O(L · S). This is the library's fast path;
// bench/ measures it.
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
#include <vector>

#include "attn/mask.hpp"
#include "attn/matrix.hpp"
#include "attn/trace.hpp"

namespace attn {

// Default tile sizes of the fast path, for d_head = 64 on a core with 32–48 KiB of L1d and
// ≥ 1 MiB of L2 (the project's machines, AMD Zen 4/5: 32–48 KiB / 1 MiB; most AVX-512 server
// cores: 48 KiB / 1–2 MiB):
// - block_k = 512 keys: the K and V tiles (512 × 64 floats = 128 KiB each) and the score tile
//   (64 × 512 floats = 128 KiB) stay in L2 (384 KiB of 1 MiB) while the micro-kernels stream
//   16 KiB panels of them through L1. Longer key tiles mean fewer passes of the per-row
//   bookkeeping (row max, rescale of o by α, the kernels' load and store of their accumulators)
//   per useful FMA.
// - block_q = 64 rows: each K/V tile brought into L2 serves 64 query rows, which the row-
//   vectorised softmax pass handles as one chunk; N = 1024 × 8 heads makes 128 tasks for two
//   threads to balance. Under a causal mask the diagonal blocks (computed whole, then masked)
//   are half as tall as with 128 rows, so less work is thrown away.
// Both were chosen by sweeping bench/attnlab-bench --bq --bk; the measurements are in
// docs/PERFORMANCE-NOTES.md.
inline constexpr std::size_t kDefaultBlockQ = 64;
inline constexpr std::size_t kDefaultBlockK = 512;

struct TileConfig {
    std::size_t block_q = kDefaultBlockQ;  // query rows per block (one task of the thread pool)
    // Keys per tile. The fast path rounds it up to a multiple of the kernel's panel width
    // (64 keys with AVX-512, 16 with AVX2, 8 with SSE/SIMD128, 4 scalar); the traced path uses it as is.
    std::size_t block_k = kDefaultBlockK;
    // Threads for the fast path: 0 = every hardware thread, 1 = the caller's thread only.
    // The result does not depend on it (threads split whole (head, query block) tasks).
    std::size_t threads = 0;
};

// Scratch buffers reused across calls: pass the same workspace to every call (and across UI
// frames) so the hot path never allocates nor first-touches fresh pages. Not shared by
// concurrent calls.
struct TiledWorkspace {
    Matrix s;     // traced path: (block_q, block_k)
    Matrix m, l;  // traced path: (1, L) running max and sum
    // fast path, one per thread: one head's K and V packed for the micro-kernel (O(S·d)), query
    // block, score tile, output block, m, l
    std::vector<Matrix> scratch;
    std::vector<std::size_t> packed_head;  // fast path: the head whose K, V each scratch holds
};

// out: (L, d_v) = softmax(scale · q kᵀ, masked) · v.   q: (L, d), k: (S, d), v: (S, d_v)
// With a trace, the step-by-step path records every tile; without, the fast path runs
// (register-blocked kernels, base-2 online softmax, tiles.threads threads).
void tiled_attention(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, float scale, const Mask& mask,
                     MatrixView out, const TileConfig& tiles = {}, Trace* trace = nullptr,
                     TiledWorkspace* workspace = nullptr);
Matrix tiled_attention(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, float scale,
                       const Mask& mask = Mask::none(), const TileConfig& tiles = {}, Trace* trace = nullptr);

// The attention core of multi-head attention, heads side by side: head h reads columns
// h·d .. (h+1)·d − 1 of q: (L, H·d) and k: (S, H·d), h·d_v .. of v: (S, H·d_v), and writes
//   out_h: (L, d_v) = softmax(scale · q_h k_hᵀ, masked) · v_h   into the same columns of out: (L, H·d_v).
// Heads × query blocks are spread over tiles.threads threads.
void tiled_attention_heads(ConstMatrixView q, ConstMatrixView k, ConstMatrixView v, std::size_t num_heads, float scale,
                           const Mask& mask, MatrixView out, const TileConfig& tiles = {},
                           TiledWorkspace* workspace = nullptr);

}  // namespace attn
