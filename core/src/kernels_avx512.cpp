// kernels_avx512.cpp: the xsimd kernels instantiated for xsimd::avx512bw (flags set in core/CMakeLists.txt).
#include "kernels_backends.hpp"
#include "kernels_simd.hpp"

namespace attn::simd {
const KernelTable& table_avx512() {
    static const KernelTable t = make_table<xsimd::avx512bw>("avx512");
    return t;
}
}  // namespace attn::simd
