// optim.hpp: Adam and AdamW as PyTorch's torch.optim.Adam / AdamW, gradient clipping by global
// norm (torch.nn.utils.clip_grad_norm_) and an optional linear warm-up of the learning rate.
//
// One step t = 1, 2, … over flat parameter and gradient arrays (Parameters' two buffers):
//   lr_t = lr·min(1, t/warmup)                    (warmup = 0: lr_t = lr)
//   total = ‖g‖₂ over every tensor;  clip > 0:  g ← g·min(1, clip/(total + 1e-6))
//   Adam:  g ← g + weight_decay·θ                 (L2 folded into the gradient)
//   AdamW: θ ← θ·(1 − lr_t·weight_decay)          (decoupled decay)
//   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²
//   θ ← θ − (lr_t/(1 − β₁ᵗ))·m / (√v/√(1 − β₂ᵗ) + eps)
// Defaults are PyTorch's: betas (0.9, 0.999), eps 1e-8, weight decay 0 (Adam) / 0.01 (AdamW).
// The warm-up equals LambdaLR(opt, lambda s: min(1, (s + 1)/warmup)) stepped after each
// optimizer step. The moments are allocated at the first step (and when the parameter count
// changes); later steps allocate nothing. Deterministic: one thread, a fixed order.
// Deliberately not here: amsgrad, maximize, per-tensor groups, other schedules.
#pragma once

#include <cstddef>
#include <vector>

#include "attn/trace.hpp"
#include "attn/train/parameters.hpp"

namespace attn {

struct AdamConfig {
    double lr = 1e-3;
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    double weight_decay = 0.0;
    bool decoupled = false;        // false: Adam (L2 in the gradient); true: AdamW
    double clip_norm = 0.0;        // > 0: clip the global gradient norm to this
    std::size_t warmup_steps = 0;  // > 0: linear warm-up over this many steps

    static AdamConfig adam(double lr = 1e-3);
    static AdamConfig adamw(double lr = 1e-3);  // weight_decay 0.01, as torch.optim.AdamW
    // Throws attn::Error naming the field: lr ≥ 0, betas in [0, 1), eps > 0, weight_decay ≥ 0,
    // clip_norm ≥ 0, all finite.
    void check() const;
};

struct AdamStep {
    std::size_t step = 0;    // t, from 1
    double lr = 0.0;         // lr_t used by this step
    double grad_norm = 0.0;  // global L2 norm of the gradients before clipping
};

// g ← g·min(1, max_norm/(‖g‖₂ + 1e-6)); returns ‖g‖₂ before clipping (computed in double).
// A non-finite norm leaves g unchanged (PyTorch would spread the NaN); the caller sees it.
double clip_grad_norm(float* grads, std::size_t count, double max_norm);
double grad_norm(const float* grads, std::size_t count);

class Adam {
public:
    explicit Adam(const AdamConfig& config = {});

    // The configuration may change between steps (say, the learning rate while training).
    AdamConfig& config() { return config_; }
    const AdamConfig& config() const { return config_; }

    // One update of values[0..count) from grads[0..count) (grads are clipped in place).
    AdamStep step(float* values, float* grads, std::size_t count);
    AdamStep step(Parameters& p) { return step(p.values(), p.grads(), p.total()); }
    // The same update, recorded: a note with lr_t, the gradient's global norm and the clipping,
    // then one optimizer_update step per watched weight (flat indices into p, named as
    // Parameters::describe_element) with its gradient g after clipping (plus Adam's L2 term), m and v before and after,
    // the bias-corrected m̂ and v̂, and the weight before and after. Indices out of range throw
    // before anything changes.
    AdamStep step(Parameters& p, Trace& trace, const std::vector<std::size_t>& watch);

    // lr_t of step t (from 1) under the current configuration.
    double learning_rate(std::size_t t) const;
    std::size_t steps() const { return t_; }
    // Back to step 0 with zero moments.
    void reset();
    // The moments (first and second), flat like the parameters (for checkpoints and traces).
    const std::vector<float>& first_moment() const { return m_; }
    const std::vector<float>& second_moment() const { return v_; }

private:
    AdamConfig config_;
    std::vector<float> m_, v_;
    std::size_t t_ = 0;
};

}  // namespace attn
