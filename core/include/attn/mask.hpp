// mask.hpp: which keys each query may attend to.
//
// Kinds: none; causal (query i may attend keys j ≤ i); key padding (a flag per key, true =
// padding, never attended); sliding window (|i − j| ≤ w); an arbitrary boolean matrix
// (1 = may attend). A fully masked query row gets all-zero weights and a zero output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace attn {

class Mask {
public:
    enum class Kind { none, causal, key_padding, window, matrix };

    Mask() = default;
    static Mask none() { return Mask(); }
    static Mask causal();
    // padding[j] == true: key j is padding and is never attended.
    static Mask key_padding(std::vector<bool> padding);
    // Query i may attend key j when |i − j| ≤ w.
    static Mask window(std::size_t w);
    // allowed is rows×cols, row-major, nonzero = may attend.
    static Mask matrix(std::size_t rows, std::size_t cols, std::vector<std::uint8_t> allowed);

    Kind kind() const { return kind_; }
    // True when query i may attend key j. Call check() first for the shape.
    bool allows(std::size_t i, std::size_t j) const {
        switch (kind_) {
            case Kind::none: return true;
            case Kind::causal: return j <= i;
            case Kind::key_padding: return !padding_[j];
            case Kind::window: return (i > j ? i - j : j - i) <= window_;
            case Kind::matrix: return allowed_[i * cols_ + j] != 0;
        }
        return true;
    }
    // The half-open key range [first, last) outside which row i attends nothing; lets tiled
    // code skip whole key tiles (causal, window). For other kinds it is [0, n_keys).
    std::size_t first_key(std::size_t i) const;
    std::size_t last_key(std::size_t i, std::size_t n_keys) const;
    // True when row i attends exactly [first_key(i), last_key(i)) (none, causal, window): the
    // range then says which scores are masked, not only where masked scores may be.
    bool is_key_range() const { return kind_ == Kind::none || kind_ == Kind::causal || kind_ == Kind::window; }

    // Throws attn::Error when the mask does not fit n_queries × n_keys.
    void check(std::size_t n_queries, std::size_t n_keys) const;
    // "none", "causal", "key_padding (2 of 5 keys padded)", "window 2", "matrix 4×5"
    std::string describe() const;

    const std::vector<bool>& padding() const { return padding_; }
    std::size_t window_size() const { return window_; }
    const std::vector<std::uint8_t>& allowed() const { return allowed_; }
    std::size_t rows() const { return rows_; }
    std::size_t cols() const { return cols_; }

private:
    Kind kind_ = Kind::none;
    std::vector<bool> padding_;
    std::size_t window_ = 0;
    std::vector<std::uint8_t> allowed_;
    std::size_t rows_ = 0, cols_ = 0;
};

}  // namespace attn
