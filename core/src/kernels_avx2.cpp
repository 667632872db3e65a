// kernels_avx2.cpp: the xsimd kernels instantiated for xsimd::fma3<xsimd::avx2> (flags set in core/CMakeLists.txt).
#include "kernels_backends.hpp"
#include "kernels_simd.hpp"

namespace attn::simd {
const KernelTable& table_avx2() {
    static const KernelTable t = make_table<xsimd::fma3<xsimd::avx2>>("avx2");
    return t;
}
}  // namespace attn::simd
