// Kernels vs the double-precision reference, on every backend this CPU/build supports,
// over awkward sizes that exercise every vector tail.
#include <catch2/catch.hpp>

#include <cmath>

#include "attn/kernels.hpp"
#include "reference.hpp"

namespace {
const std::size_t kSizes[] = {1, 3, 7, 17, 63, 64, 65, 257};
}

TEST_CASE("backends: scalar is always available and every listed backend can be selected", "[kernels]") {
    const auto names = attn::available_backends();
    REQUIRE(!names.empty());
    CHECK(names.back() == "scalar");
    for (const auto& n : names) {
        attn::ScopedBackend b(n);
        CHECK(std::string(attn::active_backend()) == n);
    }
    CHECK_THROWS_WITH(attn::set_backend("quantum"), Catch::Contains("not available") && Catch::Contains("scalar"));
#if defined(__x86_64__) && !defined(ATTN_SCALAR_ONLY)
    CHECK(names.size() >= 2);  // at least sse2 + scalar on any x86-64
#endif
#if defined(__EMSCRIPTEN__)
    CHECK(names.front() == "simd128");
#endif
}

TEST_CASE("matmul A·Bᵀ matches the double reference on every backend", "[kernels]") {
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        for (std::size_t m : {1, 3, 17}) {
            for (std::size_t n : kSizes) {
                for (std::size_t k : kSizes) {
                    auto a = ref::random_matrix(m, k, 1 + m + n * 7 + k * 31);
                    auto b = ref::random_matrix(n, k, 2 + m + n * 7 + k * 31);
                    attn::Matrix c(m, n);
                    attn::matmul_abt(a, b, c, 0.5f);
                    auto want = ref::matmul_abt(ref::of(a), ref::of(b));
                    for (double& x : want.v) x *= 0.5;
                    // float accumulation of k products of magnitude ≤ 1: error grows like k·ε.
                    const double tol = 1e-6 * static_cast<double>(k) + 1e-6;
                    INFO(backend << " m=" << m << " n=" << n << " k=" << k);
                    REQUIRE(ref::max_abs_diff(c, want) <= tol);
                }
            }
        }
    }
}

TEST_CASE("matmul A·B matches the double reference on every backend, with and without accumulate", "[kernels]") {
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        for (std::size_t m : {1, 7}) {
            for (std::size_t n : kSizes) {
                for (std::size_t k : kSizes) {
                    auto a = ref::random_matrix(m, k, 3 + n * 7 + k * 31);
                    auto b = ref::random_matrix(k, n, 4 + n * 7 + k * 31);
                    auto c0 = ref::random_matrix(m, n, 5 + n);
                    attn::Matrix c = c0;
                    attn::matmul_ab(a, b, c, false);
                    auto want = ref::matmul_ab(ref::of(a), ref::of(b));
                    const double tol = 1e-6 * static_cast<double>(k) + 1e-6;
                    INFO(backend << " m=" << m << " n=" << n << " k=" << k);
                    REQUIRE(ref::max_abs_diff(c, want) <= tol);
                    c = c0;
                    attn::matmul_ab(a, b, c, true);
                    auto base = ref::of(c0);
                    for (std::size_t i = 0; i < want.v.size(); ++i) want.v[i] += base.v[i];
                    REQUIRE(ref::max_abs_diff(c, want) <= tol);
                }
            }
        }
    }
}

TEST_CASE("matmul works on strided views (blocks of a larger matrix)", "[kernels]") {
    auto big = ref::random_matrix(20, 40, 9);
    attn::ConstMatrixView a = big.view().block(2, 3, 5, 17);
    attn::ConstMatrixView b = big.view().block(8, 20, 6, 17);
    attn::Matrix c(5, 6);
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        attn::matmul_abt(a, b, c);
        REQUIRE(ref::max_abs_diff(c, ref::matmul_abt(ref::of(a), ref::of(b))) <= 1e-5);
    }
}

TEST_CASE("matmul rejects mismatched shapes with a precise message", "[kernels]") {
    attn::Matrix a(3, 4), b(5, 6), c(3, 5);
    CHECK_THROWS_WITH(attn::matmul_abt(a, b, c), "right operand of A·Bᵀ has 6 columns, left operand has 4");
    attn::Matrix b2(4, 6), c2(3, 5);
    CHECK_THROWS_WITH(attn::matmul_ab(a, b2, c2), Catch::Contains("output of A·B is 3×5, expected 3×6"));
}

TEST_CASE("exp for inputs ≤ 0: max relative error ≤ 3e-7 over [-87, 0], exact 0 below the float range", "[kernels]") {
    const std::size_t n = 100003;
    std::vector<float> x(n), y(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = -87.0f * static_cast<float>(i) / static_cast<float>(n - 1);
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        y = x;
        attn::kernels().exp_nonpos(y.data(), n);
        double worst = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double want = std::exp(static_cast<double>(x[i]));
            worst = std::max(worst, std::fabs(y[i] - want) / want);
        }
        INFO(backend << " worst relative error " << worst);
        CHECK(worst <= 3e-7);
        std::vector<float> edge{0.0f, -0.0f, -88.0f, -100.0f, -1e30f, -INFINITY};
        attn::kernels().exp_nonpos(edge.data(), edge.size());
        CHECK(edge[0] == 1.0f);
        CHECK(edge[1] == 1.0f);
        CHECK(edge[2] <= 1.0e-38f);
        CHECK(edge[3] == (backend == "scalar" ? std::exp(-100.0f) : 0.0f));
        CHECK(edge[4] == 0.0f);
        CHECK(edge[5] == 0.0f);
    }
}

TEST_CASE("tanh and sigmoid match the double reference, including large |x|", "[kernels]") {
    for (std::size_t n : kSizes) {
        auto src = ref::random_matrix(1, n, 77 + n, -30.0f, 30.0f);
        for (const auto& backend : attn::available_backends()) {
            attn::ScopedBackend use(backend);
            std::vector<float> t(src.row(0), src.row(0) + n), s = t;
            attn::kernels().tanh(t.data(), n);
            attn::kernels().sigmoid(s.data(), n);
            for (std::size_t i = 0; i < n; ++i) {
                const double x = src(0, i);
                INFO(backend << " x=" << x);
                REQUIRE(std::fabs(t[i] - std::tanh(x)) <= 2e-7);
                REQUIRE(std::fabs(s[i] - 1.0 / (1.0 + std::exp(-x))) <= 2e-7);
            }
        }
    }
    std::vector<float> big{1e30f, -1e30f, 100.0f, -100.0f};
    attn::kernels().sigmoid(big.data(), big.size());
    CHECK(big[0] == 1.0f);
    CHECK(big[1] == 0.0f);
    CHECK(big[2] == 1.0f);
    CHECK(big[3] >= 0.0f);
    CHECK(big[3] < 1e-40f + 4e-44f);
}

TEST_CASE("softmax rows: matches reference, rows sum to 1, masked entries exactly 0, fully masked rows zero",
          "[kernels]") {
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        for (std::size_t n : kSizes) {
            auto x = ref::random_matrix(4, n, 100 + n, -20.0f, 20.0f);
            auto mask = [n](std::size_t i, std::size_t j) { return i == 3 ? false : (i != 1 || j % 3 != 0 || n == 1); };
            attn::Matrix xm = x;
            for (std::size_t i = 0; i < 4; ++i)
                for (std::size_t j = 0; j < n; ++j)
                    if (!mask(i, j)) xm(i, j) = -INFINITY;
            attn::softmax_rows(xm);
            auto want = ref::softmax(ref::of(x), mask);
            INFO(backend << " n=" << n);
            REQUIRE(ref::max_abs_diff(xm, want) <= 1e-6);
            for (std::size_t i = 0; i < 3; ++i) {
                double s = 0;
                for (std::size_t j = 0; j < n; ++j) s += xm(i, j);
                REQUIRE(std::fabs(s - 1.0) <= 1e-5);
            }
            for (std::size_t j = 0; j < n; ++j) {
                REQUIRE(xm(3, j) == 0.0f);
                if (!mask(1, j)) REQUIRE(xm(1, j) == 0.0f);
            }
        }
    }
}

TEST_CASE("softmax is stable for huge logits", "[kernels]") {
    attn::Matrix x = attn::Matrix::from_rows({{1e30f, 0.0f, -1e30f}, {-1e30f, -1e30f, -1e30f}});
    attn::softmax_rows(x);
    CHECK(x(0, 0) == 1.0f);
    CHECK(x(0, 1) == 0.0f);
    CHECK(x(0, 2) == 0.0f);
    CHECK(x(1, 0) == Approx(1.0 / 3));
}
