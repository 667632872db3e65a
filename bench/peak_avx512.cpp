// peak_avx512.cpp: the multiply-add peak probe for avx512 (flags set in bench/CMakeLists.txt).
#include "peak.hpp"

double fma_peak_avx512(double seconds) { return bench::fma_peak<xsimd::avx512bw>(seconds); }
