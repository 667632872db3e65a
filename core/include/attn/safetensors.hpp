// safetensors.hpp: the safetensors format (Hugging Face's), read and written from bytes.
//
// The format: 8 bytes N (unsigned 64-bit, little-endian), N bytes of UTF-8 JSON header, then
// the data buffer:
//   {"<name>": {"dtype": "F32", "shape": [24, 8], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"<key>": "<value>", ...}}          (__metadata__ optional, strings only)
// Offsets count bytes from the start of the data buffer; values are little-endian, row-major.
//
// The reader trusts nothing in the bytes. It checks, and reports with the tensor's name:
// the header length against the bytes and the format's 100 MB cap, the header as JSON (an
// object, no duplicate names, no NUL byte), every entry's dtype, shape and data_offsets (types,
// begin ≤ end, end inside the buffer, byte count = elements × dtype size, element count without
// overflow and at most attn::kMaxElements), that the tensors cover the buffer exactly (no
// overlap, no hole: the format requires it), and that every value it converts is finite.
// The checks run in that order (the file as a whole, each entry, the entries together, the
// values), so the first problem is the one reported; no byte of the buffer is read before its
// range is known to be inside it, and values are read byte by byte (no alignment assumed).
//
// F32, F64, F16 and BF16 tensors are converted to float (an F64 value beyond float's range is
// an error). Tensors of the format's other whole-byte dtypes (I64, U8, BOOL, ...) are checked
// for layout but not converted: real checkpoints hold such buffers (position ids, step
// counters) next to the weights, so a caller refuses them by name only when it needs them.
//
// The writer writes F32 tensors in the order given, the header padded with spaces to a
// multiple of 8 bytes (as the reference implementation does), so the data starts aligned.
//
// The core does no file I/O: callers hand it bytes and save the bytes it returns (the CLI reads
// and writes files, the browser hands uploaded bytes). Not here: memory mapping, sub-byte
// dtypes (F4, F6_*), writing dtypes other than F32.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "attn/matrix.hpp"

namespace attn::safetensors {

// The reference implementation's cap on the header (100 MB), which keeps a hostile length from
// making the reader allocate or parse gigabytes before finding out the file is broken.
inline constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

// A problem with the bytes. about_tensor(): the problem is one entry's, field() names it (the
// tensor's name, possibly empty) and problem() says what is wrong with it; otherwise the
// problem is the file's as a whole (field() is empty). what() joins the two.
class FormatError : public Error {
public:
    explicit FormatError(const std::string& problem) : Error(problem) {}
    FormatError(const std::string& tensor, const std::string& problem) : Error(tensor, problem), about_tensor_(true) {}
    bool about_tensor() const noexcept { return about_tensor_; }

private:
    bool about_tensor_ = false;
};

struct Tensor {
    std::string name;
    std::string dtype;               // as in the file: "F32", "BF16", "I64", ...
    std::vector<std::size_t> shape;  // [] is a scalar (one value)
    std::size_t begin = 0, end = 0;  // data_offsets, bytes from the start of the data buffer
    bool converted = false;          // F32, F64, F16 or BF16: values holds the tensor
    std::vector<float> values;       // row-major, element_count() finite values when converted

    std::size_t element_count() const;  // product of the shape (checked at parse time)
};

using Metadata = std::vector<std::pair<std::string, std::string>>;

struct File {
    std::vector<Tensor> tensors;  // in data-buffer order
    Metadata metadata;            // __metadata__, in the header's order

    const Tensor* find(const std::string& name) const;               // null when absent
    const std::string* find_metadata(const std::string& key) const;  // null when absent
};

// "attnlab reads F32, F64, F16 and BF16": for messages refusing a tensor of another dtype.
extern const char* const kReadDtypes;

// bytes: the whole file. Throws FormatError naming the first problem.
File parse(const std::string& bytes);

// One tensor to write: name, shape ([] for a scalar) and product(shape) floats.
struct TensorView {
    std::string name;
    std::vector<std::size_t> shape;
    const float* values = nullptr;
};

// The bytes of a safetensors file holding these tensors as F32, in this order, and the
// metadata (omitted when empty). Throws attn::Error on an empty or duplicate name, a name
// "__metadata__", a duplicate metadata key or a non-finite value (named with its index).
std::string write(const std::vector<TensorView>& tensors, const Metadata& metadata = {});

}  // namespace attn::safetensors
