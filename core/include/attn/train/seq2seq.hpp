// seq2seq.hpp: the Bahdanau (additive-attention) encoder–decoder, defined by its PyTorch twin.
//
// Parameters carry exactly the names and shapes of this module's state_dict (in its order):
//   src_emb = nn.Embedding(Vs, emb)
//   encoder = nn.GRU(emb, He, batch_first=True, bidirectional=True)   run over each source's own
//             length (pack_padded_sequence: the backward direction starts at the last real
//             character; states at padding are zero). H_j = [h→_j; h←_j]: 2He per position.
//   init    = nn.Linear(2He, Hd):  s₀ = tanh(init(mean of H over the real positions))
//   tgt_emb = nn.Embedding(Vt, emb)
//   attn.W_s = nn.Linear(Hd, A, bias=False), attn.W_h = nn.Linear(2He, A), attn.v = nn.Linear(A, 1, bias=False):
//             e_tj = v·tanh(W_s s_{t−1} + W_h h_j),  α_t = softmax over the real positions,
//             c_t = Σ_j α_tj h_j
//   decoder = nn.GRUCell(emb + 2He, Hd):  s_t = decoder([tgt_emb(y_{t−1}); c_t], s_{t−1}),  y₀ = <bos>
//   out     = nn.Linear(Hd + 2He, Vt):    logits_t = out([s_t; c_t])
// GRU (PyTorch's, gates r, z, n in that order in weight_ih / weight_hh):
//   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h
//
// forward() runs teacher forcing (decoder input y_{t−1} = the target's previous id) and keeps
// every activation for backward(); decode() runs greedy decoding (input = the previous step's
// argmax). Both keep, for every decoder step t and sequence b, the scores e_tj, weights α_tj,
// context c_t, state s_t and the output probabilities, so a lesson can show one step's numbers.
// Buffers are reused across calls of the same or smaller shape (no allocation once warm).
// Matrix products run on the core's kernels (attn/kernels.hpp), one thread.
// Deliberately not here: beam search, dropout, the optimizer (attn/train/optim.hpp), task data
// (attn/train/dates.hpp), file formats (attn/train/seq2seq_file.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "attn/matrix.hpp"
#include "attn/train/parameters.hpp"

namespace attn {

struct Seq2SeqConfig {
    std::size_t source_vocab = 70, target_vocab = 15;
    std::size_t emb = 16, enc_hidden = 32, dec_hidden = 64, attn_hidden = 32;

    // Throws attn::Error naming the field ("config.emb is 0, expected 1 to 1024").
    void check() const;
};

class Seq2Seq {
public:
    explicit Seq2Seq(const Seq2SeqConfig& config);

    // The parameters of a model of this configuration: PyTorch's names, shapes and order.
    static std::vector<ParameterInfo> layout(const Seq2SeqConfig& config);

    const Seq2SeqConfig& config() const { return config_; }
    Parameters& parameters() { return params_; }
    const Parameters& parameters() const { return params_; }

    // PyTorch's default initialisation schemes (not its random stream), from Rng(seed):
    // embeddings N(0, 1); GRU, GRUCell and linear weights and biases U(±1/√fan) with fan = the
    // hidden size for the GRUs and the input size for the linears.
    void init(std::uint64_t seed);

    // Teacher forcing. source: (B, n) ids in [0, Vs) (padding after each length ignored),
    // lengths: B in [1, n], target: (B, T) ids in [0, Vt) (the last usually <eos>).
    // Returns the logits, time-major: row t·B + b = logits of sequence b at step t.  (T·B, Vt)
    ConstMatrixView forward(const std::int32_t* source, const std::size_t* lengths, std::size_t B, std::size_t n,
                            const std::int32_t* target, std::size_t T);
    // Mean cross-entropy of the last forward over its B·T targets; keeps ∂loss/∂logits.
    float cross_entropy_loss();
    // Zeroes the gradients, then backpropagates the last loss: parameters().grads() holds ∂loss/∂θ.
    // With accumulate, adds weight·∂loss/∂θ to the gradients already there instead: a batch
    // split into micro-batches of m_i rows, each backpropagated with weight m_i / B, sums to the
    // gradient of the whole batch's mean loss (up to float rounding), in the memory of a micro-batch.
    void backward(float weight = 1.0f, bool accumulate = false);

    // Greedy decoding of T steps (y₀ = <bos>, then each step's argmax); returns the ids (B, T)
    // row-major. Each sequence's output stops meaning anything after its first <eos>.
    const std::vector<std::int32_t>& decode(const std::int32_t* source, const std::size_t* lengths, std::size_t B,
                                            std::size_t n, std::size_t T, std::int32_t bos = 1);
    // The same greedy decoding of the sources of the last forward() or decode(), over as many steps,
    // reusing their encoding (H, W_h h_j, s₀): what decode() on them gives, bit for bit, without
    // running the encoder again (an evaluation's teacher-forced loss, then its greedy outputs).
    // The parameters must not have changed since. Throws attn::Error when there was no such call.
    const std::vector<std::int32_t>& decode_again(std::int32_t bos = 1);

    // What the last forward or decode computed, for sequence b at decoder step t (from 0):
    std::size_t batch() const { return B_; }
    std::size_t source_length() const { return n_; }
    std::size_t steps() const { return T_; }
    const float* scores(std::size_t t, std::size_t b) const { return E_.row(t * B_ + b); }   // e_tj: n (first len)
    const float* weights(std::size_t t, std::size_t b) const { return P_.row(t * B_ + b); }  // α_tj: n (0 at padding)
    const float* context(std::size_t t, std::size_t b) const { return C_.row(t * B_ + b); }  // c_t: 2He
    const float* state(std::size_t t, std::size_t b) const {
        return S_.row((t + 1) * B_ + b);
    }                                                                      // s_t: Hd (t from 0 = s₁)
    const float* initial_state(std::size_t b) const { return S_.row(b); }  // s₀
    const float* logits(std::size_t t, std::size_t b) const { return logits_.row(t * B_ + b); }  // Vt
    // softmax(logits_t) of sequence b into out (Vt floats).
    void probabilities(std::size_t t, std::size_t b, float* out) const;
    // H_j of sequence b: 2He floats (zero at padding).
    const float* encoder_output(std::size_t b, std::size_t j) const { return H_.row(b * n_ + j); }
    const std::vector<std::int32_t>& decoder_inputs() const { return y_in_; }  // (T·B) time-major

private:
    struct GruIds {
        std::size_t w_ih, w_hh, b_ih, b_hh;
    };
    void begin(const std::int32_t* source, const std::size_t* lengths, std::size_t B, std::size_t n, std::size_t T);
    void encode_sources();
    void decoder_step(std::size_t t);
    void greedy(std::int32_t bos);

    Seq2SeqConfig config_;
    Parameters params_;
    std::size_t src_emb_ = 0, init_w_ = 0, init_b_ = 0, tgt_emb_ = 0, ws_ = 0, wh_w_ = 0, wh_b_ = 0, v_ = 0, out_w_ = 0,
                out_b_ = 0;
    GruIds enc_[2]{}, dec_{};

    std::size_t B_ = 0, n_ = 0, T_ = 0;
    bool have_forward_ = false, have_loss_ = false, encoded_ = false;
    std::vector<std::int32_t> source_;     // (B, n)
    std::vector<std::size_t> lengths_;     // B
    std::vector<std::int32_t> target_;     // (B, T)
    std::vector<std::int32_t> y_in_;       // (T·B) decoder inputs, time-major
    std::vector<std::int32_t> predicted_;  // (B, T) greedy output
    std::vector<std::int32_t> y_out_;      // (T·B) targets, time-major
    std::vector<std::int32_t> src_tm_;     // (n·B) source ids, time-major
    std::vector<float> dalpha_;            // n
    // Encoder, per direction, time-major (row t·B + b):
    Matrix X_;                   // (n·B, emb) embedded source
    Matrix GI_[2], GH_[2];       // (n·B, 3He) x·W_ihᵀ + b_ih, h_prev·W_hhᵀ + b_hh
    Matrix G_[2];                // (n·B, 3He) r, z, n
    Matrix Hprev_[2], Hout_[2];  // (n·B, He) state before / after each step (0 at padding)
    Matrix H_;                   // (B·n, 2He) batch-major encoder output
    Matrix mean_, init_pre_;     // (B, 2He), (B, Hd)
    Matrix WH_;                  // (B·n, A) W_h h_j + b
    // Decoder, time-major (row t·B + b):
    Matrix S_;                  // ((T + 1)·B, Hd) s₀ … s_T
    Matrix Q_;                  // (T·B, A) W_s s_{t−1}
    Matrix U_;                  // (T·B·n, A) tanh(q + W_h h_j), row (t·B + b)·n + j
    Matrix E_, P_;              // (T·B, n) scores, weights
    Matrix C_;                  // (T·B, 2He) contexts
    Matrix DX_;                 // (T·B, emb + 2He) decoder inputs [tgt_emb(y); c]
    Matrix DGI_, DGH_, DG_;     // (T·B, 3Hd)
    Matrix O_;                  // (T·B, Hd + 2He) [s_t; c_t]
    Matrix logits_, d_logits_;  // (T·B, Vt)
    // Backward scratch (d_weighted_: weight·∂loss/∂logits of a weighted backward):
    Matrix d_weighted_;
    Matrix dO_, dS_, dQ_, dC_, dDX_, dDGI_, dDGH_, dH_, dH2_, dWH_, dmean_, dinit_, dX_, dGI_[2], dGH_[2], dh_, dh2_,
        scratch_;
};

}  // namespace attn
