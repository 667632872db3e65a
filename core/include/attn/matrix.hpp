// matrix.hpp: the two containers every attnlab computation reads and writes.
//
// Matrix owns a row-major float buffer whose rows start 64-byte aligned (the row stride
// is padded to a multiple of 16 floats, so every SIMD width up to AVX-512 can load a row
// start aligned). MatrixView / ConstMatrixView are non-owning (pointer, rows, cols,
// stride) windows. Shape problems throw attn::Error with a message naming the sizes;
// nothing here asserts, so release builds report bad input instead of crashing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace attn {

// Every user-facing failure in the core is an attn::Error with a precise message. An error
// about one input also names it: field() is the input's name as the core's API spells it
// ("query", "W_q", "in_proj_weight", "mask", "temperature", ...), problem() the rest, and
// what() the two as one sentence: "W_q is 2×3, expected 4×3", "key[1][0] is NaN". A caller
// with its own names for the inputs (the CLI's spec fields) reads field() instead of parsing
// what(). Errors about no single input (out of memory, an unknown backend) have no field.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message), problem_(message) {}
    // what() = field + " " + problem, or field + problem when the problem starts with an index ("[2][0] is NaN").
    Error(std::string field, std::string problem)
        : std::runtime_error(field + (problem.empty() || problem[0] == '[' ? "" : " ") + problem),
          field_(std::move(field)),
          problem_(std::move(problem)) {}
    const std::string& field() const noexcept { return field_; }  // empty: about no single input
    const std::string& problem() const noexcept { return problem_; }

private:
    std::string field_, problem_;
};

// Largest element count a single matrix may hold (2^26 floats = 256 MiB).
inline constexpr std::size_t kMaxElements = std::size_t{1} << 26;

struct ConstMatrixView {
    const float* data = nullptr;
    std::size_t rows = 0, cols = 0, stride = 0;

    const float* row(std::size_t i) const { return data + i * stride; }
    float operator()(std::size_t i, std::size_t j) const { return data[i * stride + j]; }
    bool empty() const { return rows == 0 || cols == 0; }
    ConstMatrixView block(std::size_t r0, std::size_t c0, std::size_t nr, std::size_t nc) const;
};

struct MatrixView {
    float* data = nullptr;
    std::size_t rows = 0, cols = 0, stride = 0;

    float* row(std::size_t i) const { return data + i * stride; }
    float& operator()(std::size_t i, std::size_t j) const { return data[i * stride + j]; }
    bool empty() const { return rows == 0 || cols == 0; }
    MatrixView block(std::size_t r0, std::size_t c0, std::size_t nr, std::size_t nc) const;
    operator ConstMatrixView() const { return {data, rows, cols, stride}; }
};

class Matrix {
public:
    Matrix() = default;
    Matrix(std::size_t rows, std::size_t cols, float fill = 0.0f);
    // Row-major literal, e.g. Matrix::from_rows({{1, 2}, {3, 4}}). Ragged rows throw.
    static Matrix from_rows(const std::vector<std::vector<float>>& rows);
    static Matrix from_rows(std::initializer_list<std::initializer_list<float>> rows);
    // Copy of any view (the stride is re-padded).
    static Matrix copy_of(ConstMatrixView v);

    Matrix(const Matrix& other);
    Matrix& operator=(const Matrix& other);
    Matrix(Matrix&&) noexcept = default;
    Matrix& operator=(Matrix&&) noexcept = default;

    std::size_t rows() const { return rows_; }
    std::size_t cols() const { return cols_; }
    std::size_t stride() const { return stride_; }
    std::size_t size() const { return rows_ * cols_; }
    bool empty() const { return size() == 0; }

    float* row(std::size_t i) { return data_.get() + i * stride_; }
    const float* row(std::size_t i) const { return data_.get() + i * stride_; }
    float& operator()(std::size_t i, std::size_t j) { return data_.get()[i * stride_ + j]; }
    float operator()(std::size_t i, std::size_t j) const { return data_.get()[i * stride_ + j]; }

    // Shape changes keep the allocation when it is large enough (workspaces reuse it).
    void resize(std::size_t rows, std::size_t cols);
    void fill(float value);

    MatrixView view() { return {data_.get(), rows_, cols_, stride_}; }
    ConstMatrixView view() const { return {data_.get(), rows_, cols_, stride_}; }
    operator MatrixView() { return view(); }
    operator ConstMatrixView() const { return view(); }

    std::vector<std::vector<float>> to_rows() const;

private:
    struct Free {
        void operator()(float* p) const noexcept;
    };
    std::unique_ptr<float[], Free> data_;
    std::size_t rows_ = 0, cols_ = 0, stride_ = 0, capacity_ = 0;
};

// "query has 7 columns, key has 8" style shape checks. `what` names the input: it becomes the
// thrown Error's field().
void require_cols(ConstMatrixView m, std::size_t cols, const char* what, const char* expected_from);
void require_rows(ConstMatrixView m, std::size_t rows, const char* what, const char* expected_from);
void require_shape(ConstMatrixView m, std::size_t rows, std::size_t cols, const char* what);
// Throws unless rows*cols <= kMaxElements (and does not overflow).
void require_size(std::size_t rows, std::size_t cols, const char* what);
// Throws naming the first non-finite element found.
void require_finite(ConstMatrixView m, const char* what);
// True when a and b share an element (say, two column blocks of one matrix do not; a block and
// its matrix do). Row by row, so O(a.rows).
bool overlaps(ConstMatrixView a, ConstMatrixView b);

std::string shape_string(std::size_t rows, std::size_t cols);  // "3×4"

// s·m: m itself when s is 1, else s·m written into scratch (resized) and a view of it. For a
// loss's gradient weighted once before a backward pass (micro-batches of a training step).
ConstMatrixView scaled(ConstMatrixView m, float s, Matrix& scratch);

}  // namespace attn
