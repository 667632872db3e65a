// libFuzzer target: the BATCH.json of `attnlab grad` (native/cli/batch_file.cpp, through the
// core's JSON reader), against a token model and a series model, then the loss and gradients.
//
// Any input must end in a Batch or an InputError. A batch that parses must hold what it
// promised: B·n ids (or values) in range, targets in range or ignored, the count of targets
// right, at least one. It then goes through the model (forward, loss, backward); with these
// small, sane models the loss must be finite unless a value is large enough to overflow float
// (series values up to 3.4e38), so finiteness is only required for token batches.
// Seeds: corpus/batch/.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "attn/train/model_file.hpp"
#include "batch_file.hpp"
#include "errors.hpp"

namespace {

void require(bool ok) {
    if (!ok) std::abort();
}

attn::Transformer& model(attn::ModelInput input) {
    static attn::Transformer* models[2] = {nullptr, nullptr};
    attn::Transformer*& m = models[input == attn::ModelInput::tokens ? 0 : 1];
    if (!m) {
        attn::TransformerConfig c;
        c.input = input;
        c.vocab = input == attn::ModelInput::tokens ? 7 : 1;
        c.d_model = 8;
        c.heads = 2;
        c.d_ff = 16;
        c.layers = 1;
        c.max_len = 6;
        c.causal = input == attn::ModelInput::series;
        m = new attn::Transformer(c);  // kept for the whole run
        m->init(1);
    }
    return *m;
}

void check(const std::string& text, attn::ModelInput input) {
    attn::Transformer& m = model(input);
    const attn::TransformerConfig& c = m.config();
    attn::cli::Batch b;
    try {
        b = attn::cli::parse_batch(text, "fuzz.json", c);
    } catch (const attn::cli::InputError&) {
        return;
    }
    const std::size_t N = b.size * b.length;
    require(b.size >= 1 && b.length >= 1 && b.length <= c.max_len && b.targets >= 1);
    float loss;
    if (input == attn::ModelInput::tokens) {
        require(b.input.size() == N && b.target.size() == N && b.input_values.empty());
        std::size_t counted = 0;
        for (std::size_t i = 0; i < N; ++i) {
            require(b.input[i] >= 0 && static_cast<std::size_t>(b.input[i]) < c.vocab);
            require(b.target[i] == -100 || (b.target[i] >= 0 && static_cast<std::size_t>(b.target[i]) < c.vocab));
            counted += b.target[i] != -100;
        }
        require(counted == b.targets);
        m.forward(b.input.data(), b.size, b.length);
        loss = m.cross_entropy_loss(b.target.data());
        require(std::isfinite(loss));
    } else {
        require(b.input_values.size() == N && b.target_values.size() == N && b.targets == N);
        for (std::size_t i = 0; i < N; ++i)
            require(std::isfinite(b.input_values[i]) && std::isfinite(b.target_values[i]));
        m.forward_series(b.input_values.data(), b.size, b.length);
        loss = m.mse_loss(b.target_values.data());
    }
    m.backward();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    check(text, attn::ModelInput::tokens);
    check(text, attn::ModelInput::series);
    return 0;
}
