// train_seq2seq.cpp: the additive-attention encoder–decoder; see attn/train/seq2seq.hpp.
//
// Layout: recurrent quantities are time-major (row t·B + b), so each step reads and writes one
// contiguous block of B rows and the products over all steps (x·W_ihᵀ forward; dW_ih, dW_hh,
// dW_s backward) run as one matrix product each. The encoder output H is batch-major (row
// b·n + j), as attention reads one sequence's positions at a time.
#include "attn/train/seq2seq.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "attn/kernels.hpp"
#include "attn/train/layers.hpp"
#include "attn/train/rng.hpp"

namespace attn {
namespace {

std::string str(std::size_t x) { return std::to_string(x); }

// PyTorch's GRU gates for B rows.
// gi, gh: (B, 3H) = x·W_ihᵀ + b_ih, h·W_hhᵀ + b_hh   h: (B, H)   g: (B, 3H) ← [r | z | n]   h_new: (B, H)
//   r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n), h_new = (1 − z) ⊙ n + z ⊙ h
void gru_gates(ConstMatrixView gi, ConstMatrixView gh, ConstMatrixView h, MatrixView g, MatrixView h_new) {
    const std::size_t H = h.cols;
    const KernelTable& k = kernels();  // the SIMD σ and tanh: per element libm calls cost more than the products
    for (std::size_t i = 0; i < h.rows; ++i) {
        const float *a = gi.row(i), *c = gh.row(i), *hp = h.row(i);
        float *gr = g.row(i), *hn = h_new.row(i);
        for (std::size_t j = 0; j < 2 * H; ++j) gr[j] = a[j] + c[j];
        k.sigmoid(gr, 2 * H);  // r, z
        for (std::size_t j = 0; j < H; ++j) gr[2 * H + j] = a[2 * H + j] + gr[j] * c[2 * H + j];
        k.tanh(gr + 2 * H, H);  // n
        for (std::size_t j = 0; j < H; ++j) {
            const float z = gr[H + j], n = gr[2 * H + j];
            hn[j] = (1.0f - z) * n + z * hp[j];
        }
    }
}

// The backward of gru_gates for dh_new: (B, H):
//   dn = dh_new ⊙ (1 − z),  dz = dh_new ⊙ (h − n),  dn_pre = dn ⊙ (1 − n²),  dr = dn_pre ⊙ gh_n
//   dgi = [dr ⊙ r(1 − r) | dz ⊙ z(1 − z) | dn_pre],  dgh = [same r | same z | dn_pre ⊙ r]
//   dh_direct = dh_new ⊙ z   (the path through W_hh is dgh·W_hh, added by the caller)
void gru_gates_backward(ConstMatrixView dh_new, ConstMatrixView h, ConstMatrixView g, ConstMatrixView gh,
                        MatrixView dgi, MatrixView dgh, MatrixView dh_direct) {
    const std::size_t H = h.cols;
    for (std::size_t i = 0; i < h.rows; ++i) {
        const float *d = dh_new.row(i), *hp = h.row(i), *gr = g.row(i), *c = gh.row(i);
        float *a = dgi.row(i), *b = dgh.row(i), *dh = dh_direct.row(i);
        for (std::size_t k = 0; k < H; ++k) {
            const float r = gr[k], z = gr[H + k], n = gr[2 * H + k];
            const float dn_pre = d[k] * (1.0f - z) * (1.0f - n * n);
            const float dz_pre = d[k] * (hp[k] - n) * z * (1.0f - z);
            const float dr_pre = dn_pre * c[2 * H + k] * r * (1.0f - r);
            a[k] = b[k] = dr_pre;
            a[H + k] = b[H + k] = dz_pre;
            a[2 * H + k] = dn_pre;
            b[2 * H + k] = dn_pre * r;
            dh[k] = d[k] * z;
        }
    }
}

void add_rows(MatrixView y, ConstMatrixView x) { nn::add_inplace(y, x); }

void fill_uniform(float* p, std::size_t count, double bound, Rng& rng) {
    for (std::size_t i = 0; i < count; ++i) p[i] = static_cast<float>(rng.uniform(-bound, bound));
}

}  // namespace

void Seq2SeqConfig::check() const {
    const auto in_range = [](const char* field, std::size_t v, std::size_t lo, std::size_t hi) {
        if (v < lo || v > hi)
            throw Error(std::string("config.") + field, "is " + str(v) + ", expected " + str(lo) + " to " + str(hi));
    };
    in_range("source_vocab", source_vocab, 5, 4096);
    in_range("target_vocab", target_vocab, 5, 4096);
    in_range("emb", emb, 1, 1024);
    in_range("enc_hidden", enc_hidden, 1, 1024);
    in_range("dec_hidden", dec_hidden, 1, 1024);
    in_range("attn_hidden", attn_hidden, 1, 1024);
}

std::vector<ParameterInfo> Seq2Seq::layout(const Seq2SeqConfig& c) {
    c.check();
    const std::size_t He = c.enc_hidden, Hd = c.dec_hidden, E2 = 2 * He;
    std::vector<ParameterInfo> out;
    std::size_t offset = 0;
    const auto add = [&](const std::string& name, std::vector<std::size_t> shape) {
        ParameterInfo p;
        p.name = name;
        p.count = 1;
        for (std::size_t s : shape) p.count *= s;
        p.shape = std::move(shape);
        p.offset = offset;
        offset += p.count;
        out.push_back(std::move(p));
    };
    add("src_emb.weight", {c.source_vocab, c.emb});
    for (const char* suffix : {"", "_reverse"}) {
        add(std::string("encoder.weight_ih_l0") + suffix, {3 * He, c.emb});
        add(std::string("encoder.weight_hh_l0") + suffix, {3 * He, He});
        add(std::string("encoder.bias_ih_l0") + suffix, {3 * He});
        add(std::string("encoder.bias_hh_l0") + suffix, {3 * He});
    }
    add("init.weight", {Hd, E2});
    add("init.bias", {Hd});
    add("tgt_emb.weight", {c.target_vocab, c.emb});
    add("attn.W_s.weight", {c.attn_hidden, Hd});
    add("attn.W_h.weight", {c.attn_hidden, E2});
    add("attn.W_h.bias", {c.attn_hidden});
    add("attn.v.weight", {1, c.attn_hidden});
    add("decoder.weight_ih", {3 * Hd, c.emb + E2});
    add("decoder.weight_hh", {3 * Hd, Hd});
    add("decoder.bias_ih", {3 * Hd});
    add("decoder.bias_hh", {3 * Hd});
    add("out.weight", {c.target_vocab, Hd + E2});
    add("out.bias", {c.target_vocab});
    return out;
}

Seq2Seq::Seq2Seq(const Seq2SeqConfig& config) : config_(config) {
    for (const ParameterInfo& p : layout(config)) params_.add(p.name, p.shape);
    src_emb_ = params_.index("src_emb.weight");
    for (int d = 0; d < 2; ++d) {
        const std::string s = d == 0 ? "" : "_reverse";
        enc_[d] = {params_.index("encoder.weight_ih_l0" + s), params_.index("encoder.weight_hh_l0" + s),
                   params_.index("encoder.bias_ih_l0" + s), params_.index("encoder.bias_hh_l0" + s)};
    }
    init_w_ = params_.index("init.weight");
    init_b_ = params_.index("init.bias");
    tgt_emb_ = params_.index("tgt_emb.weight");
    ws_ = params_.index("attn.W_s.weight");
    wh_w_ = params_.index("attn.W_h.weight");
    wh_b_ = params_.index("attn.W_h.bias");
    v_ = params_.index("attn.v.weight");
    dec_ = {params_.index("decoder.weight_ih"), params_.index("decoder.weight_hh"), params_.index("decoder.bias_ih"),
            params_.index("decoder.bias_hh")};
    out_w_ = params_.index("out.weight");
    out_b_ = params_.index("out.bias");
}

void Seq2Seq::init(std::uint64_t seed) {
    Rng rng(seed);
    for (std::size_t i = 0; i < params_.size(); ++i) {
        const ParameterInfo& p = params_.info(i);
        float* x = params_.value(i);
        if (i == src_emb_ || i == tgt_emb_) {
            for (std::size_t k = 0; k < p.count; ++k) x[k] = static_cast<float>(rng.normal());
            continue;
        }
        double fan = 1.0;
        if (p.name.rfind("encoder.", 0) == 0)
            fan = static_cast<double>(config_.enc_hidden);
        else if (p.name.rfind("decoder.", 0) == 0)
            fan = static_cast<double>(config_.dec_hidden);
        else if (i == init_b_)
            fan = static_cast<double>(params_.info(init_w_).shape[1]);
        else if (i == wh_b_)
            fan = static_cast<double>(params_.info(wh_w_).shape[1]);
        else if (i == out_b_)
            fan = static_cast<double>(params_.info(out_w_).shape[1]);
        else
            fan = static_cast<double>(p.shape[1]);  // a linear weight (out, in)
        fill_uniform(x, p.count, 1.0 / std::sqrt(fan), rng);
    }
}

void Seq2Seq::begin(const std::int32_t* source, const std::size_t* lengths, std::size_t B, std::size_t n,
                    std::size_t T) {
    if (B == 0) throw Error("batch", "is empty");
    if (n == 0) throw Error("source", "length is 0");
    if (T == 0) throw Error("target", "length is 0");
    if (B * n > kMaxElements / 64 || B * T > kMaxElements / 64)
        throw Error("batch", "of " + str(B) + " × " + str(n) + " is too large");
    const auto Vs = static_cast<std::int32_t>(config_.source_vocab);
    for (std::size_t b = 0; b < B; ++b) {
        if (lengths[b] < 1 || lengths[b] > n)
            throw Error("lengths[" + str(b) + "]", "is " + str(lengths[b]) + ", expected 1 to " + str(n));
        for (std::size_t j = 0; j < n; ++j)
            if (source[b * n + j] < 0 || source[b * n + j] >= Vs)
                throw Error("source[" + str(b) + "][" + str(j) + "]",
                            "is " + std::to_string(source[b * n + j]) + ", expected 0 to " + std::to_string(Vs - 1));
    }
    B_ = B;
    n_ = n;
    T_ = T;
    have_forward_ = have_loss_ = encoded_ = false;
    source_.assign(source, source + B * n);
    lengths_.assign(lengths, lengths + B);
}

void Seq2Seq::encode_sources() {
    const std::size_t B = B_, n = n_, He = config_.enc_hidden, Hd = config_.dec_hidden, A = config_.attn_hidden;
    // X: time-major embedded source
    X_.resize(n * B, config_.emb);
    const ConstMatrixView table = params_.value_matrix(src_emb_);
    for (std::size_t t = 0; t < n; ++t)
        for (std::size_t b = 0; b < B; ++b)
            std::copy(table.row(static_cast<std::size_t>(source_[b * n + t])),
                      table.row(static_cast<std::size_t>(source_[b * n + t])) + config_.emb, X_.row(t * B + b));
    for (int d = 0; d < 2; ++d) {
        const GruIds& id = enc_[d];
        GI_[d].resize(n * B, 3 * He);
        GH_[d].resize(n * B, 3 * He);
        G_[d].resize(n * B, 3 * He);
        Hprev_[d].resize(n * B, He);
        Hout_[d].resize(n * B, He);
        nn::linear_forward(X_, params_.value_matrix(id.w_ih), params_.value(id.b_ih), GI_[d]);
        for (std::size_t s = 0; s < n; ++s) {
            const std::size_t t = d == 0 ? s : n - 1 - s;
            const MatrixView hp = Hprev_[d].view().block(t * B, 0, B, He);
            if (s == 0) {
                for (std::size_t b = 0; b < B; ++b) std::fill(hp.row(b), hp.row(b) + He, 0.0f);
            } else {
                const std::size_t from = d == 0 ? t - 1 : t + 1;
                for (std::size_t b = 0; b < B; ++b)
                    std::copy(Hout_[d].row(from * B + b), Hout_[d].row(from * B + b) + He, hp.row(b));
            }
            const MatrixView gh = GH_[d].view().block(t * B, 0, B, 3 * He);
            nn::linear_forward(hp, params_.value_matrix(id.w_hh), params_.value(id.b_hh), gh);
            const MatrixView ho = Hout_[d].view().block(t * B, 0, B, He);
            gru_gates(GI_[d].view().block(t * B, 0, B, 3 * He), gh, hp, G_[d].view().block(t * B, 0, B, 3 * He), ho);
            // packed semantics: no state at padding (the backward direction then starts from 0
            // at the last real character)
            for (std::size_t b = 0; b < B; ++b)
                if (t >= lengths_[b]) std::fill(ho.row(b), ho.row(b) + He, 0.0f);
        }
    }
    // H: batch-major [h→ | h←]; the mean over real positions; s₀ = tanh(init(mean))
    H_.resize(B * n, 2 * He);
    mean_.resize(B, 2 * He);
    mean_.fill(0.0f);
    for (std::size_t b = 0; b < B; ++b) {
        float* m = mean_.row(b);
        for (std::size_t j = 0; j < n; ++j) {
            float* h = H_.row(b * n + j);
            std::copy(Hout_[0].row(j * B + b), Hout_[0].row(j * B + b) + He, h);
            std::copy(Hout_[1].row(j * B + b), Hout_[1].row(j * B + b) + He, h + He);
            if (j < lengths_[b])
                for (std::size_t k = 0; k < 2 * He; ++k) m[k] += h[k];
        }
        const float inv = 1.0f / static_cast<float>(lengths_[b]);
        for (std::size_t k = 0; k < 2 * He; ++k) m[k] *= inv;
    }
    const std::size_t T = T_;
    S_.resize((T + 1) * B, Hd);
    init_pre_.resize(B, Hd);
    nn::linear_forward(mean_, params_.value_matrix(init_w_), params_.value(init_b_), init_pre_);
    for (std::size_t b = 0; b < B; ++b)
        for (std::size_t k = 0; k < Hd; ++k) S_(b, k) = std::tanh(init_pre_(b, k));
    WH_.resize(B * n, A);
    nn::linear_forward(H_, params_.value_matrix(wh_w_), params_.value(wh_b_), WH_);
    // decoder buffers
    const std::size_t E2 = 2 * He, in = config_.emb + E2;
    Q_.resize(T * B, A);
    U_.resize(T * B * n, A);
    E_.resize(T * B, n);
    P_.resize(T * B, n);
    C_.resize(T * B, E2);
    DX_.resize(T * B, in);
    DGI_.resize(T * B, 3 * Hd);
    DGH_.resize(T * B, 3 * Hd);
    DG_.resize(T * B, 3 * Hd);
    O_.resize(T * B, Hd + E2);
    logits_.resize(T * B, config_.target_vocab);
    y_in_.resize(T * B);
    encoded_ = true;
}

void Seq2Seq::decoder_step(std::size_t t) {
    const std::size_t B = B_, n = n_, Hd = config_.dec_hidden, A = config_.attn_hidden, E2 = 2 * config_.enc_hidden,
                      emb = config_.emb;
    const ConstMatrixView sp = S_.view().block(t * B, 0, B, Hd);  // s_{t−1}
    const MatrixView q = Q_.view().block(t * B, 0, B, A);
    nn::linear_forward(sp, params_.value_matrix(ws_), nullptr, q);  // W_s s_{t−1}
    const float* v = params_.value(v_);
    const ConstMatrixView tgt = params_.value_matrix(tgt_emb_);
    const auto tanh = kernels().tanh;
    for (std::size_t b = 0; b < B; ++b) {
        const std::size_t len = lengths_[b], row = t * B + b;
        const float* qb = q.row(b);
        float *e = E_.row(row), *p = P_.row(row);
        float top = -INFINITY;
        for (std::size_t j = 0; j < len; ++j) {
            const float* wh = WH_.row(b * n + j);
            float* u = U_.row(row * n + j);
            for (std::size_t a = 0; a < A; ++a) u[a] = qb[a] + wh[a];
            tanh(u, A);  // the SIMD kernel: this tanh is most of the forward's arithmetic
            float s = 0.0f;
            for (std::size_t a = 0; a < A; ++a) s += v[a] * u[a];
            e[j] = s;  // e_tj = v·tanh(W_s s_{t−1} + W_h h_j)
            top = std::max(top, s);
        }
        float sum = 0.0f;
        for (std::size_t j = 0; j < len; ++j) sum += (p[j] = std::exp(e[j] - top));
        for (std::size_t j = 0; j < len; ++j) p[j] /= sum;  // α_tj over the real positions
        std::fill(e + len, e + n, 0.0f);
        std::fill(p + len, p + n, 0.0f);
        float* c = C_.row(row);
        std::fill(c, c + E2, 0.0f);
        for (std::size_t j = 0; j < len; ++j) {  // c_t = Σ_j α_tj h_j
            const float* h = H_.row(b * n + j);
            for (std::size_t k = 0; k < E2; ++k) c[k] += p[j] * h[k];
        }
        float* x = DX_.row(row);  // [tgt_emb(y_{t−1}); c_t]
        const float* ey = tgt.row(static_cast<std::size_t>(y_in_[row]));
        std::copy(ey, ey + emb, x);
        std::copy(c, c + E2, x + emb);
    }
    const MatrixView gi = DGI_.view().block(t * B, 0, B, 3 * Hd), gh = DGH_.view().block(t * B, 0, B, 3 * Hd);
    nn::linear_forward(DX_.view().block(t * B, 0, B, emb + E2), params_.value_matrix(dec_.w_ih),
                       params_.value(dec_.b_ih), gi);
    nn::linear_forward(sp, params_.value_matrix(dec_.w_hh), params_.value(dec_.b_hh), gh);
    const MatrixView s = S_.view().block((t + 1) * B, 0, B, Hd);
    gru_gates(gi, gh, sp, DG_.view().block(t * B, 0, B, 3 * Hd), s);
    for (std::size_t b = 0; b < B; ++b) {  // [s_t; c_t]
        float* o = O_.row(t * B + b);
        std::copy(s.row(b), s.row(b) + Hd, o);
        std::copy(C_.row(t * B + b), C_.row(t * B + b) + E2, o + Hd);
    }
    nn::linear_forward(O_.view().block(t * B, 0, B, Hd + E2), params_.value_matrix(out_w_), params_.value(out_b_),
                       logits_.view().block(t * B, 0, B, config_.target_vocab));
}

ConstMatrixView Seq2Seq::forward(const std::int32_t* source, const std::size_t* lengths, std::size_t B, std::size_t n,
                                 const std::int32_t* target, std::size_t T) {
    begin(source, lengths, B, n, T);
    const auto Vt = static_cast<std::int32_t>(config_.target_vocab);
    for (std::size_t i = 0; i < B * T; ++i)
        if (target[i] < 0 || target[i] >= Vt)
            throw Error("target[" + str(i / T) + "][" + str(i % T) + "]",
                        "is " + std::to_string(target[i]) + ", expected 0 to " + std::to_string(Vt - 1));
    target_.assign(target, target + B * T);
    encode_sources();
    for (std::size_t t = 0; t < T; ++t)
        for (std::size_t b = 0; b < B; ++b) y_in_[t * B + b] = t == 0 ? 1 : target_[b * T + t - 1];  // y₀ = <bos>
    for (std::size_t t = 0; t < T; ++t) decoder_step(t);
    have_forward_ = true;
    return logits_.view();
}

const std::vector<std::int32_t>& Seq2Seq::decode(const std::int32_t* source, const std::size_t* lengths, std::size_t B,
                                                 std::size_t n, std::size_t T, std::int32_t bos) {
    begin(source, lengths, B, n, T);
    encode_sources();
    greedy(bos);
    return predicted_;
}

const std::vector<std::int32_t>& Seq2Seq::decode_again(std::int32_t bos) {
    if (!encoded_) throw Error("decode_again needs a forward() or decode() of its sources first");
    have_forward_ = have_loss_ = false;  // the decoder's activations become the greedy run's
    greedy(bos);
    return predicted_;
}

void Seq2Seq::greedy(std::int32_t bos) {
    const std::size_t B = B_, T = T_;
    predicted_.resize(B * T);
    for (std::size_t t = 0; t < T; ++t) {
        for (std::size_t b = 0; b < B; ++b) y_in_[t * B + b] = t == 0 ? bos : predicted_[b * T + t - 1];
        decoder_step(t);
        for (std::size_t b = 0; b < B; ++b) {
            const float* z = logits_.row(t * B + b);
            predicted_[b * T + t] = static_cast<std::int32_t>(std::max_element(z, z + config_.target_vocab) - z);
        }
    }
}

void Seq2Seq::probabilities(std::size_t t, std::size_t b, float* out) const {
    const float* z = logits(t, b);
    const std::size_t V = config_.target_vocab;
    std::copy(z, z + V, out);
    softmax_row(out, V);
}

float Seq2Seq::cross_entropy_loss() {
    if (!have_forward_) throw Error("cross_entropy_loss needs a forward() first (decode() keeps no targets)");
    const std::size_t B = B_, T = T_;
    std::vector<std::int32_t>& y = y_out_;
    y.resize(B * T);
    for (std::size_t t = 0; t < T; ++t)
        for (std::size_t b = 0; b < B; ++b) y[t * B + b] = target_[b * T + t];
    d_logits_.resize(B * T, config_.target_vocab);
    const float loss = nn::cross_entropy(logits_, y.data(), d_logits_);
    have_loss_ = true;
    return loss;
}

void Seq2Seq::backward(float weight, bool accumulate) {
    if (!have_loss_) throw Error("backward needs forward() and cross_entropy_loss() first");
    if (!std::isfinite(weight)) throw Error("backward", "weight is not finite");
    if (!accumulate) params_.zero_grads();
    // Every gradient below is linear in ∂loss/∂logits and is added to (never written over), so
    // weighting the loss's gradient once weights them all (in a copy: backward may run again).
    const ConstMatrixView d_logits = scaled(d_logits_, weight, d_weighted_);
    const std::size_t B = B_, n = n_, T = T_, He = config_.enc_hidden, Hd = config_.dec_hidden, A = config_.attn_hidden,
                      E2 = 2 * He, emb = config_.emb, in = emb + E2;
    // logits_t = out([s_t; c_t])
    dO_.resize(T * B, Hd + E2);
    nn::linear_backward(O_, params_.value_matrix(out_w_), d_logits, dO_, params_.grad_matrix(out_w_),
                        params_.grad(out_b_), scratch_);
    dS_.resize((T + 1) * B, Hd);
    dS_.fill(0.0f);
    dC_.resize(T * B, E2);
    for (std::size_t r = 0; r < T * B; ++r) {
        std::copy(dO_.row(r), dO_.row(r) + Hd, dS_.row(B + r));
        std::copy(dO_.row(r) + Hd, dO_.row(r) + Hd + E2, dC_.row(r));
    }
    dDX_.resize(T * B, in);
    dDGI_.resize(T * B, 3 * Hd);
    dDGH_.resize(T * B, 3 * Hd);
    dQ_.resize(T * B, A);
    dQ_.fill(0.0f);
    dH_.resize(B * n, E2);
    dH_.fill(0.0f);
    dWH_.resize(B * n, A);
    dWH_.fill(0.0f);
    dh_.resize(B, Hd);
    float* dv = params_.grad(v_);
    const float* v = params_.value(v_);
    const ConstMatrixView W_hh = params_.value_matrix(dec_.w_hh), W_ih = params_.value_matrix(dec_.w_ih),
                          W_s = params_.value_matrix(ws_);
    std::vector<float>& dalpha = dalpha_;
    dalpha.resize(n);
    for (std::size_t t = T; t-- > 0;) {
        // s_t = GRUCell(x_t, s_{t−1}): ds_t is complete (from out, and from step t + 1)
        const MatrixView ds_prev = dS_.view().block(t * B, 0, B, Hd);
        const MatrixView dgi = dDGI_.view().block(t * B, 0, B, 3 * Hd), dgh = dDGH_.view().block(t * B, 0, B, 3 * Hd);
        gru_gates_backward(dS_.view().block((t + 1) * B, 0, B, Hd), S_.view().block(t * B, 0, B, Hd),
                           DG_.view().block(t * B, 0, B, 3 * Hd), DGH_.view().block(t * B, 0, B, 3 * Hd), dgi, dgh,
                           dh_);
        add_rows(ds_prev, dh_);
        matmul_ab(dgh, W_hh, ds_prev, /*accumulate=*/true);
        const MatrixView dx = dDX_.view().block(t * B, 0, B, in);
        matmul_ab(dgi, W_ih, dx);  // [d tgt_emb(y) | dc]
        // attention: c = Σ α_j h_j,  α = softmax(e),  e_j = v·u_j,  u_j = tanh(q + W_h h_j)
        for (std::size_t b = 0; b < B; ++b) {
            const std::size_t len = lengths_[b], row = t * B + b;
            float* dc = dC_.row(row);
            const float* dcx = dx.row(b) + emb;
            for (std::size_t k = 0; k < E2; ++k) dc[k] += dcx[k];
            const float* p = P_.row(row);
            float weighted = 0.0f;
            for (std::size_t j = 0; j < len; ++j) {
                const float* h = H_.row(b * n + j);
                float* dh = dH_.row(b * n + j);
                float s = 0.0f;
                for (std::size_t k = 0; k < E2; ++k) {
                    s += dc[k] * h[k];
                    dh[k] += p[j] * dc[k];
                }
                dalpha[j] = s;
                weighted += p[j] * s;
            }
            float* dq = dQ_.row(row);
            for (std::size_t j = 0; j < len; ++j) {
                const float de = p[j] * (dalpha[j] - weighted);
                const float* u = U_.row(row * n + j);
                float* dwh = dWH_.row(b * n + j);
                for (std::size_t a = 0; a < A; ++a) {
                    dv[a] += de * u[a];
                    const float dpre = de * v[a] * (1.0f - u[a] * u[a]);
                    dwh[a] += dpre;
                    dq[a] += dpre;
                }
            }
        }
        matmul_ab(dQ_.view().block(t * B, 0, B, A), W_s, ds_prev, /*accumulate=*/true);  // q = W_s s_{t−1}
    }
    const ConstMatrixView s_prev = S_.view().block(0, 0, T * B, Hd);
    const MatrixView none{};
    nn::linear_backward(s_prev, W_s, dQ_, none, params_.grad_matrix(ws_), nullptr, scratch_);
    nn::linear_backward(DX_, W_ih, dDGI_, none, params_.grad_matrix(dec_.w_ih), params_.grad(dec_.b_ih), scratch_);
    nn::linear_backward(s_prev, W_hh, dDGH_, none, params_.grad_matrix(dec_.w_hh), params_.grad(dec_.b_hh), scratch_);
    nn::embedding_backward(y_in_.data(), dDX_.view().block(0, 0, T * B, emb), params_.grad_matrix(tgt_emb_));
    // s₀ = tanh(init(mean))
    dinit_.resize(B, Hd);
    for (std::size_t b = 0; b < B; ++b)
        for (std::size_t k = 0; k < Hd; ++k) dinit_(b, k) = dS_(b, k) * (1.0f - S_(b, k) * S_(b, k));
    dmean_.resize(B, E2);
    nn::linear_backward(mean_, params_.value_matrix(init_w_), dinit_, dmean_, params_.grad_matrix(init_w_),
                        params_.grad(init_b_), scratch_);
    dH2_.resize(B * n, E2);
    nn::linear_backward(H_, params_.value_matrix(wh_w_), dWH_, dH2_, params_.grad_matrix(wh_w_), params_.grad(wh_b_),
                        scratch_);
    add_rows(dH_, dH2_);
    for (std::size_t b = 0; b < B; ++b) {
        const float inv = 1.0f / static_cast<float>(lengths_[b]);
        for (std::size_t j = 0; j < lengths_[b]; ++j) {
            float* dh = dH_.row(b * n + j);
            for (std::size_t k = 0; k < E2; ++k) dh[k] += dmean_(b, k) * inv;
        }
    }
    // encoder, each direction in reverse order of its forward
    dX_.resize(n * B, emb);
    dh2_.resize(B, He);
    Matrix& carry = dh_;
    carry.resize(B, He);
    for (int d = 0; d < 2; ++d) {
        const GruIds& id = enc_[d];
        dGI_[d].resize(n * B, 3 * He);
        dGH_[d].resize(n * B, 3 * He);
        carry.fill(0.0f);
        const ConstMatrixView Whh = params_.value_matrix(id.w_hh);
        for (std::size_t s = 0; s < n; ++s) {
            const std::size_t t = d == 0 ? n - 1 - s : s;
            // dh_t = ∂/∂H (this direction's half) + the carry from the step that read h_t; zero at padding
            for (std::size_t b = 0; b < B; ++b) {
                float* g = dh2_.row(b);
                if (t >= lengths_[b]) {
                    std::fill(g, g + He, 0.0f);
                    continue;
                }
                const float* dh = dH_.row(b * n + t) + d * He;
                const float* c = carry.row(b);
                for (std::size_t k = 0; k < He; ++k) g[k] = dh[k] + c[k];
            }
            const MatrixView dgi = dGI_[d].view().block(t * B, 0, B, 3 * He),
                             dgh = dGH_[d].view().block(t * B, 0, B, 3 * He);
            gru_gates_backward(dh2_, Hprev_[d].view().block(t * B, 0, B, He), G_[d].view().block(t * B, 0, B, 3 * He),
                               GH_[d].view().block(t * B, 0, B, 3 * He), dgi, dgh, carry);
            matmul_ab(dgh, Whh, carry, /*accumulate=*/true);
        }
        nn::linear_backward(Hprev_[d], Whh, dGH_[d], none, params_.grad_matrix(id.w_hh), params_.grad(id.b_hh),
                            scratch_);
        nn::linear_backward(X_, params_.value_matrix(id.w_ih), dGI_[d], none, params_.grad_matrix(id.w_ih),
                            params_.grad(id.b_ih), scratch_);
        matmul_ab(dGI_[d], params_.value_matrix(id.w_ih), dX_, /*accumulate=*/d == 1);
    }
    src_tm_.resize(n * B);
    for (std::size_t t = 0; t < n; ++t)
        for (std::size_t b = 0; b < B; ++b) src_tm_[t * B + b] = source_[b * n + t];
    nn::embedding_backward(src_tm_.data(), dX_, params_.grad_matrix(src_emb_));
}

}  // namespace attn
