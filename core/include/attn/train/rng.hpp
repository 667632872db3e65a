// rng.hpp: the seeded random generator of the training engine (initialisation, task data).
//
// xoshiro256** seeded through SplitMix64, with the integer → float conversions written out
// here, so a seed gives the same stream on every standard library (the std:: distributions
// are implementation-defined and differ between libstdc++ and Emscripten's libc++).
// It is not PyTorch's generator: a seed here does not reproduce torch.manual_seed.
// Not for cryptography.
#pragma once

#include <cstddef>
#include <cstdint>

namespace attn {

class Rng {
public:
    explicit Rng(std::uint64_t seed = 0);

    std::uint64_t next_u64();
    // Uniform in [0, 1) with 53 random bits.
    double uniform();
    // Uniform in [lo, hi).
    double uniform(double lo, double hi);
    // Uniform integer in [0, n) without modulo bias; n ≥ 1 (n = 0 gives 0).
    std::uint64_t below(std::uint64_t n);
    // Standard normal N(0, 1) (Box–Muller, both values of a pair used).
    double normal();

private:
    std::uint64_t s_[4];
    double spare_ = 0.0;
    bool has_spare_ = false;
};

}  // namespace attn
