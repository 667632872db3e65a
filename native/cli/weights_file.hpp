// weights_file.hpp: tensors from a safetensors file, so `attnlab compute --weights` can run
// the parameters of a real PyTorch layer.
//
// The format (Hugging Face's safetensors): 8 bytes N (unsigned 64-bit, little-endian), N bytes
// of UTF-8 JSON header, then the data buffer:
//   {"<name>": {"dtype": "F32", "shape": [24, 8], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"<key>": "<value>", ...}}          (__metadata__ optional, strings only)
// Offsets count bytes from the start of the data buffer; values are little-endian, row-major.
//
// The reader trusts nothing in the file. It checks, and reports with the tensor's name:
// the header length against the file and the format's 100 MB cap, the header as JSON (an
// object, no duplicate names), every entry's dtype, shape and data_offsets (types, begin <= end,
// end inside the buffer, byte count = elements × dtype size, element count without overflow and
// at most attn::kMaxElements), that the tensors cover the buffer exactly (no overlap, no hole:
// the format requires it), and that every value it converts is finite.
//
// F32, F64, F16 and BF16 tensors are converted to float (an F64 value beyond float's range is an
// error). Tensors of the format's other dtypes (I64, U8, BOOL, ...) are checked for layout but
// not converted: real checkpoints hold such buffers (position ids, step counters) next to the
// weights, so they are refused by name only when a computation asks for them.
//
// Not done here: writing files, memory mapping (the whole file is read), sub-byte dtypes (F4, F6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "errors.hpp"
#include "spec.hpp"

namespace attn::cli {

// The reference implementation's cap on the header (100 MB), which keeps a hostile length from
// making the reader allocate or parse gigabytes before finding out the file is broken.
inline constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

struct Tensor {
    std::string name;
    std::string dtype;               // as in the file: "F32", "BF16", "I64", ...
    std::vector<std::size_t> shape;  // [] is a scalar (one value)
    std::size_t begin = 0, end = 0;  // data_offsets, bytes from the start of the data buffer
    bool converted = false;          // a dtype attnlab reads: values holds the tensor
    std::vector<float> values;       // row-major, element_count() finite values when converted

    std::size_t element_count() const;  // product of the shape (checked at parse time)
};

struct WeightsFile {
    std::string source;                                         // the file, for messages
    std::vector<Tensor> tensors;                                // in data-buffer order
    std::vector<std::pair<std::string, std::string>> metadata;  // __metadata__

    const Tensor* find(const std::string& name) const;  // null when absent
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
