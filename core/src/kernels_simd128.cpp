// kernels_simd128.cpp: the xsimd kernels for WebAssembly. xsimd 8.1 has no wasm arch, so the
// TU is compiled with -msimd128 -msse4.1: xsimd targets sse4_1 and Emscripten lowers each SSE
// intrinsic to its SIMD128 equivalent.
#include "kernels_backends.hpp"
#include "kernels_simd.hpp"

namespace attn::simd {
const KernelTable& table_simd128() {
    static const KernelTable t = make_table<xsimd::sse4_1>("simd128");
    return t;
}
}  // namespace attn::simd
