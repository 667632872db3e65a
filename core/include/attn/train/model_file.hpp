// model_file.hpp: a trained model as a safetensors file that PyTorch loads unchanged.
//
// The tensors are the model's parameters under their state_dict names and shapes
// (attn/train/transformer.hpp), F32, in the model's order. __metadata__ holds
//   "step":   the number of optimizer steps trained, in decimal ("400")
//   "config": a JSON object with exactly these keys, in this order when written:
//     {"model": "transformer", "vocab": V, "d_model": E, "heads": H, "d_ff": F, "layers": L,
//      "max_len": M, "positions": "learned"|"sinusoidal", "activation": "relu"|"gelu",
//      "causal": true|false, "task": {"name": T, ...the task's own parameters}}
//     task parameters: copy, reverse, sort: "length", "vocab"; induction: "length", "vocab",
//     "k"; series: "length", "noise". A series model reads values through in_proj and predicts
//     one value per position: its "vocab" is 1.
// and any other keys a writer likes (attnlab's train adds "seed"; they are kept, not checked).
//
// Reading trusts nothing and names the FIRST problem: the bytes as a safetensors file
// (attn/safetensors.hpp: header, entries, offsets, no overlap or hole, finite values), then the
// metadata ("step", "config"), the config (every key, its type and range, in the order above),
// then the tensors against the model the config describes: every expected name present, no
// other tensor, each of a float dtype (F32, F64, F16, BF16) and of the expected shape. Only
// then is the model built (so a hostile config cannot make the reader allocate more than the
// file itself holds). Errors are attn::Error whose field() says where:
//   ""                       the file as a whole ("is 5 bytes long, too short ...")
//   "<tensor name>"          one tensor ("layers.0.linear1.weight" "has shape [64, 33], ...")
//   "__metadata__", "__metadata__.step", "config", "config.heads", "config.task.k", ...
// The core does no file I/O: callers hand it the bytes and save the bytes it returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "attn/train/tasks.hpp"
#include "attn/train/transformer.hpp"

namespace attn {

// What a model file's "config" describes: the model and the task it was trained on.
struct ModelConfig {
    TransformerConfig model;
    TaskConfig task;
};

// The model a task needs by default: input (tokens or series), vocab (the task's; 1 for
// series), max_len = the task's length, causal as the task; sizes from the arguments.
TransformerConfig model_for_task(const TaskConfig& task, std::size_t d_model, std::size_t heads, std::size_t d_ff,
                                 std::size_t layers);

// The config as JSON text (compact, keys in the order above; noise as the shortest decimal
// that reads back as the same float).
std::string model_config_json(const ModelConfig& config);
// Parses and checks a config; throws attn::Error with field "config" or "config.<key>".
ModelConfig parse_model_config(const std::string& json_text);

// The parameter values of `model` as a model file (throws attn::Error on a non-finite value,
// naming it). extra: more metadata keys (not "step" or "config").
std::string write_model_file(const Transformer& model, const TaskConfig& task, std::uint64_t step,
                             const std::vector<std::pair<std::string, std::string>>& extra = {});

struct ModelFile {
    ModelConfig config;
    std::uint64_t step = 0;
    std::vector<std::pair<std::string, std::string>> metadata;  // every __metadata__ entry, as read
    std::unique_ptr<Transformer> model;                         // the parameters loaded (converted to float)

    const std::string* find_metadata(const std::string& key) const;
};

// Throws attn::Error naming the first problem (see above).
ModelFile read_model_file(const std::string& bytes);

// The gradients of the model's last backward() under the parameters' names (F32), with
// metadata "loss" (shortest decimal of the float) and "targets" (how many were counted),
// plus extra. Throws attn::Error naming a non-finite gradient.
std::string write_gradients_file(const Transformer& model, float loss, std::size_t targets,
                                 const std::vector<std::pair<std::string, std::string>>& extra = {});

// The shortest decimal text that reads back (strtof) as the same float: "0.05", "1e-08".
// Portable (snprintf/strtof), for metadata and configs written by the core.
std::string shortest_float_text(float x);

}  // namespace attn
