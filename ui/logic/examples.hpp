// examples.hpp: the built-in example data the lessons start from: token sequences and
// deterministic pseudo-random embeddings (the same on every platform: a fixed LCG and
// Box–Muller, no <random> distributions whose output differs between standard libraries).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attn/matrix.hpp"

namespace attn::ui {

// "the cat sat on the mat because it was tired …" — up to n tokens (words repeat after 16).
std::vector<std::string> example_tokens(std::size_t n);
// French target sentence for the translation (encoder–decoder) example.
std::vector<std::string> example_target_tokens(std::size_t n);

// rows×cols of N(0, 1)·scale values from a seed.
Matrix gaussian_matrix(std::size_t rows, std::size_t cols, std::uint32_t seed, float scale = 1.0f);

// Sinusoidal position encodings (Vaswani et al.): PE(p, 2i) = sin(p / 10000^(2i/d)),
// PE(p, 2i+1) = cos(p / 10000^(2i/d)).
Matrix sinusoidal_positions(std::size_t n, std::size_t d);

}  // namespace attn::ui
