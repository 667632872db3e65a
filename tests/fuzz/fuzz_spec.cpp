// libFuzzer target: the `attnlab compute` spec parser and the computation behind it.
// Any input must end in a result or an InputError/attn::Error; a successful result must be
// finite (the CLI promises no NaN/Inf in its output).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>

#include "spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const attn::cli::Spec spec = attn::cli::parse_spec(text, "fuzz");
        const attn::cli::ComputeResult r = attn::cli::run_spec(spec);
        for (std::size_t i = 0; i < r.output.rows(); ++i)
            for (std::size_t j = 0; j < r.output.cols(); ++j)
                if (!std::isfinite(r.output(i, j))) std::abort();
        for (const auto& w : r.weights)
            for (std::size_t i = 0; i < w.rows(); ++i)
                for (std::size_t j = 0; j < w.cols(); ++j)
                    if (!(w(i, j) >= 0.0f && w(i, j) <= 1.0f)) std::abort();
    } catch (const std::exception&) {
        // a precise error is the expected outcome for bad input
    }
    return 0;
}
