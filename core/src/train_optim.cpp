// train_optim.cpp: Adam / AdamW, clipping and warm-up; see attn/train/optim.hpp.
#include "attn/train/optim.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace attn {
namespace {

void require_finite_at_least(double x, double lo, const char* field) {
    if (!std::isfinite(x) || x < lo)
        throw Error(std::string(field) + " is " + std::to_string(x) + ", expected a finite value ≥ " +
                    std::to_string(lo));
}

void require_unit(double x, const char* field) {
    if (!std::isfinite(x) || x < 0.0 || x >= 1.0)
        throw Error(std::string(field) + " is " + std::to_string(x) + ", expected a value in [0, 1)");
}

}  // namespace

AdamConfig AdamConfig::adam(double lr) {
    AdamConfig c;
    c.lr = lr;
    return c;
}

AdamConfig AdamConfig::adamw(double lr) {
    AdamConfig c;
    c.lr = lr;
    c.decoupled = true;
    c.weight_decay = 0.01;
    return c;
}

void AdamConfig::check() const {
    require_finite_at_least(lr, 0.0, "lr");
    require_unit(beta1, "beta1");
    require_unit(beta2, "beta2");
    if (!std::isfinite(eps) || eps <= 0.0)
        throw Error("eps is " + std::to_string(eps) + ", expected a finite value > 0");
    require_finite_at_least(weight_decay, 0.0, "weight_decay");
    require_finite_at_least(clip_norm, 0.0, "clip_norm");
}

double grad_norm(const float* grads, std::size_t count) {
    double s = 0;
    for (std::size_t i = 0; i < count; ++i) s += static_cast<double>(grads[i]) * grads[i];
    return std::sqrt(s);
}

double clip_grad_norm(float* grads, std::size_t count, double max_norm) {
    const double total = grad_norm(grads, count);
    if (!std::isfinite(total)) return total;
    const double coef = max_norm / (total + 1e-6);
    if (coef < 1.0) {
        const float c = static_cast<float>(coef);
        for (std::size_t i = 0; i < count; ++i) grads[i] *= c;
    }
    return total;
}

Adam::Adam(const AdamConfig& config) : config_(config) { config_.check(); }

double Adam::learning_rate(std::size_t t) const {
    if (config_.warmup_steps == 0) return config_.lr;
    return config_.lr * std::min(1.0, static_cast<double>(t) / static_cast<double>(config_.warmup_steps));
}

void Adam::reset() {
    t_ = 0;
    std::fill(m_.begin(), m_.end(), 0.0f);
    std::fill(v_.begin(), v_.end(), 0.0f);
}

AdamStep Adam::step(float* values, float* grads, std::size_t count) {
    config_.check();
    if (m_.size() != count) {  // first step, or a different model: fresh moments
        m_.assign(count, 0.0f);
        v_.assign(count, 0.0f);
        t_ = 0;
    }
    AdamStep r;
    r.step = ++t_;
    r.lr = learning_rate(t_);
    r.grad_norm = config_.clip_norm > 0.0 ? clip_grad_norm(grads, count, config_.clip_norm) : grad_norm(grads, count);

    const double t = static_cast<double>(t_);
    const double bias1 = 1.0 - std::pow(config_.beta1, t), bias2 = 1.0 - std::pow(config_.beta2, t);
    const float step_size = static_cast<float>(r.lr / bias1);
    const float inv_sqrt_bias2 = static_cast<float>(1.0 / std::sqrt(bias2));
    const float b1 = static_cast<float>(config_.beta1), b2 = static_cast<float>(config_.beta2);
    const float one_minus_b1 = static_cast<float>(1.0 - config_.beta1);
    const float one_minus_b2 = static_cast<float>(1.0 - config_.beta2);
    const float eps = static_cast<float>(config_.eps);
    const float l2 = config_.decoupled ? 0.0f : static_cast<float>(config_.weight_decay);
    const float decay = config_.decoupled ? static_cast<float>(1.0 - r.lr * config_.weight_decay) : 1.0f;
    float* m = m_.data();
    float* v = v_.data();
    for (std::size_t i = 0; i < count; ++i) {
        const float g = grads[i] + l2 * values[i];
        float theta = values[i] * decay;
        m[i] = b1 * m[i] + one_minus_b1 * g;
        v[i] = b2 * v[i] + one_minus_b2 * g * g;
        theta -= step_size * m[i] / (std::sqrt(v[i]) * inv_sqrt_bias2 + eps);
        values[i] = theta;
    }
    return r;
}

AdamStep Adam::step(Parameters& p, Trace& trace, const std::vector<std::size_t>& watch) {
    struct Before {
        float theta, m, v;
    };
    std::vector<Before> before;
    const bool fresh = m_.size() != p.total();
    for (std::size_t i : watch) {
        if (i >= p.total())
            throw Error("watched weight " + std::to_string(i) + " is outside the " + std::to_string(p.total()) +
                        " parameters");
        before.push_back({p.values()[i], fresh ? 0.0f : m_[i], fresh ? 0.0f : v_[i]});
    }
    const AdamStep r = step(p);
    const double clip = config_.clip_norm > 0.0 && std::isfinite(r.grad_norm)
                            ? std::min(1.0, config_.clip_norm / (r.grad_norm + 1e-6))
                            : 1.0;
    const double bias1 = 1.0 - std::pow(config_.beta1, static_cast<double>(r.step));
    const double bias2 = 1.0 - std::pow(config_.beta2, static_cast<double>(r.step));
    trace
        .add(StepKind::note, "Adam, step " + std::to_string(r.step) + ": clip the gradient, then update every weight",
             config_.clip_norm > 0.0 ? "g ← g·min(1, " + std::to_string(config_.clip_norm).substr(0, 4) +
                                           " / ‖g‖)   over all " + std::to_string(p.total()) + " weights at once"
                                     : "no clipping: g as computed",
             {}, {})
        .value("lr_t", r.lr)
        .value("‖g‖", r.grad_norm)
        .value("clip factor", clip);
    for (std::size_t k = 0; k < watch.size(); ++k) {
        const std::size_t i = watch[k];
        const double m_hat = m_[i] / bias1, v_hat = v_[i] / bias2;
        trace
            .add(StepKind::optimizer_update, "Adam update of " + p.describe_element(i),
                 "m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  m̂ = m/(1−β₁ᵗ),  v̂ = v/(1−β₂ᵗ),  θ ← θ − lr·m̂/(√v̂ + ε)", {},
                 {})
            .value("g", p.grads()[i] + (config_.decoupled ? 0.0 : config_.weight_decay * before[k].theta))
            .value("m before", before[k].m)
            .value("m", m_[i])
            .value("v before", before[k].v)
            .value("v", v_[i])
            .value("m̂", m_hat)
            .value("v̂", v_hat)
            .value("θ before", before[k].theta)
            .value("θ", p.values()[i])
            .value("Δθ", static_cast<double>(p.values()[i]) - before[k].theta);
    }
    return r;
}

}  // namespace attn
