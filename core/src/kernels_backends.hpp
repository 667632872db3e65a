// kernels_backends.hpp: the per-architecture kernel tables (internal to core/).
// Each is defined in its own translation unit compiled with that architecture's flags.
#pragma once

#include "attn/kernels.hpp"

namespace attn {
namespace scalar {
const KernelTable& table();
}
namespace simd {
const KernelTable& table_sse2();     // x86-64 baseline
const KernelTable& table_avx2();     // AVX2 + FMA
const KernelTable& table_avx512();   // AVX-512 F, CD, DQ, BW
const KernelTable& table_simd128();  // wasm: SSE4.1 intrinsics lowered to SIMD128
}  // namespace simd
}  // namespace attn
