// examples.cpp
#include "examples.hpp"

#include <cmath>

namespace attn::ui {

std::vector<std::string> example_tokens(std::size_t n) {
    static const char* words[] = {"the", "cat",   "sat", "on",  "the", "mat", "because", "it",
                                  "was", "tired", "and", "the", "sun", "was", "warm",    "."};
    std::vector<std::string> t;
    for (std::size_t i = 0; i < n; ++i) t.emplace_back(i < 16 ? words[i] : "t" + std::to_string(i));
    return t;
}

std::vector<std::string> example_target_tokens(std::size_t n) {
    static const char* words[] = {"le",    "chat",  "était", "assis", "sur",     "le",
                                  "tapis", "parce", "qu'il", "était", "fatigué", "."};
    std::vector<std::string> t;
    for (std::size_t i = 0; i < n; ++i) t.emplace_back(i < 12 ? words[i] : "y" + std::to_string(i));
    return t;
}

Matrix gaussian_matrix(std::size_t rows, std::size_t cols, std::uint32_t seed, float scale) {
    Matrix m(rows, cols);
    std::uint64_t state = 0x9E3779B97F4A7C15ull ^ (static_cast<std::uint64_t>(seed) * 0xD1B54A32D192ED03ull);
    auto uniform = [&state] {  // (0, 1), 53 bits from a 64-bit LCG's high half
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return (static_cast<double>(state >> 11) + 0.5) / 9007199254740992.0;
    };
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) {
            const double u1 = uniform(), u2 = uniform();
            m(i, j) = static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2) * scale);
        }
    return m;
}

Matrix sinusoidal_positions(std::size_t n, std::size_t d) {
    Matrix pe(n, d);
    for (std::size_t p = 0; p < n; ++p)
        for (std::size_t c = 0; c < d; ++c) {
            const double freq = std::pow(10000.0, -static_cast<double>(c / 2 * 2) / static_cast<double>(d));
            pe(p, c) = static_cast<float>(c % 2 == 0 ? std::sin(static_cast<double>(p) * freq)
                                                     : std::cos(static_cast<double>(p) * freq));
        }
    return pe;
}

}  // namespace attn::ui
