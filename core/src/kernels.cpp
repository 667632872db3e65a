// kernels.cpp: picks a kernel backend and wraps the raw kernels with shape checks.
//
// Native x86-64: xsimd::dispatch walks an explicit arch list (best first) against the
// CPU's cpuid/XCR0 report and returns that arch's table. wasm: the SIMD128 table is fixed
// at compile time (cpuid reports nothing there). ATTN_SCALAR_ONLY builds: scalar only.
#include <atomic>
#include <cmath>
#include <limits>

#include "attn/kernels.hpp"
#include "kernels_backends.hpp"

#if !defined(ATTN_SCALAR_ONLY) && !defined(__EMSCRIPTEN__)
#include <xsimd/xsimd.hpp>
#endif

namespace attn {
namespace {

#if defined(ATTN_SCALAR_ONLY)
std::vector<const KernelTable*> supported_tables() { return {&scalar::table()}; }
#elif defined(__EMSCRIPTEN__)
std::vector<const KernelTable*> supported_tables() { return {&simd::table_simd128(), &scalar::table()}; }
#else
using DispatchArchs = xsimd::arch_list<xsimd::avx512bw, xsimd::fma3<xsimd::avx2>, xsimd::sse2>;

struct PickTable {
    const KernelTable* operator()(xsimd::avx512bw) const { return &simd::table_avx512(); }
    const KernelTable* operator()(xsimd::fma3<xsimd::avx2>) const { return &simd::table_avx2(); }
    const KernelTable* operator()(xsimd::sse2) const { return &simd::table_sse2(); }
};

std::vector<const KernelTable*> supported_tables() {
    std::vector<const KernelTable*> out{xsimd::dispatch<DispatchArchs>(PickTable{})()};
    // Every arch below the best one the CPU supports works too.
    const auto avail = xsimd::available_architectures();
    if (out[0] == &simd::table_avx512() && avail.fma3_avx2) out.push_back(&simd::table_avx2());
    if (out.back() != &simd::table_sse2()) out.push_back(&simd::table_sse2());
    out.push_back(&scalar::table());
    return out;
}
#endif

const std::vector<const KernelTable*>& tables() {
    static const std::vector<const KernelTable*> t = supported_tables();
    return t;
}

std::atomic<const KernelTable*>& active() {
    static std::atomic<const KernelTable*> a{tables().front()};
    return a;
}

}  // namespace

std::vector<std::string> available_backends() {
    std::vector<std::string> names;
    for (const KernelTable* t : tables()) names.emplace_back(t->name);
    return names;
}

const char* active_backend() { return active().load()->name; }

const KernelTable& kernels() { return *active().load(); }

void set_backend(const std::string& name) {
    if (name == "auto") {
        active() = tables().front();
        return;
    }
    std::string known;
    for (const KernelTable* t : tables()) {
        if (name == t->name) {
            active() = t;
            return;
        }
        known += (known.empty() ? "" : ", ") + std::string(t->name);
    }
    throw Error("backend '" + name + "' is not available on this CPU/build (available: " + known + ", auto)");
}

ScopedBackend::ScopedBackend(const std::string& name) : previous_(active_backend()) { set_backend(name); }
ScopedBackend::~ScopedBackend() { set_backend(previous_); }

void matmul_abt(ConstMatrixView a, ConstMatrixView b, MatrixView c, float alpha) {
    require_cols(b, a.cols, "right operand of A·Bᵀ", "left operand");
    require_shape(c, a.rows, b.rows, "output of A·Bᵀ");
    if (c.empty()) return;
    kernels().matmul_abt(a.data, a.stride, b.data, b.stride, c.data, c.stride, a.rows, b.rows, a.cols, alpha);
}

void matmul_ab(ConstMatrixView a, ConstMatrixView b, MatrixView c, bool accumulate) {
    if (b.rows != a.cols)
        throw Error("right operand of A·B has " + std::to_string(b.rows) + " rows, left operand has " +
                    std::to_string(a.cols) + " columns");
    require_shape(c, a.rows, b.cols, "output of A·B");
    if (c.empty()) return;
    kernels().matmul_ab(a.data, a.stride, b.data, b.stride, c.data, c.stride, a.rows, b.cols, a.cols, accumulate);
}

void softmax_row(float* x, std::size_t n) {
    const KernelTable& k = kernels();
    const float m = k.max(x, n);
    if (m == -std::numeric_limits<float>::infinity()) {  // fully masked (or empty): zero weights
        for (std::size_t i = 0; i < n; ++i) x[i] = 0.0f;
        return;
    }
    const float s = k.exp_sub_sum(x, n, m);  // s ≥ 1: the max element contributes e^0
    k.scale(x, n, 1.0f / s, x);
}

void softmax_rows(MatrixView x) {
    for (std::size_t i = 0; i < x.rows; ++i) softmax_row(x.row(i), x.cols);
}

}  // namespace attn
