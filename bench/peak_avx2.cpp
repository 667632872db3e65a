// peak_avx2.cpp: the multiply-add peak probe for avx2 (flags set in bench/CMakeLists.txt).
#include "peak.hpp"

double fma_peak_avx2(double seconds) { return bench::fma_peak<xsimd::fma3<xsimd::avx2>>(seconds); }
