// peak_sse2.cpp: the multiply-add peak probe for sse2 (flags set in bench/CMakeLists.txt).
#include "peak.hpp"

double fma_peak_sse2(double seconds) { return bench::fma_peak<xsimd::sse2>(seconds); }
