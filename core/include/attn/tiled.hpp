// tiled.hpp: attention computed tile by tile with an online softmax (FlashAttention's
// algorithm), so the (L, S) score matrix is never materialised: extra memory is
// O(block_q · block_k + L) (traced path) or O(threads · (S · d + block_q · block_k)) for
// one head's packed K, V and the tiles per thread (fast path) instead of O(L · S). This is the library's fast path; bench/ measures it.
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
// Measured with bench/attnlab-bench --bq --bk (8 heads, d = 64, 1 thread pinned to a CPU):
// - on a 2-core Zen 5 VM at 205 GFLOP/s peak: against 64 × 64 tiles, 128 × 256 was 5 % faster at
//   N = 2048 (51.4 vs 54.2 ms); after the softmax pass was vectorised over rows, 64 × 256 ran as
//   fast as 128 × 256 without a mask and 3 % faster causal at N = 2048 (26.6 vs 27.6 ms).
// - on the same kind of VM at 258 GFLOP/s (a faster host, 2026-11-29), 512 keys beat 256 in
//   every size and mode, 3 rounds each: N = 2048 37.9 vs 38.9 ms, causal 20.3 vs 20.9 ms,
//   2 threads 19.2 vs 19.6 ms, N = 512 2.46 vs 2.55 ms; query blocks of 60, 66, 72 or 96 rows
//   (no 4-row tail for the 6-row micro-kernel) were within noise of 64. In wasm (node,
//   SIMD128) 256 and 512 were within noise.
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
    Matrix s;        // traced path: (block_q, block_k)
    Matrix m, l;     // traced path: (1, L) running max and sum
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
