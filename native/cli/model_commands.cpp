// model_commands.cpp: attnlab train, eval, grad and attend; see model_commands.hpp.
//
// [SECTION] Option values
// [SECTION] train: the plan
// [SECTION] train: progress
// [SECTION] train: the run
// [SECTION] Model files
// [SECTION] eval
// [SECTION] grad
// [SECTION] attend
// [SECTION] dates: the seq2seq translator (train, eval, grad, translate)
// [SECTION] Help
//
// As in compute: everything (training, evaluating, rendering) happens before the first file
// is opened, and files are written all-or-nothing.
#include "model_commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "attn/mask.hpp"
#include "attn/train/model_file.hpp"
#include "attn/train/seq2seq_file.hpp"
#include "attn/train/seq2seq_trainer.hpp"
#include "json_reader.hpp"
#include "batch_file.hpp"
#include "errors.hpp"
#include "export.hpp"
#include "input.hpp"
#include "json_text.hpp"
#include "output.hpp"

namespace attn::cli {

namespace {

std::string str(std::uint64_t x) { return std::to_string(x); }

std::string fixed(double x, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
    return buf;
}

std::string percent(double x) { return fixed(100.0 * x, 2) + "%"; }

// A double for JSON output: up to 9 significant digits (enough for the float it came from).
std::string json_number(double x) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", x);
    return buf;
}

// =====================================================================================
// [SECTION] Option values
// =====================================================================================

std::string quote_arg(const std::string& s) { return "\"" + json_text::clip(s) + "\""; }

std::uint64_t whole(const std::optional<std::string>& text, const char* option, std::uint64_t fallback,
                    std::uint64_t lo, std::uint64_t hi, const std::string& why = "") {
    if (!text) return fallback;
    const std::string& s = *text;
    const std::string expected = "expected a whole number from " + str(lo) + " to " + str(hi) + why;
    if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string::npos)
        throw InputError(option, "is " + quote_arg(s) + ", " + expected);
    std::uint64_t v = 0;
    for (char c : s) {
        const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
        if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10)
            throw InputError(option, "is " + s + ", " + expected);
        v = v * 10 + d;
    }
    if (v < lo || v > hi) throw InputError(option, "is " + s + ", " + expected);
    return v;
}

// A finite number in [lo, hi] (or (lo, hi] when lo_open).
double real(const std::optional<std::string>& text, const char* option, double fallback, double lo, double hi,
            bool lo_open = false) {
    if (!text) return fallback;
    const std::string& s = *text;
    const std::string expected = std::string("expected a number ") + (lo_open ? "above " : "from ") + json_number(lo) +
                                 (lo_open ? " up to " : " to ") + json_number(hi);
    char* end = nullptr;
    const double v = s.empty() ? NAN : std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || std::isspace(static_cast<unsigned char>(s[0])) || !std::isfinite(v))
        throw InputError(option, "is " + quote_arg(s) + ", " + expected);
    if (v > hi || v < lo || (lo_open && v <= lo)) throw InputError(option, "is " + s + ", " + expected);
    return v;
}

std::string choice(const std::optional<std::string>& text, const char* option, const std::string& fallback,
                   const std::vector<std::string>& allowed) {
    if (!text) return fallback;
    for (const std::string& a : allowed)
        if (*text == a) return a;
    std::string list;
    for (std::size_t i = 0; i < allowed.size(); ++i)
        list += (i ? (i + 1 == allowed.size() ? " or " : ", ") : "") + allowed[i];
    throw InputError(option, "is " + quote_arg(*text) + ", expected " + list);
}

// =====================================================================================
// [SECTION] train: the plan
// =====================================================================================

// Limits of attnlab train (a teaching lab: small models that train in seconds to minutes).
constexpr std::uint64_t kMaxTrainLength = 512, kMaxTrainVocab = 65536, kMaxTrainLayers = 16, kMaxTrainDModel = 1024,
                        kMaxTrainDff = 4096, kMaxTrainBatch = 4096, kMaxTrainThreads = 256,
                        kMaxTrainSteps = 100'000'000, kMaxWarmup = 100'000'000;

const char* const kTasks = "copy, reverse, sort, induction, series or dates";

}  // namespace

TrainPlan plan_train(const TrainOptions& o) {
    if (!o.task) throw InputError("--task", std::string("missing; choose ") + kTasks);
    TaskKind kind;
    try {
        kind = parse_task(*o.task);
    } catch (const attn::Error&) {
        throw InputError("--task", "is " + quote_arg(*o.task) + ", expected " + kTasks);
    }
    for (const auto& [value, option] :
         {std::make_pair(&o.emb, "--emb"), std::make_pair(&o.enc_hidden, "--enc-hidden"),
          std::make_pair(&o.dec_hidden, "--dec-hidden"), std::make_pair(&o.attn_hidden, "--attn-hidden")})
        if (*value)
            throw InputError(option, "is an option of the dates task (the seq2seq model); the " +
                                         std::string(task_name(kind)) + " task trains a Transformer");
    TrainPlan plan;
    TrainRecipe& r = plan.recipe;
    r = default_recipe(kind);
    TaskConfig& t = r.task;
    const std::string name = task_name(kind);
    if (o.output.empty()) throw InputError("-o", "missing; give the model file to write, e.g. -o model.safetensors");

    t.length = whole(o.length, "--length", t.length, 1, kMaxTrainLength);
    if (!t.tokens() && o.vocab)
        throw InputError("--vocab", "the series task has no vocabulary (it reads and predicts values)");
    t.vocab = whole(o.vocab, "--vocab", t.vocab, 2, kMaxTrainVocab);
    if (kind != TaskKind::induction && o.k)
        throw InputError("--k", "is the induction task's copied segment length; the " + name + " task has none");
    if (kind == TaskKind::induction)
        t.k = whole(o.k, "--k", std::min<std::uint64_t>(t.k, (t.length + 1) / 2), 1, (t.length + 1) / 2,
                    " (a copy of k tokens needs length + 1 ≥ 2k; --length is " + str(t.length) + ")");
    if (kind != TaskKind::series && o.noise)
        throw InputError("--noise", "is the series task's noise; the " + name + " task has none");
    t.noise = static_cast<float>(real(o.noise, "--noise", t.noise, 0.0, 10.0));

    r.layers = whole(o.layers, "--layers", r.layers, 1, kMaxTrainLayers);
    r.d_model = whole(o.d_model, "--d-model", r.d_model, 1, kMaxTrainDModel);
    // Without --heads, the default when it divides d_model, else 1.
    const std::size_t default_heads = r.d_model % r.heads == 0 ? r.heads : 1;
    r.heads = whole(o.heads, "--heads", default_heads, 1, r.d_model, " (at most --d-model)");
    if (r.d_model % r.heads != 0)
        throw InputError("--heads", str(r.heads) + " does not divide --d-model " + str(r.d_model) +
                                        " (each head gets d_model / heads columns)");
    r.d_ff = whole(o.d_ff, "--d-ff", r.d_ff, 1, kMaxTrainDff);
    r.positions =
        choice(o.positions, "--positions", positions_name(r.positions), {"learned", "sinusoidal"}) == "learned"
            ? Positions::learned
            : Positions::sinusoidal;
    r.activation = choice(o.activation, "--activation", nn::activation_name(r.activation), {"relu", "gelu"}) == "relu"
                       ? nn::Activation::relu
                       : nn::Activation::gelu;

    r.optim.lr = real(o.lr, "--lr", r.optim.lr, 0.0, 10.0, true);
    r.batch = whole(o.batch, "--batch", r.batch, 1, kMaxTrainBatch);
    r.optim.warmup_steps = whole(o.warmup, "--warmup", r.optim.warmup_steps, 0, kMaxWarmup);
    r.optim.clip_norm = real(o.clip, "--clip", r.optim.clip_norm, 0.0, 1e6);
    r.optim.weight_decay = real(o.weight_decay, "--weight-decay", r.optim.weight_decay, 0.0, 10.0);
    r.steps = whole(o.steps, "--steps", r.steps, 0, kMaxTrainSteps);
    plan.seed = whole(o.seed, "--seed", 0, 0, std::numeric_limits<std::uint64_t>::max());
    // 0 = every core; more than the machine has runs on all of them (attn::resolve_threads)
    r.threads = whole(o.threads, "--threads", r.threads, 0, kMaxTrainThreads);
    plan.output = o.output;

    // Sizes the core can hold: every matrix ≤ 2^26 elements, the parameters ≤ 2^26 floats.
    const std::uint64_t B = r.batch, n = t.length, H = r.heads, E = r.d_model, F = r.d_ff;
    if (B * H * n * n > kMaxElements)
        throw InputError("--batch", str(B) + " sequences × " + str(H) + " heads × " + str(n) +
                                        "² attention weights are " + str(B * H * n * n) +
                                        " values, more than 2^26; use a smaller --batch or --length");
    if (B * n * std::max(F, 3 * E) > kMaxElements)
        throw InputError("--batch",
                         str(B) + " sequences × " + str(n) + " positions × " + str(std::max(F, 3 * E)) +
                             " activations are more than 2^26 values; use a smaller --batch, --d-ff or --d-model");
    std::uint64_t total = 0;
    for (const ParameterInfo& p : Transformer::layout(r.model())) total += p.count;
    if (total > kMaxElements)
        throw InputError("--d-model",
                         "the model would have " + str(total) +
                             " parameters, more than 2^26; use a smaller --d-model, --d-ff, --layers or --vocab");
    return plan;
}

namespace {

// =====================================================================================
// [SECTION] train: progress
// =====================================================================================

// Held-out examples checked while training (the final report uses kFinalExamples).
constexpr std::size_t kProgressExamples = 200, kFinalExamples = 1000;

std::string task_summary(const TaskConfig& t) {
    std::string s = std::string(task_name(t.kind)) + " (length " + str(t.length);
    if (t.tokens()) s += ", vocab " + str(t.vocab);
    if (t.kind == TaskKind::induction) s += ", k " + str(t.k);
    if (!t.tokens()) s += ", noise " + shortest_float_text(t.noise);
    return s + ")";
}

std::string model_summary(const TransformerConfig& c) {
    return str(c.layers) + (c.layers == 1 ? " layer" : " layers") + ", d_model " + str(c.d_model) + ", " +
           str(c.heads) + (c.heads == 1 ? " head" : " heads") + ", d_ff " + str(c.d_ff) + ", " +
           positions_name(c.positions) + " positions, " + nn::activation_name(c.activation) +
           (c.causal ? ", causal" : "");
}

// "held-out 97.50%" (token accuracy; "copied" for induction) or "held-out mse 0.0123".
std::string held_out_text(const Evaluation& e, const TaskConfig& t) {
    if (!t.tokens()) return "held-out mse " + fixed(e.loss, 4);
    return "held-out " + percent(e.token_accuracy) + (t.kind == TaskKind::induction ? " (copied tokens)" : "");
}

std::string duration(double seconds) {
    if (seconds < 10) return fixed(seconds, 1) + " s";
    if (seconds < 60) return fixed(seconds, 0) + " s";
    const auto s = static_cast<long long>(seconds + 0.5);
    return std::to_string(s / 60) + " min " + (s % 60 < 10 ? "0" : "") + std::to_string(s % 60) + " s";
}

class Progress {
public:
    Progress(std::size_t total, bool tty) : total_(total), tty_(tty), start_(Clock::now()), drawn_(start_) {}

    double elapsed() const { return seconds(Clock::now() - start_); }

    // After step `step` (from 1): mean loss since the last report; redraws the bar (terminal,
    // at most 10 times a second) or prints a line (report = true).
    void step(std::size_t step, float loss, const std::string& held_out, bool report) {
        loss_sum_ += loss;
        ++loss_count_;
        const auto now = Clock::now();
        if (!report && !(tty_ && seconds(now - drawn_) >= 0.1)) return;
        drawn_ = now;
        const double t = seconds(now - start_), rate = t > 0 ? static_cast<double>(step) / t : 0.0;
        const std::string stats = str(step) + "/" + str(total_) + "  loss " + fixed(loss_sum_ / loss_count_, 4) + "  " +
                                  held_out + "  " + fixed(rate, 0) + " steps/s  ETA " +
                                  duration(rate > 0 ? static_cast<double>(total_ - step) / rate : 0.0);
        if (tty_) {
            constexpr std::size_t kWidth = 24;
            const std::size_t filled = total_ ? kWidth * step / total_ : kWidth;
            const std::string bar = std::string(filled, '#') + std::string(kWidth - filled, '.');
            line("\r[" + bar + "] " + stats + "\x1b[K");
        } else if (report) {
            line("step " + stats + "\n");
        }
        if (report) loss_sum_ = 0, loss_count_ = 0;
    }

    // Ends the bar's line on a terminal.
    void finish() {
        if (tty_) line("\n");
    }

private:
    using Clock = std::chrono::steady_clock;
    static double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
    static void line(const std::string& s) {
        std::fwrite(s.data(), 1, s.size(), stderr);
        std::fflush(stderr);
    }

    std::size_t total_;
    bool tty_;
    Clock::time_point start_, drawn_;
    double loss_sum_ = 0.0;
    std::size_t loss_count_ = 0;
};

// =====================================================================================
// [SECTION] train: the run
// =====================================================================================

std::string training_metadata(const TrainPlan& p) {
    const AdamConfig& o = p.recipe.optim;
    return "{\"optimizer\":\"adamw\",\"lr\":" + json_number(o.lr) + ",\"batch\":" + str(p.recipe.batch) +
           ",\"warmup\":" + str(o.warmup_steps) + ",\"clip\":" + json_number(o.clip_norm) +
           ",\"weight_decay\":" + json_number(o.weight_decay) + ",\"seed\":" + str(p.seed) + "}";
}

int train(const TrainOptions& options) {
    const TrainPlan plan = plan_train(options);
    const TrainRecipe& r = plan.recipe;
    Transformer model(r.model());
    model.init(plan.seed);
    Trainer trainer(model, r.task, r.optim, r.batch, training_data_seed(plan.seed), r.threads);
    const std::uint64_t held_seed = held_out_seed(plan.seed);

    Progress progress(r.steps, ::isatty(::fileno(stderr)) == 1);
    const std::size_t every = std::max<std::size_t>(1, r.steps / 10);
    std::string held_out = "held-out -";
    for (std::size_t s = 1; s <= r.steps; ++s) {
        float loss;
        try {
            loss = trainer.step();
        } catch (const DivergedError& e) {
            progress.finish();
            std::string hint = "try a smaller --lr than " + json_number(r.optim.lr);
            if (r.optim.lr * r.optim.weight_decay >= 1.0) hint += ", and a --weight-decay below 1/lr";
            if (r.optim.clip_norm == 0.0) hint += ", or --clip 1";
            print_error("training: " + std::string(e.what()) + "; no model written (" + hint + ")");
            return kExitDiverged;
        }
        const bool report = s % every == 0 || s == r.steps;
        if (report) held_out = held_out_text(evaluate(model, r.task, kProgressExamples, held_seed), r.task);
        progress.step(s, loss, held_out, report);
    }
    progress.finish();
    const double seconds = progress.elapsed();

    const Evaluation e = evaluate(model, r.task, kFinalExamples, held_seed);
    const std::string bytes =
        write_model_file(model, r.task, r.steps, {{"seed", str(plan.seed)}, {"training", training_metadata(plan)}});
    write_files({{"-o", plan.output, bytes}});

    std::string out = "trained " + task_summary(r.task) + " for " + str(r.steps) + " steps in " + duration(seconds);
    if (r.steps && seconds > 0) out += " (" + fixed(static_cast<double>(r.steps) / seconds, 0) + " steps/s)";
    out += "\n";
    if (r.task.tokens())
        out += "held-out (" + str(e.examples) +
               " examples): " + (r.task.kind == TaskKind::induction ? "copied-token accuracy " : "token accuracy ") +
               percent(e.token_accuracy) + ", exact match " + percent(e.exact_match) + ", loss " + fixed(e.loss, 4) +
               "\n";
    else
        out += "held-out (" + str(e.examples) + " examples): mse " + fixed(e.loss, 4) + ", predicting the last value " +
               fixed(e.baseline_mse, 4) + "\n";
    out += "model: " + model_summary(model.config()) + "; " + str(model.parameters().total()) + " parameters -> " +
           plan.output + "\n";
    write_stdout(out);
    return kExitOk;
}

// =====================================================================================
// [SECTION] Model files
// =====================================================================================

// The model file at path; its problems read "<path>: <where>: <problem>".
ModelFile load_model(const std::string& path) {
    const std::string bytes = read_input(path == "-" ? "./-" : path);  // a file named "-", not stdin
    try {
        return read_model_file(bytes);
    } catch (const attn::Error& e) {
        throw InputError(path, e.field().empty() ? e.problem() : e.field() + ": " + e.problem());
    }
}

// The training seed a model file records (attnlab train writes it), or 0.
std::uint64_t recorded_seed(const ModelFile& f) {
    const std::string* s = f.find_metadata("seed");
    if (!s || s->empty() || s->size() > 19 || s->find_first_not_of("0123456789") != std::string::npos) return 0;
    return std::stoull(*s);
}

// =====================================================================================
// [SECTION] eval
// =====================================================================================

int eval(const EvalOptions& o) {
    const std::size_t examples = whole(o.examples, "--examples", kFinalExamples, 1, 1'000'000);
    ModelFile f = load_model(o.model);
    const std::uint64_t seed = whole(o.seed, "--seed", recorded_seed(f), 0, std::numeric_limits<std::uint64_t>::max());
    const TaskConfig& t = f.config.task;
    const Evaluation e = evaluate(*f.model, t, examples, held_out_seed(seed));
    std::string out;
    if (o.json) {
        out = "{\"task\": \"" + std::string(task_name(t.kind)) + "\", \"step\": " + str(f.step) +
              ", \"examples\": " + str(e.examples) + ", \"seed\": " + str(seed);
        if (t.tokens())
            out += ", \"scored\": " + str(e.scored) + ", \"token_accuracy\": " + json_number(e.token_accuracy) +
                   ", \"exact_match\": " + json_number(e.exact_match) + ", \"loss\": " + json_number(e.loss) +
                   ", \"scored_loss\": " + json_number(e.scored_loss);
        else
            out += ", \"mse\": " + json_number(e.loss) + ", \"baseline_mse\": " + json_number(e.baseline_mse);
        out += "}\n";
    } else {
        out = task_summary(t) + ", step " + str(f.step) + ": " + str(e.examples) + " held-out examples (seed " +
              str(seed) + ")\n";
        const auto right = static_cast<std::size_t>(std::llround(e.token_accuracy * static_cast<double>(e.scored)));
        const auto exact = static_cast<std::size_t>(std::llround(e.exact_match * static_cast<double>(e.examples)));
        if (t.kind == TaskKind::induction) {
            out += "copied-token accuracy  " + percent(e.token_accuracy) + "  (" + str(right) + " of " + str(e.scored) +
                   " tokens of the copies after their first)\n";
            out += "exact match            " + percent(e.exact_match) + "  (" + str(exact) + " of " + str(e.examples) +
                   " examples with every copied token right)\n";
            out += "loss on copied tokens  " + fixed(e.scored_loss, 4) + "\n";
            out += "loss on every token    " + fixed(e.loss, 4) + "\n";
        } else if (t.tokens()) {
            out += "token accuracy  " + percent(e.token_accuracy) + "  (" + str(right) + " of " + str(e.scored) +
                   " tokens)\n";
            out += "exact match     " + percent(e.exact_match) + "  (" + str(exact) + " of " + str(e.examples) +
                   " examples)\n";
            out += "loss            " + fixed(e.loss, 4) + "\n";
        } else {
            out += "mse                          " + fixed(e.loss, 4) + "\n";
            out += "mse predicting the last value " + fixed(e.baseline_mse, 4);
            if (e.loss > 0) out += "  (the model's error is " + fixed(e.baseline_mse / e.loss, 1) + "× smaller)";
            out += "\n";
        }
    }
    write_stdout(out);
    return kExitOk;
}

// =====================================================================================
// [SECTION] grad
// =====================================================================================

int grad(const GradOptions& o) {
    if (o.output.empty())
        throw InputError("-o", "missing; give the gradients file to write, e.g. -o grads.safetensors");
    ModelFile f = load_model(o.model);
    const std::string batch_path = o.batch == "-" ? "stdin" : o.batch;
    const Batch b = parse_batch(read_input(o.batch), batch_path, f.model->config());
    Transformer& m = *f.model;
    float loss;
    if (m.config().input == ModelInput::tokens) {
        m.forward(b.input.data(), b.size, b.length);
        loss = m.cross_entropy_loss(b.target.data());
    } else {
        m.forward_series(b.input_values.data(), b.size, b.length);
        loss = m.mse_loss(b.target_values.data());
    }
    m.backward();
    std::string bytes;
    try {
        bytes = write_gradients_file(m, loss, b.targets);
    } catch (const attn::Error& e) {
        // A finite model and batch can still overflow float (weights near 1e38).
        throw InputError(o.model,
                         std::string("the loss or a gradient is not finite for this batch (") + e.what() + ")");
    }
    write_files({{"-o", o.output, bytes}});
    write_stdout("loss " + shortest_float_text(loss) + " (mean over " + str(b.targets) + " targets of " + str(b.size) +
                 " × " + str(b.length) + "); gradients of " + str(m.parameters().size()) + " tensors -> " + o.output +
                 "\n");
    return kExitOk;
}

// =====================================================================================
// [SECTION] attend
// =====================================================================================

// "3 1 4 1 5" → ids (token models) or values (series models).
struct Sequence {
    std::vector<std::int32_t> tokens;
    std::vector<float> values;
    std::vector<std::string> labels;
};

Sequence parse_sequence(const std::string& text, const TransformerConfig& c) {
    Sequence s;
    std::vector<std::string> words;
    std::string w;
    for (char ch : text + " ") {
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == ',') {
            if (!w.empty()) words.push_back(w);
            w.clear();
        } else {
            w += ch;
        }
    }
    const bool tokens = c.input == ModelInput::tokens;
    if (words.empty())
        throw InputError("INPUT",
                         std::string("is empty; give ") + (tokens ? "token ids" : "values") + ", e.g. \"3 1 4 1 5\"");
    if (words.size() > c.max_len)
        throw InputError("INPUT",
                         "has " + str(words.size()) + " entries, more than the model's max_len " + str(c.max_len));
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string where = "entry " + str(i) + " " + quote_arg(words[i]);
        if (tokens) {
            const std::optional<std::string> word = words[i];
            std::uint64_t id;
            try {
                id = whole(word, "INPUT", 0, 0, c.vocab - 1);
            } catch (const InputError&) {
                throw InputError("INPUT", where + " is not a token id of this model (0 to " + str(c.vocab - 1) + ")");
            }
            s.tokens.push_back(static_cast<std::int32_t>(id));
        } else {
            char* end = nullptr;
            const double v = std::strtod(words[i].c_str(), &end);
            if (end != words[i].c_str() + words[i].size() || !std::isfinite(v) || std::fabs(v) > 1e30)
                throw InputError("INPUT", where + " is not a number (finite, at most 1e30 in size)");
            s.values.push_back(static_cast<float>(v));
        }
        s.labels.push_back(words[i]);
    }
    return s;
}

Matrix copy_of(ConstMatrixView v) {
    Matrix m(v.rows, v.cols);
    for (std::size_t i = 0; i < v.rows; ++i)
        for (std::size_t j = 0; j < v.cols; ++j) m(i, j) = v(i, j);
    return m;
}

int attend(const AttendOptions& o) {
    ModelFile f = load_model(o.model);
    Transformer& m = *f.model;
    const TransformerConfig& c = m.config();
    const Sequence s = parse_sequence(o.input, c);
    const std::size_t n = s.labels.size();
    const ConstMatrixView y =
        c.input == ModelInput::tokens ? m.forward(s.tokens.data(), 1, n) : m.forward_series(s.values.data(), 1, n);
    std::vector<std::string> prediction;
    for (std::size_t t = 0; t < n; ++t) {
        if (c.input == ModelInput::series) {
            prediction.push_back(ui::format_number(y(t, 0)));
            continue;
        }
        std::size_t best = 0;
        for (std::size_t v = 1; v < y.cols; ++v)
            if (y(t, v) > y(t, best)) best = v;
        prediction.push_back(str(best));
    }
    std::vector<ConstMatrixView> panels;  // layer by layer, head by head
    for (std::size_t l = 0; l < c.layers; ++l)
        for (std::size_t h = 0; h < c.heads; ++h) panels.push_back(m.attention(l, 0, h));

    std::vector<OutputFile> files;
    if (!o.png.empty()) {
        try {
            files.push_back(
                {"--png", o.png, ui::heatmap_png(panels, ui::Colormap::viridis, ui::range_from_zero(panels))});
        } catch (const ui::ExportError& e) {
            throw InputError("--png", e.what());
        }
    }

    std::string out;
    if (o.json) {
        out = "{\n  \"input\": [";
        for (std::size_t t = 0; t < n; ++t)
            out +=
                (t ? ", " : "") + (c.input == ModelInput::tokens ? str(s.tokens[t]) : ui::format_number(s.values[t]));
        out += "],\n  \"prediction\": [";
        for (std::size_t t = 0; t < n; ++t) out += (t ? ", " : "") + prediction[t];
        out += "],\n  \"attention\": [\n";
        for (std::size_t l = 0; l < c.layers; ++l) {
            out += "    [\n";
            for (std::size_t h = 0; h < c.heads; ++h) {
                const ConstMatrixView w = panels[l * c.heads + h];
                out += "      [";
                for (std::size_t i = 0; i < w.rows; ++i) {
                    out += i ? ",\n       [" : "[";
                    for (std::size_t j = 0; j < w.cols; ++j) out += (j ? ", " : "") + ui::format_number(w(i, j));
                    out += "]";
                }
                out += h + 1 < c.heads ? "],\n" : "]\n";
            }
            out += l + 1 < c.layers ? "    ],\n" : "    ]\n";
        }
        out += "  ]\n}\n";
    } else {
        const bool causal = c.causal;
        const std::string pred_label = causal ? "next" : "output";
        std::size_t w = std::max(pred_label.size(), std::string("input").size());
        std::size_t cell = 1;
        for (std::size_t t = 0; t < n; ++t) cell = std::max({cell, s.labels[t].size(), prediction[t].size()});
        auto row = [&](const std::string& label, const std::vector<std::string>& cells) {
            std::string r = label + std::string(w - label.size(), ' ');
            for (const std::string& x : cells) r += "  " + std::string(cell - x.size(), ' ') + x;
            return r + "\n";
        };
        out += task_summary(f.config.task) + ", step " + str(f.step) + "\n";
        out += row("input", s.labels);
        out += row(pred_label, prediction);
        if (causal) out += "(next: the model's prediction of the entry after each position)\n";
        const Mask mask = causal ? Mask::causal() : Mask::none();
        for (std::size_t l = 0; l < c.layers; ++l)
            for (std::size_t h = 0; h < c.heads; ++h) {
                out += "\nlayer " + str(l) + ", head " + str(h) + " (rows: queries, columns: keys)\n";
                out += weights_table(copy_of(panels[l * c.heads + h]), s.labels, s.labels, mask);
            }
    }
    write_files(files);
    write_stdout(out);
    return kExitOk;
}

// =====================================================================================
// [SECTION] dates: the seq2seq translator (train, eval, grad, translate)
// =====================================================================================

// Limits of attnlab train --task dates.
constexpr std::uint64_t kMaxSeqEmb = 256, kMaxSeqHidden = 512;

std::string seq2seq_summary(const Seq2SeqConfig& c) {
    return "emb " + str(c.emb) + ", enc_hidden " + str(c.enc_hidden) + " (bidirectional), dec_hidden " +
           str(c.dec_hidden) + ", attn_hidden " + str(c.attn_hidden);
}

std::string dates_held_out_text(const DatesEvaluation& e) { return "held-out exact " + percent(e.exact_match); }

std::string alignment_text(const DatesEvaluation& e) {
    return "year " + fixed(e.year_mass, 3) + ", month " + fixed(e.month_mass, 3) + ", day " + fixed(e.day_mass, 3);
}

struct DatesPlan {
    DatesRecipe recipe;
    std::uint64_t seed = 0;
    std::string output;
};

DatesPlan plan_dates(const TrainOptions& o) {
    const std::pair<const std::optional<std::string>*, const char*> foreign[] = {
        {&o.length, "--length"},        {&o.vocab, "--vocab"},   {&o.k, "--k"},
        {&o.noise, "--noise"},          {&o.layers, "--layers"}, {&o.heads, "--heads"},
        {&o.d_model, "--d-model"},      {&o.d_ff, "--d-ff"},     {&o.positions, "--positions"},
        {&o.activation, "--activation"}};
    for (const auto& [value, option] : foreign)
        if (*value)
            throw InputError(option,
                             "is a Transformer option; the dates task trains the seq2seq_additive model (its "
                             "sizes are --emb, --enc-hidden, --dec-hidden and --attn-hidden)");
    if (o.threads)
        throw InputError("--threads", "the dates task trains on one thread (threads are for the Transformer tasks)");
    if (o.output.empty()) throw InputError("-o", "missing; give the model file to write, e.g. -o dates.safetensors");
    DatesPlan plan;
    DatesRecipe& r = plan.recipe;
    r = default_dates_recipe();
    r.model.emb = whole(o.emb, "--emb", r.model.emb, 1, kMaxSeqEmb);
    r.model.enc_hidden = whole(o.enc_hidden, "--enc-hidden", r.model.enc_hidden, 1, kMaxSeqHidden);
    r.model.dec_hidden = whole(o.dec_hidden, "--dec-hidden", r.model.dec_hidden, 1, kMaxSeqHidden);
    r.model.attn_hidden = whole(o.attn_hidden, "--attn-hidden", r.model.attn_hidden, 1, kMaxSeqHidden);
    r.optim.lr = real(o.lr, "--lr", r.optim.lr, 0.0, 10.0, true);
    r.batch = whole(o.batch, "--batch", r.batch, 1, 1024);
    r.optim.warmup_steps = whole(o.warmup, "--warmup", r.optim.warmup_steps, 0, kMaxWarmup);
    r.optim.clip_norm = real(o.clip, "--clip", r.optim.clip_norm, 0.0, 1e6);
    r.optim.weight_decay = real(o.weight_decay, "--weight-decay", r.optim.weight_decay, 0.0, 10.0);
    r.steps = whole(o.steps, "--steps", r.steps, 0, kMaxTrainSteps);
    plan.seed = whole(o.seed, "--seed", 0, 0, std::numeric_limits<std::uint64_t>::max());
    plan.output = o.output;
    return plan;
}

std::string dates_training_metadata(const DatesPlan& p) {
    const AdamConfig& o = p.recipe.optim;
    return "{\"optimizer\":\"adam\",\"lr\":" + json_number(o.lr) + ",\"batch\":" + str(p.recipe.batch) +
           ",\"warmup\":" + str(o.warmup_steps) + ",\"clip\":" + json_number(o.clip_norm) +
           ",\"weight_decay\":" + json_number(o.weight_decay) + ",\"seed\":" + str(p.seed) + "}";
}

int train_dates(const TrainOptions& options) {
    const DatesPlan plan = plan_dates(options);
    const DatesRecipe& r = plan.recipe;
    Seq2Seq model(r.model);
    model.init(plan.seed);
    DatesTrainer trainer(model, r.optim, r.batch, training_data_seed(plan.seed));
    const std::uint64_t held_seed = held_out_seed(plan.seed);

    Progress progress(r.steps, ::isatty(::fileno(stderr)) == 1);
    const std::size_t every = std::max<std::size_t>(1, r.steps / 10);
    std::string held_out = "held-out -";
    for (std::size_t s = 1; s <= r.steps; ++s) {
        float loss;
        try {
            loss = trainer.step();
        } catch (const DivergedError& e) {
            progress.finish();
            print_error("training: " + std::string(e.what()) + "; no model written (try a smaller --lr than " +
                        json_number(r.optim.lr) + (r.optim.clip_norm == 0.0 ? ", or --clip 1)" : ")"));
            return kExitDiverged;
        }
        const bool report = s % every == 0 || s == r.steps;
        if (report) held_out = dates_held_out_text(evaluate_dates(model, kProgressExamples, held_seed));
        progress.step(s, loss, held_out, report);
    }
    progress.finish();
    const double seconds = progress.elapsed();

    const DatesEvaluation e = evaluate_dates(model, kFinalExamples, held_seed);
    const std::string bytes =
        write_seq2seq_file(model, dates::source_vocabulary(), dates::target_vocabulary(), r.steps,
                           {{"seed", str(plan.seed)}, {"training", dates_training_metadata(plan)}});
    write_files({{"-o", plan.output, bytes}});

    std::string out = "trained dates for " + str(r.steps) + " steps in " + duration(seconds);
    if (r.steps && seconds > 0) out += " (" + fixed(static_cast<double>(r.steps) / seconds, 0) + " steps/s)";
    out += "\nheld-out (" + str(e.examples) + " dates): exact match " + percent(e.exact_match) +
           ", character accuracy " + percent(e.char_accuracy) + ", loss " + fixed(e.loss, 4) + "\n";
    out += "alignment mass: " + alignment_text(e) + "\n";
    out += "model: seq2seq_additive, " + seq2seq_summary(model.config()) + "; " + str(model.parameters().total()) +
           " parameters (" + str(bytes.size() / 1024) + " KB) -> " + plan.output + "\n";
    write_stdout(out);
    return kExitOk;
}

Seq2SeqFile load_seq2seq(const std::string& path, const std::string& bytes) {
    try {
        return read_seq2seq_file(bytes);
    } catch (const attn::Error& e) {
        throw InputError(path, e.field().empty() ? e.problem() : e.field() + ": " + e.problem());
    }
}

std::uint64_t recorded_seed(const std::vector<std::pair<std::string, std::string>>& metadata) {
    for (const auto& [k, s] : metadata)
        if (k == "seed" && !s.empty() && s.size() <= 19 && s.find_first_not_of("0123456789") == std::string::npos)
            return std::stoull(s);
    return 0;
}

int eval_dates(const EvalOptions& o, const std::string& bytes) {
    const std::size_t examples = whole(o.examples, "--examples", kFinalExamples, 1, 1'000'000);
    Seq2SeqFile f = load_seq2seq(o.model, bytes);
    const std::uint64_t seed =
        whole(o.seed, "--seed", recorded_seed(f.metadata), 0, std::numeric_limits<std::uint64_t>::max());
    const dates::Vocabulary sv(f.source_vocab), tv(f.target_vocab);
    const DatesEvaluation e = evaluate_dates(*f.model, examples, held_out_seed(seed), sv, tv);
    std::string out;
    if (o.json) {
        out = "{\"task\": \"dates\", \"step\": " + str(f.step) + ", \"examples\": " + str(e.examples) +
              ", \"seed\": " + str(seed) + ", \"exact_match\": " + json_number(e.exact_match) +
              ", \"char_accuracy\": " + json_number(e.char_accuracy) + ", \"loss\": " + json_number(e.loss) +
              ", \"alignment\": {\"year\": " + json_number(e.year_mass) + ", \"month\": " + json_number(e.month_mass) +
              ", \"day\": " + json_number(e.day_mass) + "}}\n";
    } else {
        const auto exact = static_cast<std::size_t>(std::llround(e.exact_match * static_cast<double>(e.examples)));
        out = "dates (seq2seq_additive, " + seq2seq_summary(f.config) + "), step " + str(f.step) + ": " +
              str(e.examples) + " held-out dates (seed " + str(seed) + "), greedy decoding\n";
        out += "exact match         " + percent(e.exact_match) + "  (" + str(exact) + " of " + str(e.examples) +
               " dates)\n";
        out += "character accuracy  " + percent(e.char_accuracy) + "\n";
        out += "loss                " + fixed(e.loss, 4) + "  (teacher forcing)\n";
        out += "alignment mass      " + alignment_text(e) +
               "\n  (the mean attention the output's year, month and day characters put on the source's year, month "
               "and day)\n";
    }
    write_stdout(out);
    return kExitOk;
}

// {"source": ["23 Nov 2026", ...], "target": ["2026-11-23", ...]}
int grad_dates(const GradOptions& o, const std::string& bytes) {
    Seq2SeqFile f = load_seq2seq(o.model, bytes);
    const std::string source = o.batch == "-" ? "stdin" : o.batch;
    const nlohmann::json j = read_json(read_input(o.batch), source);
    const char* form = "a dates batch is {\"source\": [\"23 Nov 2026\", ...], \"target\": [\"2026-11-23\", ...]}";
    if (!j.is_object()) throw InputError(source, std::string("is ") + json_type_phrase(j) + "; " + form);
    for (auto it = j.begin(); it != j.end(); ++it)
        if (it.key() != "source" && it.key() != "target")
            throw InputError(source, it.key() + ": is not a batch key; " + form);
    std::vector<std::string> lists[2];
    const char* keys[2] = {"source", "target"};
    for (int k = 0; k < 2; ++k) {
        if (!j.contains(keys[k])) throw InputError(source, std::string("has no \"") + keys[k] + "\"; " + form);
        const nlohmann::json& a = j[keys[k]];
        if (!a.is_array() || a.empty())
            throw InputError(source, std::string(keys[k]) + ": is " +
                                         (a.is_array() ? std::string("empty") : json_type_phrase(a)) +
                                         ", expected a non-empty array of strings");
        if (a.size() > 4096) throw InputError(source, std::string(keys[k]) + ": has more than 4096 entries");
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!a[i].is_string())
                throw InputError(source, std::string(keys[k]) + "[" + str(i) + "]: is " + json_type_phrase(a[i]) +
                                             ", expected a string");
            lists[k].push_back(a[i].get<std::string>());
        }
    }
    const dates::Vocabulary sv(f.source_vocab), tv(f.target_vocab);
    dates::Batch b;
    try {
        dates::encode_batch(lists[0], lists[1], b, sv, tv);
    } catch (const attn::Error& e) {
        throw InputError(source, e.field() + ": " + e.problem());
    }
    Seq2Seq& m = *f.model;
    m.forward(b.source.data(), b.lengths.data(), b.size, b.source_length, b.target.data(), b.target_length);
    const float loss = m.cross_entropy_loss();
    m.backward();
    const std::size_t targets = b.size * b.target_length;
    std::string out_bytes;
    try {
        out_bytes = write_seq2seq_gradients(m, loss, targets);
    } catch (const attn::Error& e) {
        throw InputError(o.model,
                         std::string("the loss or a gradient is not finite for this batch (") + e.what() + ")");
    }
    write_files({{"-o", o.output, out_bytes}});
    write_stdout("loss " + shortest_float_text(loss) + " (mean over " + str(targets) + " targets: " + str(b.size) +
                 " dates × 10 characters and <eos>); gradients of " + str(m.parameters().size()) + " tensors -> " +
                 o.output + "\n");
    return kExitOk;
}

// A source character as a table label ("_" for a space).
std::string char_label(const std::string& c) { return c == " " ? "_" : c; }

int translate(const TranslateOptions& o) {
    const std::string bytes = read_input(o.model == "-" ? "./-" : o.model);
    const std::string kind = model_file_kind(bytes);
    if (kind == "transformer")
        throw InputError(o.model,
                         "is a Transformer model (task copy, reverse, sort, induction or series); translate "
                         "takes a dates model (attnlab train --task dates); try attnlab attend");
    Seq2SeqFile f = load_seq2seq(o.model, bytes);
    const dates::Vocabulary sv(f.source_vocab), tv(f.target_vocab);
    std::vector<std::int32_t> ids;
    try {
        ids = dates::encode_source(o.input, sv);
    } catch (const attn::Error& e) {
        throw InputError("INPUT",
                         e.problem() + (e.problem() == "is empty" ? "; give a date, e.g. \"23 Nov 2026\"" : ""));
    }
    const std::vector<std::string> chars = dates::split_characters(o.input);
    std::size_t unknown = 0;
    for (std::int32_t id : ids) unknown += id == dates::kUnk;
    const std::size_t n = ids.size(), T = dates::kTargetSteps + 5;  // room for a model that runs on
    Seq2Seq& m = *f.model;
    const std::size_t len = n;
    const std::vector<std::int32_t> out = m.decode(ids.data(), &len, 1, n, T);
    std::size_t steps = T;
    for (std::size_t t = 0; t < T; ++t)
        if (out[t] == dates::kEos) {
            steps = t + 1;
            break;
        }
    std::string text;
    std::vector<std::string> out_labels;
    std::vector<float> probs(tv.size()), chosen;
    Matrix weights(steps, n);
    for (std::size_t t = 0; t < steps; ++t) {
        const std::string& tok = tv.token(out[t]);
        if (out[t] > dates::kUnk) text += tok;
        out_labels.push_back(tok);
        m.probabilities(t, 0, probs.data());
        chosen.push_back(probs[static_cast<std::size_t>(out[t])]);
        for (std::size_t j = 0; j < n; ++j) weights(t, j) = m.weights(t, 0)[j];
    }
    const bool ended = out[steps - 1] == dates::kEos;
    dates::Date parsed;
    const bool is_date = dates::parse_iso(text, parsed);

    std::vector<OutputFile> files;
    if (!o.png.empty()) {
        try {
            const std::vector<ConstMatrixView> panels = {weights.view()};
            files.push_back(
                {"--png", o.png, ui::heatmap_png(panels, ui::Colormap::viridis, ui::range_from_zero(panels))});
        } catch (const ui::ExportError& e) {
            throw InputError("--png", e.what());
        }
    }
    std::string s;
    if (o.json) {
        const auto quoted = [](const std::string& x) {
            return nlohmann::json(x).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        };
        s = "{\n  \"source\": " + quoted(o.input) + ",\n  \"output\": " + quoted(text) +
            ",\n  \"ended\": " + (ended ? "true" : "false") + ",\n  \"valid_date\": " + (is_date ? "true" : "false") +
            ",\n  \"unknown_characters\": " + str(unknown) + ",\n  \"source_characters\": [";
        for (std::size_t j = 0; j < n; ++j) s += (j ? ", " : "") + quoted(chars[j]);
        s += "],\n  \"output_tokens\": [";
        for (std::size_t t = 0; t < steps; ++t) s += (t ? ", " : "") + quoted(out_labels[t]);
        s += "],\n  \"probabilities\": [";
        for (std::size_t t = 0; t < steps; ++t) s += (t ? ", " : "") + ui::format_number(chosen[t]);
        s += "],\n  \"attention\": [\n";
        for (std::size_t t = 0; t < steps; ++t) {
            s += "    [";
            for (std::size_t j = 0; j < n; ++j) s += (j ? ", " : "") + ui::format_number(weights(t, j));
            s += t + 1 < steps ? "],\n" : "]\n";
        }
        s += "  ]\n}\n";
    } else {
        s = o.input + " -> " + text + "\n";
        if (!ended)
            s += "(no <eos> within " + str(T) + " steps: the model is out of its depth)\n";
        else if (!is_date)
            s += "(not a valid date from 1900-01-01 to 2099-12-31: the model is out of its depth)\n";
        if (unknown)
            s += "(" + str(unknown) + (unknown == 1 ? " character is" : " characters are") +
                 " not in the model's vocabulary and read as <unk>)\n";
        s += "\nalignment (rows: output characters with their probability; columns: source characters, _ = space)\n";
        std::vector<std::string> rows, cols;
        for (std::size_t t = 0; t < steps; ++t) rows.push_back(out_labels[t] + " " + fixed(chosen[t], 2));
        for (std::size_t j = 0; j < n; ++j) cols.push_back(char_label(ids[j] == dates::kUnk ? "?" : chars[j]));
        s += weights_table(weights, rows, cols, Mask::none(), 2);
    }
    write_files(files);
    write_stdout(s);
    return kExitOk;
}

}  // namespace

// =====================================================================================
// [SECTION] Help
// =====================================================================================

std::string train_help() {
    std::string s =
        "Defaults per task (each option overrides one):\n"
        "  task       length vocab k  layers d_model heads d_ff  lr     batch warmup clip  weight-decay steps\n";
    for (TaskKind k : {TaskKind::copy, TaskKind::reverse, TaskKind::sort, TaskKind::induction, TaskKind::series}) {
        const TrainRecipe r = default_recipe(k);
        char line[256];
        std::snprintf(line, sizeof line,
                      "  %-10s %-6zu %-5s %-2s %-6zu %-7zu %-5zu %-5zu %-6g %-5zu %-6zu %-5g %-12g %zu\n", task_name(k),
                      r.task.length, r.task.tokens() ? str(r.task.vocab).c_str() : "-",
                      k == TaskKind::induction ? str(r.task.k).c_str() : "-", r.layers, r.d_model, r.heads, r.d_ff,
                      r.optim.lr, r.batch, r.optim.warmup_steps, r.optim.clip_norm, r.optim.weight_decay, r.steps);
        s += line;
    }
    s += "Positions learned, activation relu, optimizer AdamW (betas 0.9, 0.999), seed 0. induction and series\n"
         "models are causal. --k is induction's copied segment, --noise series' noise (default 0.05).\n"
         "Progress goes to stderr: a bar on a terminal, one line per tenth of the run otherwise (step, mean loss,\n"
         "held-out accuracy on 200 examples, steps/s, ETA); the summary (1000 held-out examples) to stdout.\n"
         "The model file is safetensors: the parameters under PyTorch's state_dict names, F32, and __metadata__\n"
         "{\"step\", \"config\" (the model's sizes and task, JSON), \"seed\", \"training\"}; it loads with\n"
         "load_state_dict into the PyTorch module described in the README.\n"
         "--task dates trains the seq2seq_additive date translator instead (bidirectional GRU encoder, additive\n"
         "attention, GRUCell decoder; its PyTorch twin is in scripts/make_seq2seq_golden.py): defaults --emb 16\n"
         "--enc-hidden 32 --dec-hidden 64 --attn-hidden 32, Adam --lr 0.01 --clip 1 --batch 64 --steps 400; the\n"
         "Transformer options do not apply. Its progress and summary report exact match and alignment masses.\n"
         "Exit status: 0 done, 1 the model could not be written, 2 bad options, 3 training diverged\n"
         "(loss or gradients NaN or infinite: nothing is written).\n";
    return s;
}

int run_train(const TrainOptions& options) {
    return run_reporting_errors(
        [&] { return options.task && *options.task == "dates" ? train_dates(options) : train(options); });
}
int run_eval(const EvalOptions& options) {
    return run_reporting_errors([&] {
        const std::string bytes = read_input(options.model == "-" ? "./-" : options.model);
        return model_file_kind(bytes) == "seq2seq_additive" ? eval_dates(options, bytes) : eval(options);
    });
}
int run_grad(const GradOptions& options) {
    return run_reporting_errors([&] {
        if (options.output.empty())
            throw InputError("-o", "missing; give the gradients file to write, e.g. -o grads.safetensors");
        const std::string bytes = read_input(options.model == "-" ? "./-" : options.model);
        return model_file_kind(bytes) == "seq2seq_additive" ? grad_dates(options, bytes) : grad(options);
    });
}
int run_translate(const TranslateOptions& options) {
    return run_reporting_errors([&] { return translate(options); });
}
int run_attend(const AttendOptions& options) {
    return run_reporting_errors([&] { return attend(options); });
}

}  // namespace attn::cli
