// matrix.cpp: aligned storage and shape checks for Matrix and its views.
#include "attn/matrix.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

namespace attn {

namespace {
// Rows are padded to 16 floats (64 bytes) so each row start is cache-line aligned.
constexpr std::size_t kRowAlign = 16;
constexpr std::size_t kByteAlign = 64;

std::size_t padded(std::size_t cols) { return (cols + kRowAlign - 1) / kRowAlign * kRowAlign; }
}  // namespace

std::string shape_string(std::size_t rows, std::size_t cols) {
    return std::to_string(rows) + "\xC3\x97" + std::to_string(cols);  // U+00D7 ×
}

void Matrix::Free::operator()(float* p) const noexcept { std::free(p); }

ConstMatrixView ConstMatrixView::block(std::size_t r0, std::size_t c0, std::size_t nr, std::size_t nc) const {
    if (r0 + nr > rows || c0 + nc > cols)
        throw Error("block " + shape_string(nr, nc) + " at (" + std::to_string(r0) + "," + std::to_string(c0) +
                    ") does not fit in a " + shape_string(rows, cols) + " matrix");
    return {data + r0 * stride + c0, nr, nc, stride};
}

MatrixView MatrixView::block(std::size_t r0, std::size_t c0, std::size_t nr, std::size_t nc) const {
    ConstMatrixView c = ConstMatrixView{data, rows, cols, stride}.block(r0, c0, nr, nc);
    return {const_cast<float*>(c.data), c.rows, c.cols, c.stride};
}

namespace {
std::string too_many_elements(std::size_t rows, std::size_t cols) {
    return "would have " + shape_string(rows, cols) + " elements, more than the limit of " +
           std::to_string(kMaxElements) + " (2^26)";
}
}  // namespace

void require_size(std::size_t rows, std::size_t cols, const char* what) {
    if (cols != 0 && rows > kMaxElements / cols) throw Error(what, too_many_elements(rows, cols));
}

Matrix::Matrix(std::size_t rows, std::size_t cols, float fill_value) {
    resize(rows, cols);
    fill(fill_value);
}

void Matrix::resize(std::size_t rows, std::size_t cols) {
    // About no input in particular: the callers check their inputs' sizes by name first.
    if (cols != 0 && rows > kMaxElements / cols) throw Error("matrix " + too_many_elements(rows, cols));
    const std::size_t stride = padded(cols);
    const std::size_t need = rows * stride;
    if (need > capacity_) {
        void* p = nullptr;
        // aligned_alloc needs a size that is a multiple of the alignment: need is a multiple of 16 floats.
        p = std::aligned_alloc(kByteAlign, std::max<std::size_t>(need, kRowAlign) * sizeof(float));
        if (!p) throw Error("out of memory allocating a " + shape_string(rows, cols) + " matrix");
        data_.reset(static_cast<float*>(p));
        capacity_ = std::max<std::size_t>(need, kRowAlign);
    }
    rows_ = rows;
    cols_ = cols;
    stride_ = stride;
}

void Matrix::fill(float value) {
    for (std::size_t i = 0; i < rows_; ++i) std::fill(row(i), row(i) + stride_, value);
}

Matrix::Matrix(const Matrix& other) { *this = other; }

Matrix& Matrix::operator=(const Matrix& other) {
    if (this == &other) return *this;
    resize(other.rows_, other.cols_);
    if (other.size()) std::memcpy(data_.get(), other.data_.get(), rows_ * stride_ * sizeof(float));
    return *this;
}

Matrix Matrix::copy_of(ConstMatrixView v) {
    Matrix m(v.rows, v.cols);
    for (std::size_t i = 0; i < v.rows; ++i) std::copy(v.row(i), v.row(i) + v.cols, m.row(i));
    return m;
}

Matrix Matrix::from_rows(const std::vector<std::vector<float>>& rows) {
    const std::size_t cols = rows.empty() ? 0 : rows[0].size();
    for (std::size_t i = 0; i < rows.size(); ++i)
        if (rows[i].size() != cols)
            throw Error("row " + std::to_string(i) + " has " + std::to_string(rows[i].size()) + " values, row 0 has " +
                        std::to_string(cols));
    Matrix m(rows.size(), cols);
    for (std::size_t i = 0; i < rows.size(); ++i) std::copy(rows[i].begin(), rows[i].end(), m.row(i));
    return m;
}

Matrix Matrix::from_rows(std::initializer_list<std::initializer_list<float>> rows) {
    std::vector<std::vector<float>> v;
    for (auto r : rows) v.emplace_back(r);
    return from_rows(v);
}

std::vector<std::vector<float>> Matrix::to_rows() const {
    std::vector<std::vector<float>> out(rows_);
    for (std::size_t i = 0; i < rows_; ++i) out[i].assign(row(i), row(i) + cols_);
    return out;
}

void require_cols(ConstMatrixView m, std::size_t cols, const char* what, const char* expected_from) {
    if (m.cols != cols)
        throw Error(what,
                    "has " + std::to_string(m.cols) + " columns, " + expected_from + " has " + std::to_string(cols));
}

void require_rows(ConstMatrixView m, std::size_t rows, const char* what, const char* expected_from) {
    if (m.rows != rows)
        throw Error(what, "has " + std::to_string(m.rows) + " rows, " + expected_from + " has " + std::to_string(rows));
}

void require_shape(ConstMatrixView m, std::size_t rows, std::size_t cols, const char* what) {
    if (m.rows != rows || m.cols != cols)
        throw Error(what, "is " + shape_string(m.rows, m.cols) + ", expected " + shape_string(rows, cols));
}

namespace {

// True when x[0..n) holds no infinity and no NaN: exactly the floats whose exponent bits are all
// ones. Branch-free, so the compiler vectorises it (with a branch per element the check showed
// in profiles of multi-head attention: docs/PERFORMANCE-NOTES.md).
bool all_finite(const float* x, std::size_t n) {
    std::uint32_t bad = 0;
    for (std::size_t j = 0; j < n; ++j) {
        std::uint32_t bits;
        std::memcpy(&bits, x + j, sizeof bits);
        bad |= static_cast<std::uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
    }
    return bad == 0;
}

}  // namespace

void require_finite(ConstMatrixView m, const char* what) {
    for (std::size_t i = 0; i < m.rows; ++i) {
        if (all_finite(m.row(i), m.cols)) continue;
        for (std::size_t j = 0; j < m.cols; ++j)
            if (!std::isfinite(m(i, j)))
                throw Error(what, "[" + std::to_string(i) + "][" + std::to_string(j) + "] is " +
                                      (std::isnan(m(i, j)) ? "NaN" : "infinite"));
    }
}

bool overlaps(ConstMatrixView a, ConstMatrixView b) {
    if (a.empty() || b.empty()) return false;
    // Addresses in floats; a row i of a is [lo, lo + a.cols), a row r of b [b0 + r·b.stride, + b.cols).
    const auto at = [](const float* p) { return reinterpret_cast<std::uintptr_t>(p) / sizeof(float); };
    const std::uintptr_t a0 = at(a.data), b0 = at(b.data);
    if (a0 + (a.rows - 1) * a.stride + a.cols <= b0 || b0 + (b.rows - 1) * b.stride + b.cols <= a0) return false;
    const std::size_t bs = std::max<std::size_t>(b.stride, 1);
    for (std::size_t i = 0; i < a.rows; ++i) {
        const std::uintptr_t lo = a0 + i * a.stride, hi = lo + a.cols;
        // the first row of b that ends after lo; rows further down start later still
        const std::size_t r = lo + 1 > b0 + b.cols ? (lo + 1 - b0 - b.cols + bs - 1) / bs : 0;
        if (r < b.rows && b0 + r * bs < hi) return true;
    }
    return false;
}

ConstMatrixView scaled(ConstMatrixView m, float s, Matrix& scratch) {
    if (s == 1.0f) return m;
    scratch.resize(m.rows, m.cols);
    for (std::size_t r = 0; r < m.rows; ++r) {
        const float* g = m.row(r);
        float* w = scratch.row(r);
        for (std::size_t k = 0; k < m.cols; ++k) w[k] = s * g[k];
    }
    return scratch.view();
}

}  // namespace attn
