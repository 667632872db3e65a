// The fast paths of the performance work against double references: the packed GEMM with
// every row tail (rows < micro-kernel height) and column tail (columns < panel), the base-2
// online softmax step, tiled_attention_heads for head widths that do and do not fill a panel,
// every mask, threads = 1 and 2 (identical results), workspace reuse across shapes, and the
// multi-head fast path against the plain one. Every backend the CPU supports, selected
// explicitly. No timings here: bench/ measures speed.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <iterator>
#include <limits>
#include <thread>
#include <vector>

#include "attn/kernels.hpp"
#include "attn/multihead.hpp"
#include "attn/parallel.hpp"
#include "attn/tiled.hpp"
#include "reference.hpp"

namespace {

// Per-head reference: out_h = softmax(scale · q_h k_hᵀ, mask) v_h in double.
ref::Mat reference_heads(const attn::Matrix& q, const attn::Matrix& k, const attn::Matrix& v, std::size_t heads,
                         double scale, const attn::Mask& mask) {
    const std::size_t L = q.rows(), S = k.rows(), d = q.cols() / heads, dv = v.cols() / heads;
    ref::Mat out(L, heads * dv);
    for (std::size_t h = 0; h < heads; ++h) {
        ref::Mat s(L, S);
        for (std::size_t i = 0; i < L; ++i)
            for (std::size_t j = 0; j < S; ++j) {
                double t = 0;
                for (std::size_t c = 0; c < d; ++c) t += double(q(i, h * d + c)) * double(k(j, h * d + c));
                s(i, j) = scale * t;
            }
        const ref::Mat w = ref::softmax(s, [&](std::size_t i, std::size_t j) { return mask.allows(i, j); });
        for (std::size_t i = 0; i < L; ++i)
            for (std::size_t c = 0; c < dv; ++c) {
                double t = 0;
                for (std::size_t j = 0; j < S; ++j) t += w(i, j) * double(v(j, h * dv + c));
                out(i, h * dv + c) = t;
            }
    }
    return out;
}

std::vector<attn::Mask> masks_for(std::size_t L, std::size_t S) {
    std::vector<bool> pad(S, false);
    for (std::size_t j = 1; j < S; j += 4) pad[j] = true;
    std::vector<std::uint8_t> m(L * S);
    for (std::size_t i = 0; i < m.size(); ++i) m[i] = (i * 2654435761u % 7) != 0;
    if (L > 2)  // one fully masked row
        for (std::size_t j = 0; j < S; ++j) m[2 * S + j] = 0;
    return {attn::Mask::none(), attn::Mask::causal(), attn::Mask::window(3), attn::Mask::key_padding(pad),
            attn::Mask::matrix(L, S, m)};
}

}  // namespace

TEST_CASE(
    "packed GEMM matches the double reference for every row and column tail, on every backend, with its row maxima",
    "[perf]") {
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        const attn::KernelTable& kt = attn::kernels();
        const std::size_t P = kt.panel, MR = kt.micro_rows;
        for (std::size_t m :
             {std::size_t{1}, MR - 1 ? MR - 1 : 1, MR, MR + 1, 2 * MR + 1, std::size_t{100}, std::size_t{200}})
            for (std::size_t n : {std::size_t{1}, P - 1 ? P - 1 : 1, P, P + 3, 2 * P + 1})
                for (std::size_t k : {1, 5, 64})
                    for (bool transposed : {false, true})
                        for (bool accumulate : {false, true}) {
                            auto a = ref::random_matrix(m, k, std::uint32_t(1 + m * 31 + n * 7 + k));
                            // B (k, n) given directly or as bᵀ (n, k)
                            auto b = transposed ? ref::random_matrix(n, k, std::uint32_t(2 + n + k))
                                                : ref::random_matrix(k, n, std::uint32_t(2 + n + k));
                            const std::size_t panels = (n + P - 1) / P, ps = k * P + 16;  // gaps between panels
                            std::vector<float> packed(panels * ps, std::numeric_limits<float>::quiet_NaN());
                            kt.pack_b(b.row(0), b.stride(), k, n, transposed, packed.data(), ps);
                            auto c = ref::random_matrix(m, n, 3);
                            const ref::Mat c0 = ref::of(c);
                            // every other call also asks for the row maxima (the fused path of the scores)
                            const bool with_max = (m + n + k) % 2 == 0;
                            std::vector<float> row_max(m + 1, 12345.0f);
                            kt.gemm_packed(a.row(0), a.stride(), packed.data(), ps, c.row(0), c.stride(), m, n, k,
                                           accumulate, with_max ? row_max.data() : nullptr);
                            const ref::Mat bm = transposed ? ref::of(b) : ref::Mat();
                            ref::Mat want(m, n);
                            for (std::size_t i = 0; i < m; ++i)
                                for (std::size_t j = 0; j < n; ++j) {
                                    double t = accumulate ? c0(i, j) : 0.0;
                                    for (std::size_t p = 0; p < k; ++p)
                                        t += double(a(i, p)) * double(transposed ? b(j, p) : b(p, j));
                                    want(i, j) = t;
                                }
                            INFO(backend << " m=" << m << " n=" << n << " k=" << k << " transposed=" << transposed
                                         << " accumulate=" << accumulate);
                            REQUIRE(ref::max_abs_diff(c, want) <= 1e-6 * double(k) + 1e-6);
                            for (std::size_t i = 0; i < m; ++i) {
                                float mx = -std::numeric_limits<float>::infinity();
                                for (std::size_t j = 0; j < n; ++j) mx = std::max(mx, c(i, j));
                                REQUIRE(row_max[i] ==
                                        (with_max ? mx : 12345.0f));  // exactly the max of what was written
                            }
                            REQUIRE(row_max[m] == 12345.0f);  // nothing past m
                        }
    }
}

TEST_CASE("online softmax step: base-2 powers within 1e-6 relative, rescale when the max grows, masked rows zero",
          "[perf]") {
    const float ninf = -std::numeric_limits<float>::infinity();
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        const attn::KernelTable& kt = attn::kernels();
        const std::size_t cols = 37;
        attn::Matrix s(3, cols), o(3, 5, 1.0f);
        for (std::size_t c = 0; c < cols; ++c) {
            s(0, c) = -30.0f + 0.83f * float(c);  // a spread of exponents, max at the end
            s(1, c) = c % 3 ? ninf : 0.25f * float(c);
            s(2, c) = ninf;  // everything masked
        }
        const attn::Matrix s0 = s;
        // row 0 and 1 had a running max of 2 with sum 3 and output 1; row 2 nothing yet
        float m[3] = {2.0f, 2.0f, ninf}, l[3] = {3.0f, 3.0f, 0.0f};
        kt.online_softmax_tile(s.row(0), s.stride(), 3, cols, m, l, o.row(0), o.stride(), 5, nullptr);
        for (std::size_t r = 0; r < 2; ++r) {
            double mx = 2.0;
            for (std::size_t c = 0; c < cols; ++c) mx = std::max(mx, double(s0(r, c)));
            INFO(backend << " row " << r);
            REQUIRE(m[r] == float(mx));
            const double alpha = std::exp2(2.0 - mx);
            double sum = 3.0 * alpha;
            for (std::size_t c = 0; c < cols; ++c) {
                const double want = s0(r, c) == ninf ? 0.0 : std::exp2(double(s0(r, c)) - mx);
                if (want == 0.0)
                    REQUIRE(s(r, c) == 0.0f);
                else
                    // exp2's polynomial (2.3e-7) plus the float rounding of s − m' in the kernel
                    REQUIRE(std::fabs(s(r, c) - want) / want <= 1e-6);
                sum += want;
            }
            CHECK(l[r] == Approx(sum).epsilon(1e-6));
            CHECK(o(r, 0) == Approx(alpha).epsilon(1e-6));
        }
        CHECK(m[2] == ninf);
        CHECK(l[2] == 0.0f);
        for (std::size_t c = 0; c < cols; ++c) CHECK(s(2, c) == 0.0f);
        CHECK(o(2, 0) == 1.0f);  // untouched: nothing attended
    }
}

TEST_CASE("online softmax step: powers far below the max underflow to 0, never to more than 2^-126", "[perf]") {
    // AVX-512 scales by 2^n with vscalefps (subnormals down to 2^-149, 0 below); the others give
    // 0 below 2^-126.5. Either way −inf, and anything 160 or more below the max, is exactly 0.
    const float ninf = -std::numeric_limits<float>::infinity();
    const float below[] = {-126.0f, -126.7f, -127.0f, -135.0f, -149.0f, -155.0f, -160.0f, -200.0f, -1e30f, ninf};
    const std::size_t cols = 1 + std::size(below);
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        attn::Matrix s(1, cols), o(1, 1, 0.0f);
        s(0, 0) = 3.0f;  // the max
        for (std::size_t c = 1; c < cols; ++c) s(0, c) = below[c - 1] == ninf ? ninf : 3.0f + below[c - 1];
        float m = ninf, l = 0.0f;
        attn::kernels().online_softmax_tile(s.row(0), s.stride(), 1, cols, &m, &l, o.row(0), o.stride(), 1, nullptr);
        INFO(backend);
        CHECK(s(0, 0) == 1.0f);
        CHECK(l == 1.0f);
        for (std::size_t c = 1; c < cols; ++c) {
            INFO("2^" << below[c - 1] << " gave " << s(0, c));
            CHECK(s(0, c) >= 0.0f);
            CHECK(s(0, c) <= (below[c - 1] >= -126.0f ? 1.2e-38f : std::ldexp(1.0f, -126)));
            if (below[c - 1] <= -160.0f) CHECK(s(0, c) == 0.0f);
        }
        CHECK(s(0, 1) >= 1.1e-38f);  // 2^-126 ≈ 1.18e-38 is still a normal float
    }
}

TEST_CASE("scale: y = a·x on every backend, out of place and in place, every tail", "[perf]") {
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        for (std::size_t n : {1, 3, 7, 17, 63, 64, 65, 257}) {
            const attn::Matrix x = ref::random_matrix(1, n, std::uint32_t(90 + n), -5.0f, 5.0f);
            std::vector<float> y(n + 1, 7.0f), z(x.row(0), x.row(0) + n);
            attn::kernels().scale(x.row(0), n, -0.37f, y.data());
            attn::kernels().scale(z.data(), n, -0.37f, z.data());
            INFO(backend << " n=" << n);
            for (std::size_t i = 0; i < n; ++i) {
                REQUIRE(y[i] == x(0, i) * -0.37f);  // one float multiply, as a lane does it
                REQUIRE(z[i] == y[i]);
            }
            REQUIRE(y[n] == 7.0f);  // nothing written past n
        }
    }
}

TEST_CASE("tiled_attention_heads matches the double reference: head widths, tails, masks, threads 1 and 2",
          "[perf][tiled]") {
    struct Shape {
        std::size_t L, S, heads, d, dv;
    };
    const Shape shapes[] = {{1, 1, 1, 1, 1},      {7, 5, 2, 5, 3},      {13, 70, 3, 16, 8},
                            {65, 131, 2, 64, 64}, {130, 67, 1, 72, 13}, {200, 200, 4, 8, 8}};
    const attn::TileConfig tiles[] = {
        {attn::kDefaultBlockQ, attn::kDefaultBlockK, 1}, {1, 1, 2}, {7, 5, 2}, {64, 256, 1}};
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        attn::TiledWorkspace ws;  // shared across every shape: grows and shrinks
        for (const Shape& sh : shapes) {
            auto q = ref::random_matrix(sh.L, sh.heads * sh.d, std::uint32_t(10 + sh.L), -2, 2);
            auto k = ref::random_matrix(sh.S, sh.heads * sh.d, std::uint32_t(11 + sh.S), -2, 2);
            auto v = ref::random_matrix(sh.S, sh.heads * sh.dv, std::uint32_t(12 + sh.S));
            const double scale = 1.0 / std::sqrt(double(sh.d));
            for (const attn::Mask& mask : masks_for(sh.L, sh.S)) {
                const ref::Mat want = reference_heads(q, k, v, sh.heads, scale, mask);
                attn::Matrix first;
                for (const attn::TileConfig& t : tiles) {
                    attn::Matrix out(sh.L, sh.heads * sh.dv, 7.0f);
                    attn::tiled_attention_heads(q, k, v, sh.heads, float(scale), mask, out, t, &ws);
                    INFO(backend << " L=" << sh.L << " S=" << sh.S << " heads=" << sh.heads << " d=" << sh.d
                                 << " dv=" << sh.dv << " mask " << mask.describe() << " tiles " << t.block_q << "×"
                                 << t.block_k << " threads " << t.threads);
                    REQUIRE(ref::max_abs_diff(out, want) <= 2e-5);
                    // Same tiles with another thread count: bit for bit the same.
                    attn::TileConfig other = t;
                    other.threads = t.threads == 1 ? 2 : 1;
                    attn::Matrix again(sh.L, sh.heads * sh.dv);
                    attn::tiled_attention_heads(q, k, v, sh.heads, float(scale), mask, again, other, &ws);
                    for (std::size_t i = 0; i < sh.L; ++i)
                        for (std::size_t c = 0; c < sh.heads * sh.dv; ++c) REQUIRE(again(i, c) == out(i, c));
                }
            }
        }
    }
}

TEST_CASE("tiled_attention_heads reports bad head counts", "[perf][errors]") {
    auto q = ref::random_matrix(4, 6, 1), k = ref::random_matrix(5, 6, 2), v = ref::random_matrix(5, 6, 3);
    attn::Matrix out(4, 6);
    CHECK_THROWS_WITH(attn::tiled_attention_heads(q, k, v, 4, 1.0f, attn::Mask::none(), out),
                      "num_heads 4 does not divide the query width 6");
    CHECK_THROWS_WITH(attn::tiled_attention_heads(q, k, v, 0, 1.0f, attn::Mask::none(), out),
                      "num_heads must be at least 1");
    attn::Matrix wrong(4, 5);
    CHECK_THROWS_WITH(attn::tiled_attention_heads(q, k, v, 2, 1.0f, attn::Mask::none(), wrong),
                      Catch::Contains("output"));
}

TEST_CASE("overlaps() matches a brute-force comparison of element addresses", "[perf]") {
    attn::Matrix m(6, 10);
    const attn::ConstMatrixView whole = m.view();
    const auto addresses = [](attn::ConstMatrixView v) {
        std::vector<const float*> a;
        for (std::size_t i = 0; i < v.rows; ++i)
            for (std::size_t j = 0; j < v.cols; ++j) a.push_back(v.row(i) + j);
        return a;
    };
    std::uint32_t seed = 1;
    const auto next = [&](std::uint32_t n) {
        seed = seed * 1664525u + 1013904223u;
        return (seed >> 8) % n;
    };
    std::size_t both = 0;
    for (int trial = 0; trial < 4000; ++trial) {
        attn::ConstMatrixView b[2];
        for (auto& x : b) {
            const std::size_t r0 = next(6), c0 = next(10);
            x = whole.block(r0, c0, next(std::uint32_t(6 - r0)) + 1, next(std::uint32_t(10 - c0)) + 1);
        }
        const auto a0 = addresses(b[0]), a1 = addresses(b[1]);
        bool want = false;
        for (const float* x : a0)
            for (const float* y : a1) want = want || x == y;
        both += want;
        INFO("blocks at " << (b[0].data - whole.data) << " " << b[0].rows << "×" << b[0].cols << " and "
                          << (b[1].data - whole.data) << " " << b[1].rows << "×" << b[1].cols);
        REQUIRE(attn::overlaps(b[0], b[1]) == want);
        REQUIRE(attn::overlaps(b[1], b[0]) == want);
    }
    CHECK(both > 400);  // both answers were exercised
    CHECK(both < 3600);
    attn::Matrix other(6, 10);
    CHECK_FALSE(attn::overlaps(whole, other.view()));
    CHECK_FALSE(attn::overlaps(whole.block(0, 0, 0, 3), whole));  // empty
}

TEST_CASE("the tiled paths refuse an output that overlaps K or V, and take column blocks of one buffer",
          "[perf][errors]") {
    const std::size_t L = 40, E = 16, H = 2;
    attn::Matrix buf = ref::random_matrix(L, 4 * E, 21);  // [Q | K | V | out]
    const attn::MatrixView all = buf.view();
    const attn::ConstMatrixView q = all.block(0, 0, L, E), k = all.block(0, E, L, E), v = all.block(0, 2 * E, L, E);
    attn::TileConfig tiles;
    tiles.threads = 2;
    CHECK_THROWS_WITH(
        attn::tiled_attention_heads(q, k, v, H, 0.25f, attn::Mask::causal(), all.block(0, E, L, E), tiles),
        "output overlaps key: pass a separate output matrix");
    CHECK_THROWS_WITH(
        attn::tiled_attention_heads(q, k, v, H, 0.25f, attn::Mask::none(), all.block(0, 2 * E - 3, L, E), tiles),
        "output overlaps key: pass a separate output matrix");
    CHECK_THROWS_WITH(attn::tiled_attention(q, k, v, 0.25f, attn::Mask::none(), all.block(0, 2 * E + 5, L, E), tiles),
                      "output overlaps value: pass a separate output matrix");
    attn::Matrix separate(L, E);
    attn::tiled_attention_heads(q, k, v, H, 0.25f, attn::Mask::causal(), separate, tiles);
    attn::tiled_attention_heads(q, k, v, H, 0.25f, attn::Mask::causal(), all.block(0, 3 * E, L, E), tiles);
    CHECK(ref::max_abs_diff(all.block(0, 3 * E, L, E), ref::of(separate)) == 0.0);
    // the output may be the query itself: each task reads its query rows before it writes them
    attn::Matrix qcopy(L, E);
    for (std::size_t i = 0; i < L; ++i) std::copy(q.row(i), q.row(i) + E, qcopy.row(i));
    attn::tiled_attention_heads(qcopy, k, v, H, 0.25f, attn::Mask::causal(), qcopy, tiles);
    CHECK(ref::max_abs_diff(qcopy, ref::of(separate)) == 0.0);
}

namespace {

// Multi-head parameters with weights in [−0.3, 0.3] and biases in [−1, 1], from seed .. seed + 3.
attn::MultiHeadParams random_params(std::size_t E, std::size_t H, std::uint32_t seed) {
    attn::MultiHeadParams p;
    p.num_heads = H;
    p.in_proj_weight = ref::random_matrix(3 * E, E, seed, -0.3f, 0.3f);
    p.out_proj_weight = ref::random_matrix(E, E, seed + 1, -0.3f, 0.3f);
    p.in_proj_bias = ref::random_matrix(1, 3 * E, seed + 2).to_rows()[0];
    p.out_proj_bias = ref::random_matrix(1, E, seed + 3).to_rows()[0];
    return p;
}

}  // namespace

TEST_CASE("multi-head fast path (tiled, no weights) equals the plain path, 1 and 2 threads, reused result",
          "[perf][multihead]") {
    const std::size_t E = 24, H = 3;
    attn::MultiHeadParams p = random_params(E, H, 5);
    p.in_proj_bias.assign(3 * E, 0.1f);
    p.out_proj_bias.assign(E, -0.05f);
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        attn::MultiHeadResult fast;  // reused across sizes and masks
        for (std::size_t L : {1, 9, 70}) {
            auto x = ref::random_matrix(L, E, std::uint32_t(40 + L));
            for (const attn::Mask& mask : masks_for(L, L)) {
                attn::MultiHeadOptions plain_opts;
                plain_opts.implementation = attn::Implementation::plain;
                const auto want = attn::multi_head_attention(x, x, x, p, mask, plain_opts);
                for (std::size_t threads : {1, 2}) {
                    attn::MultiHeadOptions o;
                    o.implementation = attn::Implementation::tiled;
                    o.need_weights = false;
                    o.tiles.threads = threads;
                    o.head_enabled = {true, L != 9, true};
                    attn::multi_head_attention(x, x, x, p, mask, o, fast);
                    attn::MultiHeadOptions po = plain_opts;
                    po.head_enabled = o.head_enabled;
                    const auto ref_out = attn::multi_head_attention(x, x, x, p, mask, po);
                    INFO(backend << " L=" << L << " mask " << mask.describe() << " threads " << threads);
                    REQUIRE(ref::max_abs_diff(fast.output, ref::of(ref_out.output)) <= 1e-5);
                    REQUIRE(ref::max_abs_diff(fast.concat, ref::of(ref_out.concat)) <= 1e-5);
                }
                (void)want;
            }
        }
    }
}

TEST_CASE("multi-head projections match the double reference on both packings (few rows, many rows)",
          "[perf][multihead]") {
    // project() packs the input for n·(E_in + E_out) < E_in·E_out (here L < 12), else the weights.
    const std::size_t E = 24, H = 3;
    const attn::MultiHeadParams p = random_params(E, H, 7);
    const ref::Mat w = ref::of(p.in_proj_weight), wo = ref::of(p.out_proj_weight);
    for (const auto& backend : attn::available_backends()) {
        attn::ScopedBackend use(backend);
        for (std::size_t L : {1, 11, 12, 13, 70, 200}) {
            const auto query = ref::random_matrix(L, E, std::uint32_t(60 + L));
            const auto key = ref::random_matrix(L, E, std::uint32_t(61 + L));
            const auto value = ref::random_matrix(L, E, std::uint32_t(62 + L));
            for (std::size_t threads : {1, 2}) {
                attn::MultiHeadOptions o;
                o.need_weights = false;
                o.tiles.threads = threads;
                const auto r = attn::multi_head_attention(query, key, value, p, attn::Mask::none(), o);
                const attn::Matrix* got[] = {&r.q, &r.k, &r.v};
                const attn::Matrix* in[] = {&query, &key, &value};
                for (std::size_t part = 0; part < 3; ++part) {
                    ref::Mat wp(E, E);
                    for (std::size_t i = 0; i < E; ++i)
                        for (std::size_t j = 0; j < E; ++j) wp(i, j) = w(part * E + i, j);
                    ref::Mat want = ref::matmul_abt(ref::of(*in[part]), wp);
                    for (std::size_t i = 0; i < L; ++i)
                        for (std::size_t j = 0; j < E; ++j) want(i, j) += p.in_proj_bias[part * E + j];
                    INFO(backend << " L=" << L << " threads " << threads << " projection " << part);
                    REQUIRE(ref::max_abs_diff(*got[part], want) <= 1e-5);
                }
                ref::Mat want_out = ref::matmul_abt(ref::of(r.concat), wo);
                for (std::size_t i = 0; i < L; ++i)
                    for (std::size_t j = 0; j < E; ++j) want_out(i, j) += p.out_proj_bias[j];
                INFO(backend << " L=" << L << " threads " << threads << " output projection");
                REQUIRE(ref::max_abs_diff(r.output, want_out) <= 1e-5);
            }
        }
    }
}

TEST_CASE("parallel_for runs every task exactly once on any thread count, and nested calls run inline", "[perf]") {
    // Workers only record; the assertions run on this thread (Catch2's are not thread-safe).
    for (std::size_t threads : {0, 1, 2, 8}) {
        for (std::size_t n : {0, 1, 2, 3, 1000}) {
            std::vector<std::atomic<int>> hits(n);
            std::atomic<bool> bad_worker{false};
            attn::parallel_for(n, threads, [&](std::size_t i, std::size_t worker) {
                if (worker >= attn::resolve_threads(threads)) bad_worker = true;
                ++hits[i];
            });
            CHECK_FALSE(bad_worker);
            for (auto& h : hits) REQUIRE(h.load() == 1);
        }
    }
    std::vector<std::atomic<int>> inner(16 * 16);
    attn::parallel_for(16, 2, [&](std::size_t i, std::size_t) {
        attn::parallel_for(16, 2, [&](std::size_t j, std::size_t) { ++inner[i * 16 + j]; });
    });
    for (auto& h : inner) REQUIRE(h.load() == 1);
    CHECK(attn::resolve_threads(0) == attn::hardware_threads());
    CHECK(attn::resolve_threads(1) == 1);
}

TEST_CASE("parallel_for balances uneven tasks by stealing and never runs two tasks on one worker at once", "[perf]") {
    // The caller's share (worker 0) holds all the slow tasks (200 µs each, 6.4 ms a region on two
    // threads); the other threads finish their fast shares in microseconds and must steal slow
    // ones from its back. Regions follow each other both faster and slower than the pool's
    // polling time.
    const std::size_t threads = attn::resolve_threads(0), n = 64;
    std::vector<std::atomic<int>> busy(threads), hits(n);
    std::atomic<bool> overlap{false};
    std::atomic<int> stolen{0};  // slow tasks run by a worker other than the caller
    for (int region = 0; region < 40; ++region) {
        for (auto& h : hits) h = 0;
        attn::parallel_for(n, threads, [&](std::size_t i, std::size_t worker) {
            if (busy[worker].exchange(1) != 0) overlap = true;
            if (i < n / threads && worker != 0) ++stolen;
            if (i < n / threads) std::this_thread::sleep_for(std::chrono::microseconds(200));
            ++hits[i];
            busy[worker] = 0;
        });
        for (auto& h : hits) REQUIRE(h.load() == 1);
        if (region % 10 == 9) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // workers fall asleep
    }
    CHECK_FALSE(overlap);
    // Without stealing the caller would run every slow task itself. Counted over all 40 regions,
    // so a worker that misses one region's start on a loaded machine does not decide it.
    if (threads > 1) CHECK(stolen.load() > 0);
}
