// main.cpp: the attnlab command line. Arguments only; the work is in compute.cpp.
//
//   attnlab --version
//   attnlab compute SPEC.json|- [-o OUT.json] [--csv FILE] [--png FILE]
//   attnlab compute --example [-o OUT.json] [--csv FILE] [--png FILE]
//   attnlab compute SPEC.json --weights FILE.safetensors [--weights-prefix PREFIX] [...]
#include <CLI/CLI.hpp>

#include "attn/kernels.hpp"
#include "compute.hpp"
#include "errors.hpp"
#include "spec.hpp"

#ifndef ATTN_VERSION
#define ATTN_VERSION "unknown"
#endif

int main(int argc, char** argv) {
    using namespace attn::cli;
    CLI::App app{"attnlab: attention mechanisms from the command line", "attnlab"};
    app.set_version_flag("--version",
                         std::string("attnlab ") + ATTN_VERSION + " (kernels: " + attn::active_backend() + ")");
    app.require_subcommand(1);

    ComputeOptions options;
    CLI::App* compute = app.add_subcommand("compute", "Compute attention from a JSON spec (or the built-in example)");
    CLI::Option* spec = compute->add_option("SPEC", options.spec_path, "Spec file (JSON), or - to read it from stdin")
                            ->type_name("SPEC.json|-");
    compute->add_flag("--example", options.example, "Run the built-in example and print its weights as a table")
        ->excludes(spec);
    compute->add_option("-o,--output", options.output_path, "Write the result JSON to this file instead of stdout")
        ->type_name("OUT.json");
    compute->add_option("--csv", options.csv_path, "Write the attention weights as CSV (format below)")
        ->type_name("FILE");
    compute->add_option("--png", options.png_path, "Write the attention weights as a PNG heatmap")->type_name("FILE");
    CLI::Option* weights =
        compute
            ->add_option_function<std::string>(
                "--weights", [&options](const std::string& p) { options.weights_path = p; },
                "Take multi_head parameters from a safetensors file (a PyTorch state_dict; see below)")
            ->type_name("FILE.safetensors")
            ->excludes("--example");
    compute
        ->add_option_function<std::string>(
            "--weights-prefix", [&options](const std::string& p) { options.weights_prefix = p; },
            "Name prefix of the layer's tensors in the --weights file, e.g. encoder.layers.0.self_attn.")
        ->type_name("PREFIX")
        ->needs(weights);
    compute->footer(spec_help());

    // CLI11 would report an unknown command as "A subcommand is required"; name it instead.
    if (argc > 1 && argv[1][0] != '-' && std::string(argv[1]) != "compute") {
        print_error(std::string("usage: unknown command \"") + argv[1] +
                    "\"; the command is compute (see attnlab --help)");
        return kExitBadInput;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
        // Usage errors are one line too, in the same "attnlab: ..." form as input errors.
        print_error(std::string("usage: ") + e.what() + " (see attnlab compute --help)");
        return kExitBadInput;
    }
    return run_compute(options);
}
