// model_commands.hpp: the commands that train and use models (issue 11):
//
//   attnlab train --task T [--length n] [--vocab V] [--k K] [--noise S] [--layers L] [--heads H]
//                 [--d-model E] [--d-ff F] [--positions P] [--activation A] [--lr X] [--batch B]
//                 [--warmup W] [--clip C] [--weight-decay D] [--steps N] [--seed S] [--threads T]
//                 -o MODEL.safetensors
//   attnlab eval MODEL.safetensors [--examples K] [--seed S] [--json]
//   attnlab grad MODEL.safetensors BATCH.json -o GRADS.safetensors
//   attnlab attend MODEL.safetensors "3 1 4 1 5" [--json] [--png FILE]
//   attnlab train --task dates [--emb E] [--enc-hidden H] [--dec-hidden D] [--attn-hidden A] [--lr X]
//                 [--batch B] [--warmup W] [--clip C] [--weight-decay D] [--steps N] [--seed S] -o MODEL
//   attnlab translate MODEL.safetensors "23 Nov 2026" [--json] [--png FILE]
// eval and grad take either kind of model file (the config's "model" says which); a dates
// model's BATCH.json is {"source": ["23 Nov 2026", ...], "target": ["2026-11-23", ...]}.
//
// Options arrive as text and are checked here, each against its own range, so a problem reads
// "--heads: 3 does not divide --d-model 32" rather than a conversion error. Every command
// prints at most one error line and writes its files all-or-nothing (output.hpp). A training
// run that diverges (loss or gradients NaN/inf) stops with kExitDiverged and writes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "attn/train/trainer.hpp"

namespace attn::cli {

inline constexpr int kExitDiverged = 3;  // training stopped: the loss or the gradients were not finite

struct TrainOptions {
    std::optional<std::string> task, length, vocab, k, noise, layers, heads, d_model, d_ff, positions, activation, lr,
        batch, warmup, clip, weight_decay, steps, seed, threads;
    std::optional<std::string> emb, enc_hidden, dec_hidden, attn_hidden;  // --task dates
    std::string output;                                                   // -o
};

// A checked training run: the recipe (defaults of the task with the options applied), the
// seed and the file to write.
struct TrainPlan {
    TrainRecipe recipe;
    std::uint64_t seed = 0;
    std::string output;
};

// Throws InputError naming the option.
TrainPlan plan_train(const TrainOptions& options);

struct EvalOptions {
    std::string model;
    std::optional<std::string> examples, seed;
    bool json = false;
};

struct GradOptions {
    std::string model, batch, output;
};

struct AttendOptions {
    std::string model, input, png;
    bool json = false;
};

int run_train(const TrainOptions& options);
int run_eval(const EvalOptions& options);
int run_grad(const GradOptions& options);
int run_attend(const AttendOptions& options);

struct TranslateOptions {
    std::string model, input, png;
    bool json = false;
};
int run_translate(const TranslateOptions& options);

// The footer of `attnlab train --help`: each task's defaults.
std::string train_help();

}  // namespace attn::cli
