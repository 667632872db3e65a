// reference.hpp: scalar double-precision references the core is tested against, plus
// helpers to make deterministic random inputs. Written independently of core/src: plain
// loops over std::vector<double>, no shared code with the kernels.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "attn/matrix.hpp"

namespace ref {

struct Mat {
    std::size_t rows = 0, cols = 0;
    std::vector<double> v;
    Mat() = default;
    Mat(std::size_t r, std::size_t c, double fill = 0.0) : rows(r), cols(c), v(r * c, fill) {}
    double& operator()(std::size_t i, std::size_t j) { return v[i * cols + j]; }
    double operator()(std::size_t i, std::size_t j) const { return v[i * cols + j]; }
};

inline Mat of(attn::ConstMatrixView m) {
    Mat r(m.rows, m.cols);
    for (std::size_t i = 0; i < m.rows; ++i)
        for (std::size_t j = 0; j < m.cols; ++j) r(i, j) = m(i, j);
    return r;
}

inline attn::Matrix to_matrix(const Mat& m) {
    attn::Matrix r(m.rows, m.cols);
    for (std::size_t i = 0; i < m.rows; ++i)
        for (std::size_t j = 0; j < m.cols; ++j) r(i, j) = static_cast<float>(m(i, j));
    return r;
}

inline attn::Matrix random_matrix(std::size_t rows, std::size_t cols, std::uint32_t seed, float lo = -1.0f,
                                  float hi = 1.0f) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    attn::Matrix m(rows, cols);
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) m(i, j) = d(gen);
    return m;
}

// a · bᵀ
inline Mat matmul_abt(const Mat& a, const Mat& b) {
    Mat c(a.rows, b.rows);
    for (std::size_t i = 0; i < a.rows; ++i)
        for (std::size_t j = 0; j < b.rows; ++j) {
            double s = 0;
            for (std::size_t p = 0; p < a.cols; ++p) s += a(i, p) * b(j, p);
            c(i, j) = s;
        }
    return c;
}

// a · b
inline Mat matmul_ab(const Mat& a, const Mat& b) {
    Mat c(a.rows, b.cols);
    for (std::size_t i = 0; i < a.rows; ++i)
        for (std::size_t j = 0; j < b.cols; ++j) {
            double s = 0;
            for (std::size_t p = 0; p < a.cols; ++p) s += a(i, p) * b(p, j);
            c(i, j) = s;
        }
    return c;
}

// Row softmax; allowed(i, j) false means masked (weight 0). A fully masked row gives zeros.
template <class Allowed>
Mat softmax(const Mat& x, Allowed allowed) {
    Mat w(x.rows, x.cols);
    for (std::size_t i = 0; i < x.rows; ++i) {
        double m = -std::numeric_limits<double>::infinity();
        for (std::size_t j = 0; j < x.cols; ++j)
            if (allowed(i, j)) m = std::max(m, x(i, j));
        if (m == -std::numeric_limits<double>::infinity()) continue;
        double s = 0;
        for (std::size_t j = 0; j < x.cols; ++j)
            if (allowed(i, j)) s += (w(i, j) = std::exp(x(i, j) - m));
        for (std::size_t j = 0; j < x.cols; ++j) w(i, j) /= s;
    }
    return w;
}

inline Mat softmax(const Mat& x) {
    return softmax(x, [](std::size_t, std::size_t) { return true; });
}

inline double max_abs_diff(attn::ConstMatrixView got, const Mat& want) {
    double d = 0;
    for (std::size_t i = 0; i < want.rows; ++i)
        for (std::size_t j = 0; j < want.cols; ++j) {
            const double e = std::fabs(static_cast<double>(got(i, j)) - want(i, j));
            if (std::isnan(e)) return std::numeric_limits<double>::infinity();
            d = std::max(d, e);
        }
    return d;
}

inline double max_abs(const Mat& m) {
    double d = 0;
    for (double x : m.v) d = std::max(d, std::fabs(x));
    return d;
}

}  // namespace ref
