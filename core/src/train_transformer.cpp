// train_transformer.cpp: the pre-norm Transformer encoder with PyTorch's names; see
// attn/train/transformer.hpp.
#include "attn/train/transformer.hpp"

#include <algorithm>
#include <cmath>

#include "attn/train/rng.hpp"

namespace attn {
namespace {

std::string str(std::size_t x) { return std::to_string(x); }

void require_range(std::size_t value, std::size_t lo, std::size_t hi, const char* field) {
    if (value < lo || value > hi)
        throw Error(std::string(field) + " is " + str(value) + ", expected " + str(lo) + " to " + str(hi));
}

// out = a + b   (all (N, E))
void sum_into(MatrixView out, ConstMatrixView a, ConstMatrixView b) {
    for (std::size_t i = 0; i < out.rows; ++i) {
        const float* ai = a.row(i);
        const float* bi = b.row(i);
        float* oi = out.row(i);
        for (std::size_t j = 0; j < out.cols; ++j) oi[j] = ai[j] + bi[j];
    }
}

void fill_uniform(float* x, std::size_t n, double bound, Rng& rng) {
    for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(rng.uniform(-bound, bound));
}

}  // namespace

const char* positions_name(Positions p) { return p == Positions::learned ? "learned" : "sinusoidal"; }
const char* model_input_name(ModelInput i) { return i == ModelInput::tokens ? "tokens" : "series"; }

void TransformerConfig::check() const {
    if (input == ModelInput::tokens) require_range(vocab, 2, kMaxVocab, "vocab");
    require_range(d_model, 1, kMaxDModel, "d_model");
    require_range(heads, 1, d_model, "heads");
    if (d_model % heads != 0) throw Error("heads is " + str(heads) + ", which does not divide d_model " + str(d_model));
    require_range(d_ff, 1, kMaxDff, "d_ff");
    require_range(layers, 1, kMaxLayers, "layers");
    require_range(max_len, 1, kMaxLength, "max_len");
}

std::vector<ParameterInfo> Transformer::layout(const TransformerConfig& config) {
    config.check();
    const std::size_t E = config.d_model, F = config.d_ff;
    std::vector<ParameterInfo> out;
    std::size_t offset = 0;
    auto add = [&](std::string name, std::vector<std::size_t> shape) {
        ParameterInfo p;
        p.name = std::move(name);
        p.count = shape.size() == 2 ? shape[0] * shape[1] : shape[0];  // each ≤ 3·4096·4096: no overflow
        p.shape = std::move(shape);
        p.offset = offset;
        offset += p.count;  // may wrap in wasm for a model the constructor refuses anyway
        out.push_back(std::move(p));
    };
    if (config.input == ModelInput::tokens) {
        add("tok_emb.weight", {config.vocab, E});
    } else {
        add("in_proj.weight", {E, 1});
        add("in_proj.bias", {E});
    }
    if (config.positions == Positions::learned) add("pos_emb.weight", {config.max_len, E});
    for (std::size_t l = 0; l < config.layers; ++l) {
        const std::string p = "layers." + str(l) + ".";
        add(p + "self_attn.in_proj_weight", {3 * E, E});
        add(p + "self_attn.in_proj_bias", {3 * E});
        add(p + "self_attn.out_proj.weight", {E, E});
        add(p + "self_attn.out_proj.bias", {E});
        add(p + "linear1.weight", {F, E});
        add(p + "linear1.bias", {F});
        add(p + "linear2.weight", {E, F});
        add(p + "linear2.bias", {E});
        add(p + "norm1.weight", {E});
        add(p + "norm1.bias", {E});
        add(p + "norm2.weight", {E});
        add(p + "norm2.bias", {E});
    }
    add("norm.weight", {E});
    add("norm.bias", {E});
    add("head.weight", {config.outputs(), E});
    add("head.bias", {config.outputs()});
    return out;
}

Transformer::Transformer(const TransformerConfig& config) : config_(config) {
    const std::vector<ParameterInfo> layout = Transformer::layout(config_);
    std::uint64_t total = 0;  // 64 bits: wasm's size_t would wrap for absurd sizes
    for (const ParameterInfo& p : layout) total += p.count;
    if (total > kMaxElements)
        throw Error("the model would have " + std::to_string(total) + " parameters, more than the limit of " +
                    str(kMaxElements) + " (2^26)");
    for (const ParameterInfo& p : layout) params_.add(p.name, p.shape);
    if (config_.input == ModelInput::tokens) {
        input_w_ = params_.index("tok_emb.weight");
    } else {
        input_w_ = params_.index("in_proj.weight");
        input_b_ = params_.index("in_proj.bias");
    }
    if (config_.positions == Positions::learned) {
        pos_ = params_.index("pos_emb.weight");
    } else {
        sinusoids_.resize(config_.max_len, config_.d_model);
        nn::sinusoidal_table(sinusoids_);
    }
    for (std::size_t l = 0; l < config_.layers; ++l) {
        const std::string p = "layers." + str(l) + ".";
        LayerIds ids;
        ids.in_w = params_.index(p + "self_attn.in_proj_weight");
        ids.in_b = params_.index(p + "self_attn.in_proj_bias");
        ids.out_w = params_.index(p + "self_attn.out_proj.weight");
        ids.out_b = params_.index(p + "self_attn.out_proj.bias");
        ids.l1_w = params_.index(p + "linear1.weight");
        ids.l1_b = params_.index(p + "linear1.bias");
        ids.l2_w = params_.index(p + "linear2.weight");
        ids.l2_b = params_.index(p + "linear2.bias");
        ids.n1_w = params_.index(p + "norm1.weight");
        ids.n1_b = params_.index(p + "norm1.bias");
        ids.n2_w = params_.index(p + "norm2.weight");
        ids.n2_b = params_.index(p + "norm2.bias");
        layer_ids_.push_back(ids);
    }
    norm_w_ = params_.index("norm.weight");
    norm_b_ = params_.index("norm.bias");
    head_w_ = params_.index("head.weight");
    head_b_ = params_.index("head.bias");
    const std::size_t E = config_.d_model;
    layers_.resize(config_.layers);
    // LayerNorms start as the identity even before init().
    for (const LayerIds& ids : layer_ids_) {
        std::fill(params_.value(ids.n1_w), params_.value(ids.n1_w) + E, 1.0f);
        std::fill(params_.value(ids.n2_w), params_.value(ids.n2_w) + E, 1.0f);
    }
    std::fill(params_.value(norm_w_), params_.value(norm_w_) + E, 1.0f);
}

void Transformer::init(std::uint64_t seed) {
    Rng rng(seed);
    const std::size_t E = config_.d_model, F = config_.d_ff;
    const double inv_sqrt_e = 1.0 / std::sqrt(static_cast<double>(E));
    const double inv_sqrt_f = 1.0 / std::sqrt(static_cast<double>(F));
    auto normal = [&](std::size_t i) {
        float* x = params_.value(i);
        for (std::size_t k = 0; k < params_.info(i).count; ++k) x[k] = static_cast<float>(rng.normal());
    };
    auto uniform = [&](std::size_t i, double bound) {
        fill_uniform(params_.value(i), params_.info(i).count, bound, rng);
    };
    auto constant = [&](std::size_t i, float v) {
        std::fill(params_.value(i), params_.value(i) + params_.info(i).count, v);
    };
    if (config_.input == ModelInput::tokens) {
        normal(input_w_);
    } else {
        uniform(input_w_, 1.0);  // nn.Linear(1, E): bound 1/√1
        uniform(input_b_, 1.0);
    }
    if (pos_ != Parameters::npos) normal(pos_);
    for (const LayerIds& ids : layer_ids_) {
        uniform(ids.in_w, std::sqrt(6.0 / static_cast<double>(E + 3 * E)));
        constant(ids.in_b, 0.0f);
        uniform(ids.out_w, inv_sqrt_e);
        constant(ids.out_b, 0.0f);
        uniform(ids.l1_w, inv_sqrt_e);
        uniform(ids.l1_b, inv_sqrt_e);
        uniform(ids.l2_w, inv_sqrt_f);
        uniform(ids.l2_b, inv_sqrt_f);
        constant(ids.n1_w, 1.0f);
        constant(ids.n1_b, 0.0f);
        constant(ids.n2_w, 1.0f);
        constant(ids.n2_b, 0.0f);
    }
    constant(norm_w_, 1.0f);
    constant(norm_b_, 0.0f);
    uniform(head_w_, inv_sqrt_e);
    uniform(head_b_, inv_sqrt_e);
    params_.zero_grads();
}

nn::SelfAttentionWeights Transformer::attention_weights(const LayerIds& ids) const {
    nn::SelfAttentionWeights w;
    w.heads = config_.heads;
    w.in_proj_weight = params_.value_matrix(ids.in_w);
    w.in_proj_bias = params_.value(ids.in_b);
    w.out_proj_weight = params_.value_matrix(ids.out_w);
    w.out_proj_bias = params_.value(ids.out_b);
    return w;
}

void Transformer::begin_forward(std::size_t batch, std::size_t length) {
    if (batch == 0) throw Error("batch is 0 sequences, expected at least 1");
    if (length == 0) throw Error("sequence length is 0, expected at least 1");
    if (length > config_.max_len)
        throw Error("sequence length " + str(length) + " exceeds max_len " + str(config_.max_len));
    require_size(batch, length, "batch");
    require_size(batch * length, std::max(config_.d_ff, 3 * config_.d_model), "batch activations");
    have_forward_ = have_loss_ = false;
    batch_ = batch;
    length_ = length;
    const std::size_t N = batch * length, E = config_.d_model, F = config_.d_ff;
    for (LayerState& s : layers_) {
        s.x.resize(N, E);
        s.ln1.resize(N, E);
        s.mean1.resize(N);
        s.rstd1.resize(N);
        s.x_mid.resize(N, E);
        s.ln2.resize(N, E);
        s.mean2.resize(N);
        s.rstd2.resize(N);
        s.hidden_pre.resize(N, F);
        s.hidden.resize(N, F);
    }
    final_x_.resize(N, E);
    final_ln_.resize(N, E);
    final_mean_.resize(N);
    final_rstd_.resize(N);
    logits_.resize(N, config_.outputs());
    attn_out_.resize(N, E);
    ff_out_.resize(N, E);
}

ConstMatrixView Transformer::forward(const std::int32_t* tokens, std::size_t batch, std::size_t length) {
    if (config_.input != ModelInput::tokens) throw Error("this model reads series values, not tokens");
    begin_forward(batch, length);
    const std::size_t N = batch * length;
    for (std::size_t i = 0; i < N; ++i)
        if (tokens[i] < 0 || static_cast<std::size_t>(tokens[i]) >= config_.vocab)
            throw Error("tokens[" + str(i / length) + "][" + str(i % length) + "] = " + std::to_string(tokens[i]) +
                        " is outside the vocabulary [0, " + str(config_.vocab) + ")");
    tokens_.assign(tokens, tokens + N);
    nn::embedding_forward(tokens, N, params_.value_matrix(input_w_), layers_[0].x);  // tok_emb(x)
    return finish_forward();
}

ConstMatrixView Transformer::forward_series(const float* values, std::size_t batch, std::size_t length) {
    if (config_.input != ModelInput::series) throw Error("this model reads tokens, not series values");
    begin_forward(batch, length);
    const std::size_t N = batch * length;
    values_.resize(N, 1);
    for (std::size_t i = 0; i < N; ++i) {
        if (!std::isfinite(values[i]))
            throw Error("values[" + str(i / length) + "][" + str(i % length) + "] is " +
                        (std::isnan(values[i]) ? "nan" : "infinite"));
        values_(i, 0) = values[i];
    }
    nn::linear_forward(values_, params_.value_matrix(input_w_), params_.value(input_b_), layers_[0].x);  // in_proj(x)
    return finish_forward();
}

ConstMatrixView Transformer::finish_forward() {
    const std::size_t n = length_;
    // x + positions
    nn::add_positions(layers_[0].x, n, pos_ != Parameters::npos ? params_.value_matrix(pos_) : sinusoids_.view());
    for (std::size_t l = 0; l < layers_.size(); ++l) {
        LayerState& s = layers_[l];
        const LayerIds& ids = layer_ids_[l];
        // x_mid = x + self_attn(norm1(x))
        nn::layer_norm_forward(s.x, params_.value(ids.n1_w), params_.value(ids.n1_b), s.ln1, s.mean1.data(),
                               s.rstd1.data(), threads_);
        nn::self_attention_forward(s.ln1, n, config_.causal, attention_weights(ids), s.attn, attn_out_, threads_);
        sum_into(s.x_mid, s.x, attn_out_);
        // out = x_mid + linear2(act(linear1(norm2(x_mid))))
        nn::layer_norm_forward(s.x_mid, params_.value(ids.n2_w), params_.value(ids.n2_b), s.ln2, s.mean2.data(),
                               s.rstd2.data(), threads_);
        nn::linear_forward(s.ln2, params_.value_matrix(ids.l1_w), params_.value(ids.l1_b), s.hidden_pre, threads_);
        nn::activation_forward(config_.activation, s.hidden_pre, s.hidden);
        nn::linear_forward(s.hidden, params_.value_matrix(ids.l2_w), params_.value(ids.l2_b), ff_out_, threads_);
        Matrix& out = l + 1 < layers_.size() ? layers_[l + 1].x : final_x_;
        sum_into(out, s.x_mid, ff_out_);
    }
    // logits = head(norm(x))
    nn::layer_norm_forward(final_x_, params_.value(norm_w_), params_.value(norm_b_), final_ln_, final_mean_.data(),
                           final_rstd_.data(), threads_);
    nn::linear_forward(final_ln_, params_.value_matrix(head_w_), params_.value(head_b_), logits_, threads_);
    have_forward_ = true;
    trace_forward();
    return logits_.view();
}

float Transformer::cross_entropy_loss(const std::int32_t* targets) {
    if (!have_forward_) throw Error("cross_entropy_loss needs a forward pass first");
    if (config_.input != ModelInput::tokens)
        throw Error("cross-entropy needs a token model; series models use mse_loss");
    const std::size_t N = batch_ * length_;
    for (std::size_t i = 0; i < N; ++i)
        if (targets[i] != nn::kIgnoreIndex && (targets[i] < 0 || static_cast<std::size_t>(targets[i]) >= config_.vocab))
            throw Error("targets[" + str(i / length_) + "][" + str(i % length_) + "] = " + std::to_string(targets[i]) +
                        " is outside the vocabulary [0, " + str(config_.vocab) + ") and is not the ignore index -100");
    d_logits_.resize(N, config_.outputs());
    const float loss = nn::cross_entropy(logits_, targets, d_logits_);
    have_loss_ = true;
    trace_loss(loss, true, targets);
    return loss;
}

float Transformer::mse_loss(const float* targets) {
    if (!have_forward_) throw Error("mse_loss needs a forward pass first");
    if (config_.input != ModelInput::series)
        throw Error("mse_loss needs a series model; token models use cross_entropy_loss");
    const std::size_t N = batch_ * length_;
    for (std::size_t i = 0; i < N; ++i)
        if (!std::isfinite(targets[i]))
            throw Error("targets[" + str(i / length_) + "][" + str(i % length_) + "] is " +
                        (std::isnan(targets[i]) ? "nan" : "infinite"));
    d_logits_.resize(N, 1);
    const float loss = nn::mean_squared_error(logits_, targets, d_logits_);
    have_loss_ = true;
    trace_loss(loss, false, targets);
    return loss;
}

void Transformer::backward(float weight, bool accumulate) {
    if (!have_loss_) throw Error("backward needs a forward pass and a loss first");
    if (!std::isfinite(weight)) throw Error("backward: weight is not finite");
    if (!accumulate) params_.zero_grads();
    // Every gradient below is linear in ∂loss/∂output and added to (never written over), so
    // weighting the loss's gradient once weights them all (in a copy: backward may run again).
    const ConstMatrixView d_out = scaled(d_logits_, weight, d_weighted_);
    const std::size_t N = batch_ * length_, E = config_.d_model, F = config_.d_ff, n = length_;
    d_x_.resize(N, E);
    d_branch_.resize(N, E);
    d_norm_.resize(N, E);
    d_hidden_.resize(N, F);
    // head and final norm: d_x = ∂loss/∂(last layer's output)
    nn::linear_backward(final_ln_, params_.value_matrix(head_w_), d_out, d_norm_, params_.grad_matrix(head_w_),
                        params_.grad(head_b_), scratch_, threads_);
    nn::layer_norm_backward(final_x_, params_.value(norm_w_), final_mean_.data(), final_rstd_.data(), d_norm_, d_x_,
                            params_.grad(norm_w_), params_.grad(norm_b_), threads_);
    for (std::size_t l = layers_.size(); l-- > 0;) {
        LayerState& s = layers_[l];
        const LayerIds& ids = layer_ids_[l];
        trace_layer_grad(l);  // d_x_ = ∂loss/∂(layer l's output)
        // feed-forward branch: out = x_mid + linear2(act(linear1(norm2(x_mid))))
        nn::linear_backward(s.hidden, params_.value_matrix(ids.l2_w), d_x_, d_hidden_, params_.grad_matrix(ids.l2_w),
                            params_.grad(ids.l2_b), scratch_, threads_);
        nn::activation_backward(config_.activation, s.hidden_pre, d_hidden_, d_hidden_);
        nn::linear_backward(s.ln2, params_.value_matrix(ids.l1_w), d_hidden_, d_norm_, params_.grad_matrix(ids.l1_w),
                            params_.grad(ids.l1_b), scratch_, threads_);
        nn::layer_norm_backward(s.x_mid, params_.value(ids.n2_w), s.mean2.data(), s.rstd2.data(), d_norm_, d_branch_,
                                params_.grad(ids.n2_w), params_.grad(ids.n2_b), threads_);
        nn::add_inplace(d_x_, d_branch_);  // now ∂loss/∂x_mid
        // attention branch: x_mid = x + self_attn(norm1(x))
        nn::SelfAttentionGrads g;
        g.in_proj_weight = params_.grad_matrix(ids.in_w);
        g.in_proj_bias = params_.grad(ids.in_b);
        g.out_proj_weight = params_.grad_matrix(ids.out_w);
        g.out_proj_bias = params_.grad(ids.out_b);
        nn::self_attention_backward(s.ln1, attention_weights(ids), s.attn, d_x_, d_norm_, g, threads_);
        trace_attention_backward(l);
        nn::layer_norm_backward(s.x, params_.value(ids.n1_w), s.mean1.data(), s.rstd1.data(), d_norm_, d_branch_,
                                params_.grad(ids.n1_w), params_.grad(ids.n1_b), threads_);
        nn::add_inplace(d_x_, d_branch_);  // now ∂loss/∂x
    }
    // inputs: x = tok_emb(tokens) (or in_proj(values)) + positions
    if (pos_ != Parameters::npos) nn::add_positions_backward(d_x_, n, params_.grad_matrix(pos_));
    if (config_.input == ModelInput::tokens)
        nn::embedding_backward(tokens_.data(), d_x_, params_.grad_matrix(input_w_));
    else
        nn::linear_backward(values_, params_.value_matrix(input_w_), d_x_, MatrixView{}, params_.grad_matrix(input_w_),
                            params_.grad(input_b_), scratch_);
    trace_parameter_grad();
    trace_request_ = {};  // spent
}

ConstMatrixView Transformer::attention(std::size_t layer, std::size_t b, std::size_t h) const {
    if (!have_forward_) throw Error("attention weights need a forward pass first");
    if (layer >= layers_.size())
        throw Error("layer " + str(layer) + " requested, the model has " + str(layers_.size()));
    return layers_[layer].attn.head_weights(b, h);
}

ConstMatrixView Transformer::attention_input(std::size_t layer) const {
    if (!have_forward_) throw Error("attention inputs need a forward pass first");
    if (layer >= layers_.size())
        throw Error("layer " + str(layer) + " requested, the model has " + str(layers_.size()));
    return layers_[layer].ln1.view();
}

}  // namespace attn
