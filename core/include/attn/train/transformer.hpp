// transformer.hpp: the trainable model, defined by its PyTorch twin.
//
// A pre-norm Transformer encoder whose parameters carry exactly the names and shapes of this
// PyTorch module's state_dict (so the tensors load with load_state_dict unchanged):
//   tok_emb = nn.Embedding(vocab, d_model)         (series: in_proj = nn.Linear(1, d_model))
//   pos_emb = nn.Embedding(max_len, d_model)        (learned positions only; sinusoidal: no tensor)
//   layers  = nn.ModuleList of nn.TransformerEncoderLayer(d_model, heads, d_ff, dropout=0.0,
//             activation="relu"|"gelu", batch_first=True, norm_first=True), given a causal
//             src_mask when the model is causal
//   norm    = nn.LayerNorm(d_model),  head = nn.Linear(d_model, vocab)   (series: nn.Linear(d_model, 1))
//   forward: logits = head(norm(layers(tok_emb(x) + positions)))   at every position
// Each layer:  x = x + self_attn(norm1(x));  x = x + linear2(act(linear1(norm2(x)))).
//
// forward() keeps every activation for backward() (buffers reused across calls of the same
// batch shape: no allocation once warm), and each layer's and head's attention weights.
// Threads (set_threads): the layers split their work over attn::parallel_for with a partition
// that does not depend on the thread count (attn/train/layers.hpp), so a forward and backward
// give the same bits on any number of threads; WebAssembly runs one thread.
// Deliberately not here: dropout, key-padding masks, the optimizer (attn/train/optim.hpp),
// task data, file formats.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "attn/matrix.hpp"
#include "attn/trace.hpp"
#include "attn/train/layers.hpp"
#include "attn/train/parameters.hpp"

namespace attn {

enum class Positions { learned, sinusoidal };
enum class ModelInput { tokens, series };

const char* positions_name(Positions p);     // "learned", "sinusoidal"
const char* model_input_name(ModelInput i);  // "tokens", "series"

struct TransformerConfig {
    ModelInput input = ModelInput::tokens;
    std::size_t vocab = 10;  // tokens: embedding rows and logits per position; series: unused
    std::size_t d_model = 32, heads = 2, d_ff = 64, layers = 1, max_len = 16;
    Positions positions = Positions::learned;
    nn::Activation activation = nn::Activation::relu;
    bool causal = false;

    // Throws attn::Error naming the field: sizes ≥ 1 (vocab ≥ 2 for tokens), heads divides
    // d_model, and sizes within the limits below.
    void check() const;
    // Logits per position: vocab for tokens, 1 for series.
    std::size_t outputs() const { return input == ModelInput::tokens ? vocab : 1; }
};

// Size limits (a teaching lab, not a language model).
inline constexpr std::size_t kMaxVocab = 65536, kMaxDModel = 4096, kMaxDff = 16384, kMaxLayers = 64, kMaxLength = 4096;

// A request to record the next training step (forward, loss, backward) into a Trace, for one
// sequence of the batch: embed, each layer's attention weights (softmax, one step per head) and
// residual stream (layer_output), logits, loss, loss_grad, the gradient reaching each layer
// (grad_flow), the attention backward of one layer's head cell by cell
// (nn::trace_self_attention_head_backward) and the batch's gradient of that head's W_q
// (grad_parameter). Matrices are named "x0", "L<l> P<h>", "L<l> mid", "L<l> out", "logits",
// "dlogits", "L<l> dout", "L<l> dW_q" and the head backward's with prefix "L<l> ".
// Recording copies what the pass computed; it changes no number.
struct StepTraceRequest {
    Trace* trace = nullptr;
    std::size_t sequence = 0;         // which sequence of the batch is shown
    std::size_t layer = 0, head = 0;  // whose attention backward is recorded cell by cell
};

class Transformer {
public:
    // Throws attn::Error when the config is invalid or the parameters would exceed 2^26 floats.
    explicit Transformer(const TransformerConfig& config);

    // The parameters a model of this configuration has: PyTorch's state_dict names and shapes, in
    // its order, with the offsets and counts Parameters gives them (computed, nothing allocated:
    // a file reader compares a file against it before building the model). Checks the config.
    static std::vector<ParameterInfo> layout(const TransformerConfig& config);

    const TransformerConfig& config() const { return config_; }
    // Threads for forward and backward: 1 (the default) runs inline, 0 = every core,
    // otherwise min(threads, cores) (attn::resolve_threads). Results do not depend on it.
    void set_threads(std::size_t threads) { threads_ = threads; }
    std::size_t threads() const { return threads_; }
    Parameters& parameters() { return params_; }
    const Parameters& parameters() const { return params_; }

    // PyTorch's default initialisation schemes (not its random stream), from Rng(seed):
    // embeddings N(0, 1); linear weights and biases U(±1/√in); in_proj_weight xavier-uniform
    // U(±√(6/(E + 3E))); in_proj_bias and out_proj.bias 0; out_proj.weight U(±1/√E);
    // LayerNorm weight 1, bias 0.
    void init(std::uint64_t seed);

    // tokens: (B, n) row-major, ids in [0, vocab)   → logits: (B·n, vocab)
    ConstMatrixView forward(const std::int32_t* tokens, std::size_t batch, std::size_t length);
    // values: (B, n) row-major, finite              → predictions: (B·n, 1)
    ConstMatrixView forward_series(const float* values, std::size_t batch, std::size_t length);
    ConstMatrixView output() const { return logits_.view(); }

    // The loss of the last forward; keeps ∂loss/∂output for backward().
    // targets: (B, n), in [0, vocab) or −100 (ignored); mean over the targets not ignored.
    float cross_entropy_loss(const std::int32_t* targets);
    // targets: (B, n) finite; mean of the squared errors.
    float mse_loss(const float* targets);
    // Zeroes every gradient, then backpropagates the last loss through the last forward:
    // parameters().grads() then holds ∂loss/∂parameter for every tensor. With accumulate, adds
    // weight·∂loss/∂parameter to the gradients already there instead: a batch split into
    // micro-batches, each backpropagated with weight c_i / C (c_i of the batch's C targets not
    // ignored are in micro-batch i; for mse_loss, its share of the values), sums to the gradient of
    // the whole batch's mean loss (up to float rounding), in the memory of a micro-batch.
    void backward(float weight = 1.0f, bool accumulate = false);

    // Records the next forward, loss and backward (see StepTraceRequest); the request is spent
    // when that backward ends. Out-of-range sequence, layer or head throw at the forward.
    void trace_next_step(const StepTraceRequest& request) { trace_request_ = request; }

    // Softmax weights of layer l, sequence b, head h in the last forward: (n, n).
    ConstMatrixView attention(std::size_t layer, std::size_t b, std::size_t h) const;
    // What layer l's self-attention read in the last forward, norm1(x): (B·n, E). With the
    // layer's in_proj and out_proj it recomputes that layer's attention outside the model
    // (the lessons show a trained head through the same kernels as every other lesson).
    ConstMatrixView attention_input(std::size_t layer) const;
    std::size_t batch() const { return batch_; }
    std::size_t length() const { return length_; }

private:
    struct LayerIds {
        std::size_t in_w, in_b, out_w, out_b, l1_w, l1_b, l2_w, l2_b, n1_w, n1_b, n2_w, n2_b;
    };
    // What one encoder layer's forward keeps.
    struct LayerState {
        Matrix x;                          // (N, E) the layer's input
        Matrix ln1;                        // (N, E) norm1(x)
        std::vector<double> mean1, rstd1;  // N
        nn::SelfAttentionCache attn;
        Matrix x_mid;                      // (N, E) x + self_attn(norm1(x))
        Matrix ln2;                        // (N, E) norm2(x_mid)
        std::vector<double> mean2, rstd2;  // N
        Matrix hidden_pre, hidden;         // (N, F) linear1(ln2), act(linear1(ln2))
    };

    void begin_forward(std::size_t batch, std::size_t length);
    // Recording of a traced step (train_trace.cpp); each is a no-op without a request.
    void trace_forward();
    void trace_loss(float loss, bool cross_entropy, const void* targets);
    void trace_layer_grad(std::size_t layer);
    void trace_attention_backward(std::size_t layer);
    void trace_parameter_grad();
    ConstMatrixView finish_forward();
    nn::SelfAttentionWeights attention_weights(const LayerIds& ids) const;

    TransformerConfig config_;
    Parameters params_;
    std::size_t input_w_ = 0, input_b_ = Parameters::npos;  // tok_emb.weight, or in_proj.weight / in_proj.bias
    std::size_t pos_ = Parameters::npos;                    // pos_emb.weight (learned)
    std::vector<LayerIds> layer_ids_;
    std::size_t norm_w_ = 0, norm_b_ = 0, head_w_ = 0, head_b_ = 0;
    Matrix sinusoids_;  // (max_len, E) for sinusoidal positions

    std::size_t batch_ = 0, length_ = 0;
    bool have_forward_ = false, have_loss_ = false;
    std::vector<std::int32_t> tokens_;
    Matrix values_;  // (N, 1) series input
    std::vector<LayerState> layers_;
    Matrix final_x_, final_ln_;  // (N, E)
    std::vector<double> final_mean_, final_rstd_;
    Matrix logits_, d_logits_;  // (N, outputs)
    Matrix d_weighted_;         // weight·∂loss/∂output of a weighted backward
    Matrix d_x_, d_branch_, d_norm_, d_hidden_, scratch_;
    Matrix ff_out_, attn_out_;  // (N, E) branch outputs (forward scratch)
    StepTraceRequest trace_request_;
    std::size_t threads_ = 1;
};

}  // namespace attn
