// libFuzzer target: the safetensors reader behind `attnlab compute --weights`, then the merge
// of its tensors into a multi-head spec and the computation.
//
// Any input must end in a WeightsFile or an InputError (anything else escaping, a crash or a
// sanitizer report is a finding). A file that parses must hold exactly what its header
// promised: converted tensors have product(shape) finite values, the others none, and the
// tensors tile the data buffer in order. When the file also supplies the E = 2 parameters the
// fixed spec below needs (found by name as the CLI finds them), the result must be finite with
// weights in [0, 1]. Seeds: corpus/weights/ (valid files in every dtype, broken ones).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "errors.hpp"
#include "spec.hpp"
#include "weights_file.hpp"

namespace {

// query 2×2, key 3×2: the file supplies in_proj_weight (6×2), out_proj.weight (2×2) and
// optionally the biases (6 and 2 entries).
const char* const kSpec =
    R"({"attention": "multi_head", "num_heads": 2, "query": [[0.5, -1], [2, 0.25]],
        "key": [[1, 0], [0, 1], [-1, 1]], "mask": "causal"})";

void require(bool ok) {
    if (!ok) std::abort();
}

std::uint64_t header_length(const std::uint8_t* data) {
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= std::uint64_t{data[i]} << (8 * i);
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace attn::cli;
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    WeightsFile file;
    try {
        file = parse_weights(bytes, "fuzz.safetensors");
    } catch (const InputError&) {
        return 0;  // a precise error is the expected outcome for a broken file
    }

    // What the header promised.
    require(size >= 8);
    const std::uint64_t buffer = size - 8 - header_length(data);
    std::size_t covered = 0;
    for (const Tensor& t : file.tensors) {
        std::size_t n = 1;
        for (std::size_t d : t.shape) n *= d;
        require(n == t.element_count() && n <= attn::kMaxElements);
        if (t.converted) {
            require(t.values.size() == n);
            for (float v : t.values) require(std::isfinite(v));
        } else {
            require(t.values.empty());
        }
        require(t.begin == covered && t.end >= t.begin);  // in data order, no hole, no overlap
        covered = t.end;
    }
    require(covered == buffer);

    // The CLI's path from here on.
    try {
        const ExternalParams params = multihead_params(file, std::nullopt);
        const Spec spec = parse_spec(kSpec, "fuzz.json", &params);
        const ComputeResult r = run_spec(spec);
        for (std::size_t i = 0; i < r.output.rows(); ++i)
            for (std::size_t j = 0; j < r.output.cols(); ++j) require(std::isfinite(r.output(i, j)));
        for (const auto& w : r.weights)
            for (std::size_t i = 0; i < w.rows(); ++i)
                for (std::size_t j = 0; j < w.cols(); ++j) require(w(i, j) >= 0.0f && w(i, j) <= 1.0f);
    } catch (const InputError&) {
        // missing or misshapen parameters, several layers, results too large for float
    }
    return 0;
}
