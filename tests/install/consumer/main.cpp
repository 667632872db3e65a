// consumer: links the installed attn::core and checks one attention against its closed form.
//
// q: (1, 2) = [1 0]   k: (2, 2) = [1 0; 0 1]   v: (2, 1) = [1; 0]
// scaled dot scores = [1/√2, 0], so the output is the first key's weight,
//   w = e^(1/√2) / (e^(1/√2) + 1) = 1 / (1 + e^(−1/√2)) ≈ 0.6697.
// The plain path (attn::attention) and the fast path (attn::tiled_attention: run-time SIMD
// dispatch, the thread pool) must both give it. Exit status 0 only when they do.
#include <attn/attention.hpp>
#include <attn/tiled.hpp>

#include <cmath>
#include <cstdio>

int main() {
    const attn::Matrix q = attn::Matrix::from_rows({{1, 0}});
    const attn::Matrix k = attn::Matrix::from_rows({{1, 0}, {0, 1}});
    const attn::Matrix v = attn::Matrix::from_rows({{1}, {0}});
    const double expected = 1.0 / (1.0 + std::exp(-1.0 / std::sqrt(2.0)));

    const attn::AttentionResult plain = attn::attention(q, k, v, attn::ScoreParams{});
    const attn::Matrix fast = attn::tiled_attention(q, k, v, 1.0f / std::sqrt(2.0f));

    int failures = 0;
    const struct {
        const char* what;
        double got;
    } checks[] = {{"attention weight", plain.weights(0, 0)},
                  {"attention output", plain.output(0, 0)},
                  {"tiled_attention output", fast(0, 0)}};
    for (const auto& c : checks) {
        const bool ok = std::fabs(c.got - expected) <= 1e-6;
        std::printf("%s: %.7f (expected %.7f) %s\n", c.what, c.got, expected, ok ? "ok" : "WRONG");
        failures += ok ? 0 : 1;
    }
    return failures == 0 ? 0 : 1;
}
