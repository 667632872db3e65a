// conv_attention.cpp: channel and spatial attention over C×H×W feature maps, the
// convolutional cousins of query/key attention: squeeze-and-excitation (SE) and CBAM.
//
// A feature map is a (C, H·W) Matrix, so a channel is a row and the channel MLP is two small
// matrix products on the pooled (1, C) row (CBAM stacks its avg and max rows into (2, C)).
// The spatial step is a direct k×k convolution (cross-correlation, as in conv2d: no kernel
// flip) over the two H×W maps with zero padding; it is a loop, not a SIMD kernel, because
// the maps are small and the lesson is the formula.
//
// What it deliberately does not do: batches, strides or dilation, learned parameters
// (the caller supplies every weight), or any per-pixel trace steps (traces stay bounded by
// the number of channels).
//
// [SECTION] Checks      shapes, kernel size and finiteness, with messages naming the parameter
// [SECTION] Pieces      pooling, the shared MLP, scaling channels, the spatial convolution
// [SECTION] SE          squeeze → excite → scale
// [SECTION] CBAM        channel attention, then spatial attention
#include "attn/conv_attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "attn/kernels.hpp"

namespace attn {

// ============================================================================================
// [SECTION] Checks
// ============================================================================================

namespace {

std::string count(std::size_t n) { return std::to_string(n); }

// Every weight is finite, or an Error naming the first bad one ("SE w1[1][2] is NaN").
void require_finite_values(const std::vector<float>& v, const std::string& what) {
    for (std::size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(v[i])) throw Error(what, "[" + count(i) + "] is " + (std::isnan(v[i]) ? "NaN" : "infinite"));
}

// The feature map is non-empty, its data matches H·W, and every value is finite.
void check_feature_map(const FeatureMap& x, const std::string& who) {
    const std::string name = who + " input";
    if (x.channels() == 0) throw Error(name, "has 0 channels, expected at least 1");
    if (x.height == 0 || x.width == 0)
        throw Error(name, "is " + shape_string(x.height, x.width) + " pixels (H×W), expected H ≥ 1 and W ≥ 1");
    if (x.width > std::numeric_limits<std::size_t>::max() / x.height || x.data.cols() != x.height * x.width)
        throw Error(name, "data is " + shape_string(x.data.rows(), x.data.cols()) + ", expected " +
                              shape_string(x.channels(), x.height * x.width) + " (C × H·W with H = " + count(x.height) +
                              ", W = " + count(x.width) + ")");
    for (std::size_t c = 0; c < x.channels(); ++c)
        for (std::size_t y = 0; y < x.height; ++y)
            for (std::size_t i = 0; i < x.width; ++i) {
                const float v = x.at(c, y, i);
                if (!std::isfinite(v))
                    throw Error(name, std::string("has ") + (std::isnan(v) ? "NaN" : "an infinite value") +
                                          " at channel " + count(c) + ", pixel (y=" + count(y) + ", x=" + count(i) +
                                          ")");
            }
}

// The hidden size C/r is taken from w1's rows; everything else must agree with it and with C.
void check_mlp(const ChannelMLP& mlp, std::size_t channels, const std::string& who) {
    const std::size_t C = channels;
    const std::size_t hidden = mlp.w1.rows();
    if (hidden == 0)
        throw Error(who + " w1", "is " + shape_string(mlp.w1.rows(), mlp.w1.cols()) + ", expected (C/r)×" + count(C) +
                                     " with C/r ≥ 1 hidden units");
    if (mlp.w1.cols() != C)
        throw Error(who + " w1", "is " + shape_string(hidden, mlp.w1.cols()) + ", expected " + shape_string(hidden, C) +
                                     " (C/r × C, C = " + count(C) + " channels)");
    if (mlp.b1.size() != hidden)
        throw Error(who + " b1",
                    "has " + count(mlp.b1.size()) + " values, expected " + count(hidden) + " (C/r, the rows of w1)");
    if (mlp.w2.rows() != C || mlp.w2.cols() != hidden)
        throw Error(who + " w2", "is " + shape_string(mlp.w2.rows(), mlp.w2.cols()) + ", expected " +
                                     shape_string(C, hidden) + " (C × C/r, C = " + count(C) +
                                     ", C/r = " + count(hidden) + ")");
    if (mlp.b2.size() != C)
        throw Error(who + " b2", "has " + count(mlp.b2.size()) + " values, expected " + count(C) + " (C)");
    require_finite(mlp.w1, (who + " w1").c_str());
    require_finite(mlp.w2, (who + " w2").c_str());
    require_finite_values(mlp.b1, who + " b1");
    require_finite_values(mlp.b2, who + " b2");
}

// Kernels wider than this are surely a mistake (and 2·k·k must not overflow).
constexpr std::size_t kMaxKernelSize = 1023;

void check_conv(const SpatialConv& conv, const std::string& who) {
    const std::size_t k = conv.kernel_size;
    if (k == 0 || k % 2 == 0 || k > kMaxKernelSize)
        throw Error(who + " kernel_size", "is " + count(k) + ", expected an odd size from 1 to " +
                                              count(kMaxKernelSize) + " (1, 3, 5, 7, ...)");
    if (conv.weights.size() != 2 * k * k)
        throw Error(who + " weights", "has " + count(conv.weights.size()) + " values, expected 2·" + count(k) + "·" +
                                          count(k) + " = " + count(2 * k * k) + " (avg-map k×k, then max-map k×k)");
    require_finite_values(conv.weights, who + " weights");
    if (!std::isfinite(conv.bias))
        throw Error(who + " bias", std::string("is ") + (std::isnan(conv.bias) ? "NaN" : "infinite"));
}

}  // namespace

FeatureMap::FeatureMap(std::size_t channels, std::size_t h, std::size_t w) : height(h), width(w) {
    if (w != 0 && h > std::numeric_limits<std::size_t>::max() / w)
        throw Error("feature map", "of " + shape_string(h, w) + " pixels is too large");
    require_size(channels, h * w, "feature map");
    data = Matrix(channels, h * w);
}

void ChannelMLP::check(std::size_t channels) const { check_mlp(*this, channels, "channel MLP"); }

void SpatialConv::check() const { check_conv(*this, "spatial conv"); }

// ============================================================================================
// [SECTION] Pieces
// ============================================================================================

namespace {

// pooled: (1, C), pooled_c = (1/HW) Σ_p x_c[p]. Summed in double so large maps keep precision.
void average_pool(const FeatureMap& x, Matrix& pooled) {
    const std::size_t n = x.data.cols();
    pooled.resize(1, x.channels());
    for (std::size_t c = 0; c < x.channels(); ++c) {
        const float* row = x.data.row(c);
        double s = 0.0;
        for (std::size_t p = 0; p < n; ++p) s += row[p];
        pooled(0, c) = static_cast<float>(s / static_cast<double>(n));
    }
}

// pooled: (1, C), pooled_c = max_p x_c[p]
void max_pool(const FeatureMap& x, Matrix& pooled) {
    pooled.resize(1, x.channels());
    for (std::size_t c = 0; c < x.channels(); ++c) pooled(0, c) = kernels().max(x.data.row(c), x.data.cols());
}

// z: (n, C) rows of pooled descriptors → hidden: (n, C/r) = ReLU(z · W1ᵀ + b1),
// out: (n, C) = hidden · W2ᵀ + b2. One row per descriptor, the same weights for every row.
void channel_mlp(const Matrix& z, const ChannelMLP& mlp, Matrix& hidden, Matrix& out) {
    hidden.resize(z.rows(), mlp.w1.rows());
    matmul_abt(z, mlp.w1, hidden);
    for (std::size_t i = 0; i < hidden.rows(); ++i)
        for (std::size_t j = 0; j < hidden.cols(); ++j) hidden(i, j) = std::max(0.0f, hidden(i, j) + mlp.b1[j]);
    out.resize(z.rows(), mlp.w2.rows());
    matmul_abt(hidden, mlp.w2, out);
    for (std::size_t i = 0; i < out.rows(); ++i)
        for (std::size_t j = 0; j < out.cols(); ++j) out(i, j) += mlp.b2[j];
}

// y_c = s_c · x_c for every channel c (y may not alias x).
void scale_channels(const FeatureMap& x, const std::vector<float>& s, FeatureMap& y) {
    y = FeatureMap(x.channels(), x.height, x.width);
    const std::size_t n = x.data.cols();
    for (std::size_t c = 0; c < x.channels(); ++c) {
        std::copy(x.data.row(c), x.data.row(c) + n, y.data.row(c));
        kernels().scale(y.data.row(c), n, s[c], y.data.row(c));
    }
}

std::vector<float> row_vector(const Matrix& m, std::size_t i) { return {m.row(i), m.row(i) + m.cols()}; }

// logits: (H, W) = bias + Σ_{i,j} K_avg[i][j] · a(y+i−p, x+j−p) + K_max[i][j] · m(y+i−p, x+j−p),
// p = k/2, reads outside the map are zero (so 'same' output size). Cross-correlation, like
// conv2d: weight (i, j) multiplies the pixel at offset (i−p, j−p), no flip.
void spatial_conv(const Matrix& a, const Matrix& m, const SpatialConv& conv, Matrix& logits) {
    const std::size_t H = a.rows(), W = a.cols(), k = conv.kernel_size, p = k / 2;
    const float* k_avg = conv.weights.data();
    const float* k_max = conv.weights.data() + k * k;
    logits.resize(H, W);
    for (std::size_t y = 0; y < H; ++y) {
        // Only kernel rows i with 0 ≤ y+i−p < H touch the map; the rest read zero padding.
        const std::size_t i0 = y < p ? p - y : 0, i1 = std::min(k, H + p - y);
        for (std::size_t x = 0; x < W; ++x) {
            const std::size_t j0 = x < p ? p - x : 0, j1 = std::min(k, W + p - x);
            float s = conv.bias;
            for (std::size_t i = i0; i < i1; ++i) {
                const std::size_t yy = y + i - p;
                for (std::size_t j = j0; j < j1; ++j) {
                    const std::size_t xx = x + j - p;
                    s += k_avg[i * k + j] * a(yy, xx) + k_max[i * k + j] * m(yy, xx);
                }
            }
            logits(y, x) = s;
        }
    }
}

// The (1, C) row of a vector, for traces.
Matrix as_row(const std::vector<float>& v) {
    Matrix m(1, v.size());
    std::copy(v.begin(), v.end(), m.row(0));
    return m;
}

// The MLP's parameters as named matrices (biases as (1, n) rows).
void record_mlp(Trace& t, const ChannelMLP& mlp) {
    t.set_matrix("W1", mlp.w1);
    t.set_matrix("b1", as_row(mlp.b1));
    t.set_matrix("W2", mlp.w2);
    t.set_matrix("b2", as_row(mlp.b2));
}

// One step per channel ("rows" detail and finer), or one step for all of them.
void record_scale(Trace& t, const std::string& input, const std::string& output, const std::vector<float>& s,
                  const char* title) {
    const std::string formula = output + "_c = s_c · " + input + "_c";
    if (t.wants_rows()) {
        for (std::size_t c = 0; c < s.size(); ++c)
            t.add(StepKind::apply_gate, std::string(title) + ": channel " + count(c), formula,
                  {"channel_weights", input}, {output}, Focus::on_row(output, c))
                .value("c", static_cast<double>(c))
                .value("s_c", s[c]);
    } else {
        t.add(StepKind::apply_gate, title, formula + "   for every channel c", {"channel_weights", input}, {output});
    }
}

}  // namespace

// ============================================================================================
// [SECTION] SE
// ============================================================================================

SEResult squeeze_excitation(const FeatureMap& x, const ChannelMLP& mlp, Trace* trace) {
    check_feature_map(x, "SE");
    check_mlp(mlp, x.channels(), "SE");
    const std::size_t C = x.channels(), HW = x.data.cols();

    SEResult r;
    // squeeze  z: (1, C)
    Matrix z;
    average_pool(x, z);
    // excite   hidden: (1, C/r), logits: (1, C)
    Matrix hidden, logits;
    channel_mlp(z, mlp, hidden, logits);
    r.pooled = row_vector(z, 0);
    r.hidden = row_vector(hidden, 0);
    r.weights = row_vector(logits, 0);
    kernels().sigmoid(r.weights.data(), C);
    // scale    y: (C, H·W)
    scale_channels(x, r.weights, r.output);

    if (trace) {
        Trace& t = *trace;
        t.set_matrix("x", x.data);
        record_mlp(t, mlp);
        t.set_matrix("pooled", z);
        t.set_matrix("hidden", hidden);
        t.set_matrix("channel_weights", as_row(r.weights));
        t.set_matrix("output", r.output.data);
        t.add(StepKind::pool, "squeeze: global average pool", "z_c = (1/HW) Σ_p x_c[p]", {"x"}, {"pooled"})
            .value("C", static_cast<double>(C))
            .value("HW", static_cast<double>(HW));
        t.add(StepKind::mlp, "excite: hidden layer", "h = ReLU(W1 · z + b1)", {"pooled", "W1", "b1"}, {"hidden"})
            .value("C/r", static_cast<double>(hidden.cols()));
        t.add(StepKind::gate, "excite: channel weights", "s = σ(W2 · h + b2)", {"hidden", "W2", "b2"},
              {"channel_weights"});
        record_scale(t, "x", "output", r.weights, "scale");
    }
    return r;
}

// ============================================================================================
// [SECTION] CBAM
// ============================================================================================

CBAMResult cbam(const FeatureMap& x, const ChannelMLP& mlp, const SpatialConv& conv, Trace* trace) {
    check_feature_map(x, "CBAM");
    check_mlp(mlp, x.channels(), "CBAM");
    check_conv(conv, "CBAM spatial conv");
    const std::size_t C = x.channels(), H = x.height, W = x.width, HW = x.data.cols();

    CBAMResult r;
    // channel attention: both descriptors go through the same MLP as the rows of z: (2, C)
    Matrix avg, mx;
    average_pool(x, avg);
    max_pool(x, mx);
    Matrix z(2, C);
    std::copy(avg.row(0), avg.row(0) + C, z.row(0));
    std::copy(mx.row(0), mx.row(0) + C, z.row(1));
    Matrix hidden, mlp_out;  // (2, C/r), (2, C)
    channel_mlp(z, mlp, hidden, mlp_out);
    r.avg_pooled = row_vector(avg, 0);
    r.max_pooled = row_vector(mx, 0);
    // s = σ(MLP(avg) + MLP(max))   (each MLP output carries its own b2, as in the formula)
    r.channel_weights.resize(C);
    for (std::size_t c = 0; c < C; ++c) r.channel_weights[c] = mlp_out(0, c) + mlp_out(1, c);
    kernels().sigmoid(r.channel_weights.data(), C);
    // x' = s ⊙ x   (C, H·W)
    scale_channels(x, r.channel_weights, r.channel_refined);

    // spatial attention: a = mean over channels of x', m = max over channels   (H, W) each
    r.spatial_avg = Matrix(H, W);
    r.spatial_max = Matrix(H, W);
    const Matrix& xr = r.channel_refined.data;
    for (std::size_t p = 0; p < HW; ++p) {
        double s = 0.0;
        float m = xr(0, p);
        for (std::size_t c = 0; c < C; ++c) {
            s += xr(c, p);
            m = std::max(m, xr(c, p));
        }
        r.spatial_avg(p / W, p % W) = static_cast<float>(s / static_cast<double>(C));
        r.spatial_max(p / W, p % W) = m;
    }
    // M = σ(conv_k×k([a; m]) + bias)   (H, W)
    Matrix logits;
    spatial_conv(r.spatial_avg, r.spatial_max, conv, logits);
    r.spatial_weights = logits;
    for (std::size_t y = 0; y < H; ++y) kernels().sigmoid(r.spatial_weights.row(y), W);
    // y_c[p] = M[p] · x'_c[p]
    r.output = FeatureMap(C, H, W);
    for (std::size_t c = 0; c < C; ++c)
        for (std::size_t p = 0; p < HW; ++p) r.output.data(c, p) = r.spatial_weights(p / W, p % W) * xr(c, p);

    if (trace) {
        Trace& t = *trace;
        const std::size_t k = conv.kernel_size;
        Matrix k_avg(k, k), k_max(k, k);
        for (std::size_t i = 0; i < k; ++i)
            for (std::size_t j = 0; j < k; ++j) {
                k_avg(i, j) = conv.weights[i * k + j];
                k_max(i, j) = conv.weights[k * k + i * k + j];
            }
        t.set_matrix("x", x.data);
        record_mlp(t, mlp);
        t.set_matrix("avg_pooled", avg);
        t.set_matrix("max_pooled", mx);
        t.set_matrix("mlp_hidden", hidden);
        t.set_matrix("mlp_out", mlp_out);
        t.set_matrix("channel_weights", as_row(r.channel_weights));
        t.set_matrix("channel_refined", xr);
        t.set_matrix("spatial_avg", r.spatial_avg);
        t.set_matrix("spatial_max", r.spatial_max);
        t.set_matrix("kernel_avg", k_avg);
        t.set_matrix("kernel_max", k_max);
        t.set_matrix("spatial_logits", logits);
        t.set_matrix("spatial_weights", r.spatial_weights);
        t.set_matrix("output", r.output.data);

        t.add(StepKind::pool, "channel: average pool", "a_c = (1/HW) Σ_p x_c[p]", {"x"}, {"avg_pooled"})
            .value("C", static_cast<double>(C))
            .value("HW", static_cast<double>(HW));
        t.add(StepKind::pool, "channel: max pool", "m_c = max_p x_c[p]", {"x"}, {"max_pooled"});
        t.add(StepKind::mlp, "channel: shared MLP",
              "MLP(z) = W2 · ReLU(W1 · z + b1) + b2   for z = a (row 0) and z = m (row 1)",
              {"avg_pooled", "max_pooled", "W1", "b1", "W2", "b2"}, {"mlp_hidden", "mlp_out"})
            .value("C/r", static_cast<double>(hidden.cols()));
        t.add(StepKind::gate, "channel: sigmoid channel weights", "s = σ(MLP(a) + MLP(m))", {"mlp_out"},
              {"channel_weights"});
        record_scale(t, "x", "channel_refined", r.channel_weights, "channel: scale");
        t.add(StepKind::pool, "spatial: channel-mean map", "A[y,x] = (1/C) Σ_c x'_c[y,x]", {"channel_refined"},
              {"spatial_avg"});
        t.add(StepKind::pool, "spatial: channel-max map", "Mx[y,x] = max_c x'_c[y,x]", {"channel_refined"},
              {"spatial_max"});
        t.add(StepKind::convolution, "spatial: " + count(k) + "×" + count(k) + " convolution",
              "L[y,x] = b + Σ_{i,j} Ka[i,j]·A[y+i−p, x+j−p] + Km[i,j]·Mx[y+i−p, x+j−p]   (p = k/2, zero padding)",
              {"spatial_avg", "spatial_max", "kernel_avg", "kernel_max"}, {"spatial_logits"})
            .value("k", static_cast<double>(k))
            .value("p", static_cast<double>(k / 2))
            .value("bias", conv.bias);
        t.add(StepKind::gate, "spatial: sigmoid", "M[y,x] = σ(L[y,x])", {"spatial_logits"}, {"spatial_weights"});
        t.add(StepKind::apply_gate, "spatial: apply", "y_c[y,x] = M[y,x] · x'_c[y,x]   for every channel c",
              {"spatial_weights", "channel_refined"}, {"output"});
    }
    return r;
}

}  // namespace attn
