// compute.cpp: `attnlab compute`: input → spec → result → outputs, and errors → exit codes.
//
// Order matters for "no partial output": everything (parsing, computing, rendering JSON,
// CSV and PNG into memory) happens before the first file is opened.
#include "compute.hpp"

#include <cstdio>
#include <vector>

#include "errors.hpp"
#include "example.hpp"
#include "input.hpp"
#include "output.hpp"
#include "spec.hpp"
#include "weights_file.hpp"

namespace attn::cli {

namespace {

// The --weights file, with problems reported against the option (a spec's are against its path).
std::string read_weights(const std::string& path) {
    try {
        return read_input(path == "-" ? "./-" : path);  // stdin is the spec's; "-" here is a file name
    } catch (const InputError& e) {
        throw InputError("--weights", path + ": " + e.problem());
    }
}

int compute(const ComputeOptions& options) {
    if (!options.example && options.spec_path.empty())
        throw InputError("SPEC", "missing; give a spec file, - to read it from stdin, or --example");

    // The weights file first: parse_spec takes the parameters it supplies.
    std::optional<ExternalParams> external;
    if (options.weights_path)
        external = multihead_params(parse_weights(read_weights(*options.weights_path), *options.weights_path),
                                    options.weights_prefix);
    const Spec spec = options.example ? example_spec()
                                      : parse_spec(read_input(options.spec_path),
                                                   options.spec_path == "-" ? "stdin" : options.spec_path,
                                                   external ? &*external : nullptr);
    const ComputeResult result = run_spec(spec);

    const bool json_to_stdout = options.output_path == "-" || (options.output_path.empty() && !options.example);
    const std::string json = result_json(result);
    std::vector<OutputFile> files;
    if (!options.output_path.empty() && options.output_path != "-") files.push_back({"-o", options.output_path, json});
    if (!options.csv_path.empty()) files.push_back({"--csv", options.csv_path, weights_csv(result)});
    if (!options.png_path.empty()) files.push_back({"--png", options.png_path, weights_png(result)});
    for (std::size_t i = 0; i < files.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (files[i].path == files[j].path)
                throw InputError(files[i].option,
                                 "writes to " + files[i].path + ", the same file as " + files[j].option);

    write_files(files);
    if (options.example) write_stdout(example_report(spec, result));
    if (json_to_stdout) write_stdout(json);
    return kExitOk;
}

}  // namespace

int run_compute(const ComputeOptions& options) {
    return run_reporting_errors([&] { return compute(options); });
}

}  // namespace attn::cli
