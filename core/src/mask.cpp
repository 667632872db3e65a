// mask.cpp: construction, shape checks and key ranges of attention masks.
#include "attn/mask.hpp"

#include <algorithm>

#include "attn/matrix.hpp"

namespace attn {

Mask Mask::causal() {
    Mask m;
    m.kind_ = Kind::causal;
    return m;
}

Mask Mask::key_padding(std::vector<bool> padding) {
    Mask m;
    m.kind_ = Kind::key_padding;
    m.padding_ = std::move(padding);
    return m;
}

Mask Mask::window(std::size_t w) {
    Mask m;
    m.kind_ = Kind::window;
    m.window_ = w;
    return m;
}

Mask Mask::matrix(std::size_t rows, std::size_t cols, std::vector<std::uint8_t> allowed) {
    if (allowed.size() != rows * cols)
        throw Error("mask",
                    "matrix has " + std::to_string(allowed.size()) + " entries, expected " + shape_string(rows, cols));
    Mask m;
    m.kind_ = Kind::matrix;
    m.rows_ = rows;
    m.cols_ = cols;
    m.allowed_ = std::move(allowed);
    return m;
}

std::size_t Mask::first_key(std::size_t i) const {
    if (kind_ == Kind::window) return i > window_ ? i - window_ : 0;
    return 0;
}

std::size_t Mask::last_key(std::size_t i, std::size_t n_keys) const {
    switch (kind_) {
        case Kind::causal: return std::min(n_keys, i + 1);
        case Kind::window: return window_ >= n_keys || i + window_ + 1 >= n_keys ? n_keys : i + window_ + 1;
        default: return n_keys;
    }
}

void Mask::check(std::size_t n_queries, std::size_t n_keys) const {
    if (kind_ == Kind::key_padding && padding_.size() != n_keys)
        throw Error("mask", "has " + std::to_string(padding_.size()) + " key padding entries, key has " +
                                std::to_string(n_keys) + " rows");
    if (kind_ == Kind::matrix && (rows_ != n_queries || cols_ != n_keys))
        throw Error("mask", "matrix is " + shape_string(rows_, cols_) + ", expected " +
                                shape_string(n_queries, n_keys) + " (query rows × key rows)");
}

std::string Mask::describe() const {
    switch (kind_) {
        case Kind::none: return "none";
        case Kind::causal: return "causal";
        case Kind::key_padding: {
            const auto padded = std::count(padding_.begin(), padding_.end(), true);
            return "key_padding (" + std::to_string(padded) + " of " + std::to_string(padding_.size()) +
                   " keys padded)";
        }
        case Kind::window: return "window " + std::to_string(window_);
        case Kind::matrix: return "matrix " + shape_string(rows_, cols_);
    }
    return "none";
}

}  // namespace attn
