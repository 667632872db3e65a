// train_reference.hpp: double-precision forward passes of the training engine's ops and of the
// whole model, written from the PyTorch formulas with plain loops over ref::Mat (no code shared
// with core/src). The finite-difference tests differentiate these numerically,
//   ∂f/∂θ ≈ (f(θ + h) − f(θ − h)) / 2h   in double,
// and compare with the core's float backward. Also the FD harness itself.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "attn/train/parameters.hpp"
#include "attn/train/transformer.hpp"
#include "reference.hpp"

namespace tref {

using ref::Mat;

// A float view (any stride) as a double matrix, and back.
inline Mat of(attn::ConstMatrixView m) { return ref::of(m); }

inline Mat row_of(const float* x, std::size_t n) {
    Mat r(1, n);
    for (std::size_t i = 0; i < n; ++i) r.v[i] = x[i];
    return r;
}

// x: (N, in)  W: (out, in)  b: (1, out) or empty   → x·Wᵀ + b
inline Mat linear(const Mat& x, const Mat& W, const Mat& b) {
    Mat y(x.rows, W.rows);
    for (std::size_t i = 0; i < x.rows; ++i)
        for (std::size_t o = 0; o < W.rows; ++o) {
            double s = b.v.empty() ? 0.0 : b.v[o];
            for (std::size_t k = 0; k < x.cols; ++k) s += x(i, k) * W(o, k);
            y(i, o) = s;
        }
    return y;
}

inline Mat layer_norm(const Mat& x, const Mat& g, const Mat& b, double eps = 1e-5) {
    Mat y(x.rows, x.cols);
    for (std::size_t i = 0; i < x.rows; ++i) {
        double mu = 0, var = 0;
        for (std::size_t j = 0; j < x.cols; ++j) mu += x(i, j);
        mu /= x.cols;
        for (std::size_t j = 0; j < x.cols; ++j) var += (x(i, j) - mu) * (x(i, j) - mu);
        var /= x.cols;
        for (std::size_t j = 0; j < x.cols; ++j) y(i, j) = (x(i, j) - mu) / std::sqrt(var + eps) * g.v[j] + b.v[j];
    }
    return y;
}

inline Mat relu(const Mat& x) {
    Mat y = x;
    for (double& v : y.v) v = v > 0 ? v : 0;
    return y;
}

inline Mat gelu(const Mat& x) {
    Mat y = x;
    for (double& v : y.v) v = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    return y;
}

inline Mat add(const Mat& a, const Mat& b) {
    Mat c = a;
    for (std::size_t i = 0; i < c.v.size(); ++i) c.v[i] += b.v[i];
    return c;
}

inline Mat sinusoidal(std::size_t n, std::size_t d) {
    Mat pe(n, d);
    for (std::size_t p = 0; p < n; ++p)
        for (std::size_t j = 0; j < d; ++j) {
            const double angle = static_cast<double>(p) / std::pow(10000.0, static_cast<double>(2 * (j / 2)) / d);
            pe(p, j) = j % 2 == 0 ? std::sin(angle) : std::cos(angle);
        }
    return pe;
}

// x: (B·n, E) → (B·n, E); weights, when given, get B·H matrices (n, n) in order b·H + h.
inline Mat self_attention(const Mat& x, std::size_t n, std::size_t H, bool causal, const Mat& Win, const Mat& bin,
                          const Mat& Wout, const Mat& bout, std::vector<Mat>* weights = nullptr) {
    const std::size_t E = x.cols, d = E / H, B = x.rows / n;
    const Mat qkv = linear(x, Win, bin);
    Mat concat(x.rows, E);
    if (weights) weights->clear();
    for (std::size_t b = 0; b < B; ++b)
        for (std::size_t h = 0; h < H; ++h) {
            Mat s(n, n);
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t j = 0; j < n; ++j) {
                    double acc = 0;
                    for (std::size_t c = 0; c < d; ++c)
                        acc += qkv(b * n + i, h * d + c) * qkv(b * n + j, E + h * d + c);
                    s(i, j) = acc / std::sqrt(static_cast<double>(d));
                }
            const Mat p = ref::softmax(s, [&](std::size_t i, std::size_t j) { return !causal || j <= i; });
            if (weights) weights->push_back(p);
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t c = 0; c < d; ++c) {
                    double acc = 0;
                    for (std::size_t j = 0; j < n; ++j) acc += p(i, j) * qkv(b * n + j, 2 * E + h * d + c);
                    concat(b * n + i, h * d + c) = acc;
                }
        }
    return linear(concat, Wout, bout);
}

inline double cross_entropy(const Mat& z, const std::vector<std::int32_t>& t) {
    double total = 0;
    std::size_t count = 0;
    for (std::size_t i = 0; i < z.rows; ++i) {
        if (t[i] == -100) continue;
        double m = -std::numeric_limits<double>::infinity();
        for (std::size_t j = 0; j < z.cols; ++j) m = std::max(m, z(i, j));
        double s = 0;
        for (std::size_t j = 0; j < z.cols; ++j) s += std::exp(z(i, j) - m);
        total += m + std::log(s) - z(i, t[i]);
        ++count;
    }
    return total / static_cast<double>(count);
}

inline double mse(const Mat& p, const std::vector<double>& t) {
    double total = 0;
    for (std::size_t i = 0; i < p.rows; ++i) total += (p(i, 0) - t[i]) * (p(i, 0) - t[i]);
    return total / static_cast<double>(p.rows);
}

// Σ y ⊙ R: the scalar whose gradient with respect to y is R (an upstream gradient for an op).
inline double dot(const Mat& y, const Mat& R) {
    double s = 0;
    for (std::size_t i = 0; i < y.v.size(); ++i) s += y.v[i] * R.v[i];
    return s;
}

// ---- the whole model, from named double tensors ---------------------------------------

using Tensors = std::map<std::string, Mat>;  // 1-D tensors as (1, n)

inline Tensors tensors_of(const attn::Parameters& ps) {
    Tensors t;
    for (std::size_t i = 0; i < ps.size(); ++i) t[ps.info(i).name] = of(ps.value_matrix(i));
    return t;
}

// The logits of the model of attn/train/transformer.hpp for tokens (or series values): (B·n, out)
inline Mat model_forward(const attn::TransformerConfig& c, const Tensors& p, const std::vector<std::int32_t>& tokens,
                         const std::vector<double>& values, std::size_t B, std::size_t n) {
    const std::size_t E = c.d_model, N = B * n;
    Mat x(N, E);
    if (c.input == attn::ModelInput::tokens) {
        const Mat& emb = p.at("tok_emb.weight");
        for (std::size_t i = 0; i < N; ++i)
            for (std::size_t j = 0; j < E; ++j) x(i, j) = emb(tokens[i], j);
    } else {
        Mat v(N, 1);
        for (std::size_t i = 0; i < N; ++i) v(i, 0) = values[i];
        x = linear(v, p.at("in_proj.weight"), p.at("in_proj.bias"));
    }
    const Mat pos = c.positions == attn::Positions::learned ? p.at("pos_emb.weight") : sinusoidal(n, E);
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = 0; j < E; ++j) x(i, j) += pos(i % n, j);
    for (std::size_t l = 0; l < c.layers; ++l) {
        const std::string q = "layers." + std::to_string(l) + ".";
        auto P = [&](const char* s) -> const Mat& { return p.at(q + s); };
        const Mat a = self_attention(layer_norm(x, P("norm1.weight"), P("norm1.bias")), n, c.heads, c.causal,
                                     P("self_attn.in_proj_weight"), P("self_attn.in_proj_bias"),
                                     P("self_attn.out_proj.weight"), P("self_attn.out_proj.bias"));
        x = add(x, a);
        Mat h = linear(layer_norm(x, P("norm2.weight"), P("norm2.bias")), P("linear1.weight"), P("linear1.bias"));
        h = c.activation == attn::nn::Activation::relu ? relu(h) : gelu(h);
        x = add(x, linear(h, P("linear2.weight"), P("linear2.bias")));
    }
    return linear(layer_norm(x, p.at("norm.weight"), p.at("norm.bias")), p.at("head.weight"), p.at("head.bias"));
}

// ---- finite differences ----------------------------------------------------------------

struct FdResult {
    double max_error = 0;    // max |analytic − numeric|
    double max_numeric = 0;  // max |numeric|
    std::size_t worst = 0;   // index of the worst element
    // The error relative to the tensor's scale: max_error / max(1, max_numeric).
    double scaled() const { return max_error / std::max(1.0, max_numeric); }
};

// Central differences of f with respect to every element of x (perturbed in place, restored),
// against the analytic gradient `grad` (float, flat, same order as x.v).
inline FdResult finite_difference(Mat& x, const float* grad, const std::function<double()>& f, double h = 1e-5) {
    FdResult r;
    for (std::size_t i = 0; i < x.v.size(); ++i) {
        const double keep = x.v[i];
        x.v[i] = keep + h;
        const double up = f();
        x.v[i] = keep - h;
        const double down = f();
        x.v[i] = keep;
        const double numeric = (up - down) / (2 * h);
        const double err = std::fabs(numeric - static_cast<double>(grad[i]));
        r.max_numeric = std::max(r.max_numeric, std::fabs(numeric));
        if (!(err <= r.max_error)) {  // also catches NaN
            r.max_error = std::isnan(err) ? std::numeric_limits<double>::infinity() : err;
            r.worst = i;
        }
    }
    return r;
}

// Flat copy of a float view in row order (a Mat's order).
inline std::vector<float> flat(attn::ConstMatrixView m) {
    std::vector<float> out;
    for (std::size_t i = 0; i < m.rows; ++i) out.insert(out.end(), m.row(i), m.row(i) + m.cols);
    return out;
}

}  // namespace tref
