// weights_file.hpp: tensors from a safetensors file, so `attnlab compute --weights` can run
// the parameters of a real PyTorch layer.
//
// The file is parsed by the core (attn/safetensors.hpp: header, dtypes F32/F64/F16/BF16,
// shapes, offsets inside the buffer, no overlap or hole, finite values), the same reader that
// loads model files; this layer only puts its problems in the CLI's words ("--weights ...") and
// finds the tensors of one attention layer by name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "attn/safetensors.hpp"
#include "errors.hpp"
#include "spec.hpp"

namespace attn::cli {

using Tensor = safetensors::Tensor;

// A parsed --weights file and its name (for messages).
struct WeightsFile : safetensors::File {
    std::string source;
};

// bytes: the whole file. source names it in messages. Throws InputError whose field is
// "--weights" for a problem with the file as a whole (problem "<source>: ...") or
// "--weights: <tensor>" for one tensor (problem "... (in <source>)").
WeightsFile parse_weights(const std::string& bytes, const std::string& source);

// "--weights" errors in the style above.
InputError weights_error(const std::string& source, const std::string& problem);
InputError tensor_error(const std::string& source, const std::string& tensor, const std::string& problem);

// The parameters of one nn.MultiheadAttention in the file, under their PyTorch state_dict names
// (prefix + "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias").
// prefix: as given by --weights-prefix; without one, the bare names when any is present,
// otherwise the one prefix in front of them (several prefixes are an error listing them).
// Throws when a tensor found is of a dtype attnlab does not read. Missing tensors are not an
// error here: the spec may give those parameters (parse_spec decides).
ExternalParams multihead_params(const WeightsFile& file, const std::optional<std::string>& prefix);

}  // namespace attn::cli
