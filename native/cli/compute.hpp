// compute.hpp: the `attnlab compute` command: read a spec (or the built-in example), run
// it, write the outputs. Returns the process exit code; prints at most one error line.
#pragma once

#include <optional>
#include <string>

namespace attn::cli {

struct ComputeOptions {
    std::string spec_path;  // a file, "-" for stdin, or empty with example
    bool example = false;
    std::string output_path;                    // -o: result JSON; empty or "-" = stdout
    std::string csv_path;                       // --csv
    std::string png_path;                       // --png
    std::optional<std::string> weights_path;    // --weights: a safetensors file of multi-head parameters
    std::optional<std::string> weights_prefix;  // --weights-prefix (given, possibly empty)
};

int run_compute(const ComputeOptions& options);

}  // namespace attn::cli
