// peak_simd128.cpp: the multiply-add peak probe for wasm SIMD128 (SSE4.1 lowered by Emscripten).
#include "peak.hpp"

double fma_peak_simd128(double seconds) { return bench::fma_peak<xsimd::sse4_1>(seconds); }
