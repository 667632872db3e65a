// seq2seq_file.hpp: a trained date translator (attn/train/seq2seq.hpp) as a safetensors file
// that PyTorch's twin module loads with load_state_dict unchanged.
//
// Tensors: the model's parameters under their state_dict names and shapes, F32, in its order.
// __metadata__ holds "step" (decimal) and "config", a JSON object with these keys, in this order
// when written:
//   {"model": "seq2seq_additive", "emb": 16, "enc_hidden": 32, "dec_hidden": 64, "attn_hidden": 32,
//    "source_vocab": ["<pad>", "<bos>", "<eos>", "<unk>", " ", ...],
//    "target_vocab": ["<pad>", "<bos>", "<eos>", "<unk>", "-", "0", ...], "task": {"name": "dates"}}
// Vocabularies: index = id; <pad> <bos> <eos> <unk> at 0–3, then single-byte characters (ASCII
// 32–126), no repeats. Other metadata keys are kept, not checked.
// Reading names the FIRST problem, as attn/train/model_file.hpp does: the safetensors layout,
// "step" and "config" (each key, its type and range), then every tensor (present, a float dtype,
// the expected shape; no other tensor). Errors are attn::Error with field "config.emb",
// "config.source_vocab[5]", "attn.W_h.weight", "__metadata__.step", ...
// The core does no file I/O: callers hand it bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "attn/train/dates.hpp"
#include "attn/train/seq2seq.hpp"

namespace attn {

struct Seq2SeqFile {
    Seq2SeqConfig config;
    std::vector<std::string> source_vocab, target_vocab;
    std::string task = "dates";
    std::uint64_t step = 0;
    std::vector<std::pair<std::string, std::string>> metadata;  // every __metadata__ entry, as read
    std::unique_ptr<Seq2Seq> model;

    const std::string* find_metadata(const std::string& key) const;
};

// The "model" value of a model file's config ("transformer", "seq2seq_additive"), or "" when the
// bytes are not a safetensors file with a config naming a model (the caller's reader then says why).
std::string model_file_kind(const std::string& bytes);

// The config JSON (compact, keys in the documented order).
std::string seq2seq_config_json(const Seq2SeqConfig& config, const std::vector<std::string>& source_vocab,
                                const std::vector<std::string>& target_vocab);

// extra: more metadata keys (not "step" or "config"). Throws on a non-finite value.
std::string write_seq2seq_file(const Seq2Seq& model, const dates::Vocabulary& source_vocab,
                               const dates::Vocabulary& target_vocab, std::uint64_t step,
                               const std::vector<std::pair<std::string, std::string>>& extra = {});

// Throws attn::Error naming the first problem.
Seq2SeqFile read_seq2seq_file(const std::string& bytes);

// The gradients of the model's last backward() under the parameters' names, with metadata
// "loss" and "targets" (how many targets the mean counts).
std::string write_seq2seq_gradients(const Seq2Seq& model, float loss, std::size_t targets);

}  // namespace attn
