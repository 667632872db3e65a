// main.cpp: the attnlab command line. Arguments only; the work is in compute.cpp and
// model_commands.cpp.
//
//   attnlab --version
//   attnlab compute SPEC.json|- [-o OUT.json] [--csv FILE] [--png FILE]
//   attnlab compute --example [-o OUT.json] [--csv FILE] [--png FILE]
//   attnlab compute SPEC.json --weights FILE.safetensors [--weights-prefix PREFIX] [...]
//   attnlab train --task T [options] -o MODEL.safetensors
//   attnlab eval MODEL.safetensors [--examples K] [--seed S] [--json]
//   attnlab grad MODEL.safetensors BATCH.json -o GRADS.safetensors
//   attnlab attend MODEL.safetensors "3 1 4 1 5" [--json] [--png FILE]
//   attnlab translate MODEL.safetensors "23 Nov 2026" [--json] [--png FILE]
#include <CLI/CLI.hpp>

#include <optional>

#include "attn/kernels.hpp"
#include "compute.hpp"
#include "errors.hpp"
#include "input.hpp"
#include "model_commands.hpp"
#include "spec.hpp"

namespace {

// An option whose text is kept as given (checked by the command, which names the option in
// its message rather than CLI11's conversion error).
CLI::Option* text_option(CLI::App* app, const std::string& name, std::optional<std::string>& target,
                         const std::string& help, const std::string& type) {
    return app
        ->add_option_function<std::string>(
            name, [&target](const std::string& v) { target = v; }, help)
        ->type_name(type);
}

}  // namespace

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

    TrainOptions train_options;
    CLI::App* train =
        app.add_subcommand("train", "Train a Transformer on a toy task and write it as a safetensors model file");
    text_option(train, "--task", train_options.task, "copy, reverse, sort, induction, series or dates", "T");
    text_option(train, "--length", train_options.length, "Input length n", "N");
    text_option(train, "--vocab", train_options.vocab, "Tokens 0..V-1 (token tasks)", "V");
    text_option(train, "--k", train_options.k, "Copied segment length (induction)", "K");
    text_option(train, "--noise", train_options.noise, "Noise standard deviation (series)", "S");
    text_option(train, "--layers", train_options.layers, "Encoder layers", "L");
    text_option(train, "--heads", train_options.heads, "Attention heads (divides --d-model)", "H");
    text_option(train, "--d-model", train_options.d_model, "Model width", "E");
    text_option(train, "--d-ff", train_options.d_ff, "Feed-forward width", "F");
    text_option(train, "--positions", train_options.positions, "learned or sinusoidal", "P");
    text_option(train, "--activation", train_options.activation, "relu or gelu (exact)", "A");
    text_option(train, "--emb", train_options.emb, "Embedding width (dates)", "E");
    text_option(train, "--enc-hidden", train_options.enc_hidden, "Encoder GRU width per direction (dates)", "H");
    text_option(train, "--dec-hidden", train_options.dec_hidden, "Decoder GRUCell width (dates)", "D");
    text_option(train, "--attn-hidden", train_options.attn_hidden, "Additive attention width (dates)", "A");
    text_option(train, "--lr", train_options.lr, "Learning rate (AdamW; Adam for dates)", "X");
    text_option(train, "--batch", train_options.batch, "Sequences per step", "B");
    text_option(train, "--warmup", train_options.warmup, "Linear warm-up steps (0 = none)", "W");
    text_option(train, "--clip", train_options.clip, "Clip the gradient norm to this (0 = no clipping)", "C");
    text_option(train, "--weight-decay", train_options.weight_decay, "AdamW's decoupled weight decay", "D");
    text_option(train, "--steps", train_options.steps, "Optimizer steps", "N");
    text_option(train, "--seed", train_options.seed, "Seed of the initialisation and of the data", "S");
    text_option(train, "--threads", train_options.threads,
                "Threads (0 = every core; default 1; the result is the same on any number; not dates)", "T");
    train->add_option("-o,--output", train_options.output, "The model file to write")->type_name("MODEL.safetensors");
    train->footer(train_help());

    EvalOptions eval_options;
    CLI::App* eval = app.add_subcommand("eval", "Held-out accuracy and loss of a model file on its task");
    eval->add_option("MODEL", eval_options.model, "A model file (attnlab train's, or PyTorch's in that layout)")
        ->type_name("MODEL.safetensors")
        ->required();
    text_option(eval, "--examples", eval_options.examples, "Held-out examples (default 1000)", "K");
    text_option(eval, "--seed", eval_options.seed,
                "Held-out examples of this run seed (default: the file's training seed; never its training batches)",
                "S");
    eval->add_flag("--json", eval_options.json, "Print the numbers as JSON");
    eval->footer(
        "Token tasks: token accuracy (argmax) and exact match (every position right) of the held-out examples,\n"
        "and the mean cross-entropy. induction counts the copied tokens after the first of each copy (those an\n"
        "induction head can predict). series: the mean squared error, and that of predicting the last value.");

    GradOptions grad_options;
    CLI::App* grad = app.add_subcommand("grad", "The loss of a batch and the gradient of every parameter");
    grad->add_option("MODEL", grad_options.model, "A model file")->type_name("MODEL.safetensors")->required();
    grad->add_option("BATCH", grad_options.batch, "The batch (JSON), or - to read it from stdin")
        ->type_name("BATCH.json|-")
        ->required();
    grad->add_option("-o,--output", grad_options.output,
                     "The gradients file to write (same names and shapes as the model's)")
        ->type_name("GRADS.safetensors");
    grad->footer(
        "BATCH.json: {\"input\": [[ids]], \"target\": [[ids, -100 = ignore]]} (values instead of ids for a series\n"
        "model), rows of one length up to the model's max_len. The loss is the mean cross-entropy over the targets\n"
        "not ignored (series: the mean squared error); GRADS.safetensors holds d loss / d parameter for every\n"
        "tensor (F32), with __metadata__ {\"loss\", \"targets\"}, as PyTorch's .grad after loss.backward().");

    AttendOptions attend_options;
    CLI::App* attend = app.add_subcommand("attend", "A model's prediction for one input and every head's attention");
    attend->add_option("MODEL", attend_options.model, "A model file")->type_name("MODEL.safetensors")->required();
    attend->add_option("INPUT", attend_options.input, "Token ids (or values, for series) separated by spaces")
        ->type_name("\"3 1 4 1 5\"")
        ->required();
    attend->add_flag("--json", attend_options.json, "Print the input, prediction and weights as JSON");
    attend
        ->add_option("--png", attend_options.png,
                     "Write the weights as a heatmap: one panel per layer and head, in order")
        ->type_name("FILE");
    attend->footer(
        "Prints the prediction at every position (causal models: of the next entry) and, for each layer and\n"
        "head, the attention weights (rows: queries, columns: keys; \u00b7 = masked). Values starting with -\n"
        "go after -- (options before it): attnlab attend series.safetensors --json -- \"-0.5 0.1 0.7\".");

    TranslateOptions translate_options;
    CLI::App* translate =
        app.add_subcommand("translate", "Translate a date with a dates model and show where each character looked");
    translate->add_option("MODEL", translate_options.model, "A dates model file (attnlab train --task dates)")
        ->type_name("MODEL.safetensors")
        ->required();
    translate->add_option("INPUT", translate_options.input, "The text to translate")
        ->type_name("\"23 Nov 2026\"")
        ->required();
    translate->add_flag("--json", translate_options.json,
                        "Print the output, each character's probability and the attention as JSON");
    translate->add_option("--png", translate_options.png, "Write the alignment (output × source) as a heatmap")
        ->type_name("FILE");
    translate->footer(
        "Greedy decoding from <bos> until <eos>. Prints the translation and the alignment table: one row per output\n"
        "character (with its probability), one column per source character, each row the attention weights of\n"
        "that decoder step. Characters the model's vocabulary lacks are read as <unk> (shown as ?).");

    // CLI11 would report an unknown command as "A subcommand is required"; name it instead.
    const std::string first = argc > 1 ? argv[1] : "";
    if (argc > 1 && argv[1][0] != '-' && first != "compute" && first != "train" && first != "eval" && first != "grad" &&
        first != "attend" && first != "translate") {
        print_error("usage: unknown command \"" + first +
                    "\"; the commands are compute, train, eval, grad, attend and translate (see attnlab --help)");
        return kExitBadInput;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
        // Usage errors are one line too, in the same "attnlab: ..." form as input errors.
        const std::string command =
            first == "train" || first == "eval" || first == "grad" || first == "attend" || first == "translate"
                ? first
                : "compute";
        print_error(std::string("usage: ") + e.what() + " (see attnlab " + command + " --help)");
        return kExitBadInput;
    }
    if (train->parsed()) return run_train(train_options);
    if (eval->parsed()) return run_eval(eval_options);
    if (grad->parsed()) return run_grad(grad_options);
    if (attend->parsed()) return run_attend(attend_options);
    if (translate->parsed()) return run_translate(translate_options);
    return run_compute(options);
}
