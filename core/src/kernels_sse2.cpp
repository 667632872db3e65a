// kernels_sse2.cpp: the xsimd kernels instantiated for xsimd::sse2 (flags set in core/CMakeLists.txt).
#include "kernels_backends.hpp"
#include "kernels_simd.hpp"

namespace attn::simd {
const KernelTable& table_sse2() {
    static const KernelTable t = make_table<xsimd::sse2>("sse2");
    return t;
}
}  // namespace attn::simd
