// libFuzzer target: model files (attn::read_model_file: the safetensors layer, the metadata,
// the config's every key, the tensors against the model the config describes), then the model
// they give.
//
// Any input must end in a ModelFile or an attn::Error (anything else escaping, a crash, a leak
// or a sanitizer report is a finding). A file that loads must be self-consistent: its config
// reads back from the text the core writes for it, the model has exactly the layout's
// parameters, all finite, and writing it again and reading that back gives the same values
// (the round trip the CLI relies on). The model then runs forward on a short input (weights may
// be large enough to overflow float, so finiteness of the logits is not required) and, when
// its task is short, is evaluated on one held-out example. A seq2seq_additive file (the date
// translator, attn/train/seq2seq_file.hpp) goes through read_seq2seq_file with the same
// round-trip checks, then translates one date and is evaluated on one held-out date. Seeds: corpus/model/ (tiny valid
// files of every task and option, broken ones), made by scripts/make_fuzz_seeds.py.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "attn/train/model_file.hpp"
#include "attn/train/seq2seq_file.hpp"
#include "attn/train/seq2seq_trainer.hpp"
#include "attn/train/trainer.hpp"

namespace {

void require(bool ok) {
    if (!ok) std::abort();
}

int fuzz_seq2seq(const std::string& bytes) {
    attn::Seq2SeqFile f;
    try {
        f = attn::read_seq2seq_file(bytes);
    } catch (const attn::Error&) {
        return 0;
    }
    require(f.model != nullptr);
    const attn::Parameters& p = f.model->parameters();
    const auto layout = attn::Seq2Seq::layout(f.config);
    require(layout.size() == p.size());
    for (std::size_t i = 0; i < p.total(); ++i) require(std::isfinite(p.values()[i]));
    const attn::dates::Vocabulary sv(f.source_vocab), tv(f.target_vocab);
    const attn::Seq2SeqFile again = attn::read_seq2seq_file(attn::write_seq2seq_file(*f.model, sv, tv, f.step));
    require(again.step == f.step && again.source_vocab == f.source_vocab && again.target_vocab == f.target_vocab);
    require(std::memcmp(again.model->parameters().values(), p.values(), p.total() * sizeof(float)) == 0);
    try {
        const std::vector<std::int32_t> ids = attn::dates::encode_source("23 Nov 2026", sv);
        const std::size_t len = ids.size();
        const auto& out = f.model->decode(ids.data(), &len, 1, len, 12);
        for (std::int32_t id : out) require(id >= 0 && static_cast<std::size_t>(id) < tv.size());
        const attn::DatesEvaluation e = attn::evaluate_dates(*f.model, 1, 0, sv, tv);
        require(e.exact_match >= 0.0 && e.exact_match <= 1.0);
    } catch (const attn::Error&) {
    }
    return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    if (attn::model_file_kind(bytes) == "seq2seq_additive") return fuzz_seq2seq(bytes);
    attn::ModelFile f;
    try {
        f = attn::read_model_file(bytes);
    } catch (const attn::Error&) {
        return 0;  // a precise error is the expected outcome for a broken file
    }
    require(f.model != nullptr);
    const attn::TransformerConfig& c = f.model->config();
    const std::string config_text = attn::model_config_json(f.config);
    require(attn::model_config_json(attn::parse_model_config(config_text)) == config_text);

    const attn::Parameters& p = f.model->parameters();
    const auto layout = attn::Transformer::layout(c);
    require(layout.size() == p.size());
    for (std::size_t i = 0; i < p.size(); ++i)
        require(layout[i].name == p.info(i).name && layout[i].shape == p.info(i).shape);
    for (std::size_t i = 0; i < p.total(); ++i) require(std::isfinite(p.values()[i]));

    const attn::ModelFile again = attn::read_model_file(attn::write_model_file(*f.model, f.config.task, f.step));
    require(again.step == f.step);
    require(again.model->parameters().total() == p.total());
    require(std::memcmp(again.model->parameters().values(), p.values(), p.total() * sizeof(float)) == 0);

    try {
        const std::size_t n = std::min<std::size_t>(c.max_len, 3);
        if (c.input == attn::ModelInput::tokens) {
            std::vector<std::int32_t> tokens(n);
            for (std::size_t i = 0; i < n; ++i) tokens[i] = static_cast<std::int32_t>(i % c.vocab);
            f.model->forward(tokens.data(), 1, n);
        } else {
            std::vector<float> values(n, 0.5f);
            f.model->forward_series(values.data(), 1, n);
        }
        // Held-out evaluation of one example (its length is the task's: kept short here, since a
        // tiny file may describe a task of length 4096, whose attention alone is 4096² per head).
        if (f.config.task.length <= 64) {
            const attn::Evaluation e = attn::evaluate(*f.model, f.config.task, 1, 0);
            require(e.token_accuracy >= 0.0 && e.token_accuracy <= 1.0);
        }
    } catch (const attn::Error&) {
        // sizes beyond what the core holds for a forward pass
    }
    return 0;
}
