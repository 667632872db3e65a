// test_cli_train.cpp: attnlab train, eval, grad and attend, run as a user runs them.
//
// [SECTION] Helpers
// [SECTION] train and eval: a tiny reverse model learns
// [SECTION] Files: round trip, determinism, PyTorch's files
// [SECTION] grad against the core
// [SECTION] attend
// [SECTION] Bad input: one line, exit 2, no file
// [SECTION] Help
//
// Training here is kept to a few hundred steps of small models (well under a second each).
// These tests link the core (through attn_export) to read the files attnlab writes and to
// compute the gradients attnlab's must equal; the PyTorch reference is in tests/golden/model/
// (scripts/make_model_golden.py).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <pty.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "attn/safetensors.hpp"
#include "attn/train/model_file.hpp"
#include "cli_harness.hpp"

#ifndef ATTN_GOLDEN_DIR
#error "ATTN_GOLDEN_DIR must name the tests/golden folder"
#endif

using namespace cli_test;

namespace {

// =====================================================================================
// [SECTION] Helpers
// =====================================================================================

std::string golden(const std::string& name) { return std::string(ATTN_GOLDEN_DIR) + "/model/" + name; }

RunResult ok(const RunResult& r) {
    INFO("stderr: " << r.err << "\nstdout: " << r.out);
    REQUIRE(r.exit_code == 0);
    return r;
}

// attnlab train <args> -o <dir>/<name>; returns the path.
std::string train(const TempDir& dir, const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(), "train");
    args.push_back("-o");
    args.push_back(dir.path(name));
    ok(run_attnlab(args));
    return dir.path(name);
}

json eval_json(const std::string& model, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"eval", model, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return json::parse(ok(run_attnlab(args)).out);
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s[i] == '\n') {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    if (start < s.size()) out.push_back(s.substr(start));
    return out;
}

}  // namespace

// =====================================================================================
// [SECTION] train and eval: a tiny reverse model learns
// =====================================================================================

TEST_CASE("train: a reverse model (length 8, vocab 10) reaches ≥ 99% held-out token accuracy in 200 steps",
          "[cli][train]") {
    TempDir dir;
    const RunResult r =
        run_attnlab({"train", "--task", "reverse", "--steps", "200", "-o", dir.path("rev.safetensors")});
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    // stderr is not a terminal here: plain progress lines, one per tenth of the run.
    const auto progress = lines_of(r.err);
    REQUIRE(progress.size() == 10);
    CHECK_THAT(progress[0], Catch::StartsWith("step 20/200  loss "));
    CHECK_THAT(progress[9], Catch::StartsWith("step 200/200  loss ") && Catch::Contains("held-out ") &&
                                Catch::Contains(" steps/s  ETA "));
    CHECK(r.err.find('\r') == std::string::npos);
    // stdout: the summary.
    CHECK_THAT(r.out, Catch::StartsWith("trained reverse (length 8, vocab 10) for 200 steps in "));
    CHECK_THAT(r.out, Catch::Contains("held-out (1000 examples): token accuracy "));
    CHECK_THAT(r.out, Catch::Contains("-> " + dir.path("rev.safetensors")));

    const json e = eval_json(dir.path("rev.safetensors"));
    CHECK(e["task"] == "reverse");
    CHECK(e["step"] == 200);
    CHECK(e["examples"] == 1000);
    CHECK(e["scored"] == 8000);
    CHECK(e["token_accuracy"].get<double>() >= 0.99);
    CHECK(e["exact_match"].get<double>() >= 0.95);
    CHECK(e["loss"].get<double>() < 0.1);
    // Another held-out stream, and fewer examples: still learnt.
    const json other = eval_json(dir.path("rev.safetensors"), {"--examples", "300", "--seed", "77"});
    CHECK(other["examples"] == 300);
    CHECK(other["seed"] == 77);
    CHECK(other["token_accuracy"].get<double>() >= 0.99);
    // The text report says the same.
    const RunResult text = ok(run_attnlab({"eval", dir.path("rev.safetensors")}));
    CHECK_THAT(text.out,
               Catch::StartsWith("reverse (length 8, vocab 10), step 200: 1000 held-out examples (seed 0)\n"));
    CHECK_THAT(text.out, Catch::Contains("token accuracy  ") && Catch::Contains("exact match     ") &&
                             Catch::Contains("loss            "));
}

TEST_CASE("train: on a terminal, stderr shows one progress bar redrawn in place", "[cli][train]") {
    TempDir dir;
    int master = -1, slave = -1;
    REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, slave, 2);
    posix_spawn_file_actions_addclose(&actions, master);
    const std::string out = dir.path("m.safetensors");
    std::vector<std::string> args = {ATTNLAB_BINARY, "train", "--task", "reverse", "--steps", "100", "-o", out};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    extern char** environ;
    const int rc = ::posix_spawn(&pid, ATTNLAB_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(slave);
    REQUIRE(rc == 0);
    std::string err;
    char buf[4096];
    for (;;) {  // until the child closes the terminal (EIO on Linux)
        const ssize_t n = ::read(master, buf, sizeof buf);
        if (n > 0)
            err.append(buf, static_cast<std::size_t>(n));
        else if (n < 0 && errno == EINTR)
            continue;
        else
            break;
    }
    ::close(master);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    INFO(err);
    CHECK_THAT(err, Catch::StartsWith("\r["));
    CHECK_THAT(err, Catch::Contains("\r[########################] 100/100  loss "));
    CHECK_THAT(err, Catch::Contains(" steps/s  ETA 0.0 s\x1b[K"));
    CHECK(err.find("step ") == std::string::npos);  // no plain lines
    CHECK(file_exists(out));
}

TEST_CASE("train: sort, induction and series train and evaluate with their own measures", "[cli][train]") {
    TempDir dir;
    const json sort =
        eval_json(train(dir, "sort.safetensors", {"--task", "sort", "--length", "5", "--vocab", "6", "--steps", "60"}),
                  {"--examples", "100"});
    CHECK(sort["token_accuracy"].get<double>() > 0.3);  // learning, not learnt: 60 steps
    const std::string ind = train(dir, "ind.safetensors",
                                  {"--task", "induction", "--length", "12", "--vocab", "8", "--k", "4", "--d-model",
                                   "16", "--heads", "2", "--d-ff", "32", "--steps", "20"});
    const json ie = eval_json(ind, {"--examples", "50"});
    CHECK(ie["scored"] == 50 * 3);  // k − 1 copied tokens per example
    const RunResult itext = ok(run_attnlab({"eval", ind, "--examples", "50"}));
    CHECK_THAT(itext.out, Catch::Contains("copied-token accuracy  ") && Catch::Contains("loss on copied tokens  "));
    const std::string ser = train(dir, "ser.safetensors", {"--task", "series", "--length", "10", "--steps", "150"});
    const json se = eval_json(ser, {"--examples", "100"});
    CHECK(se["mse"].get<double>() < se["baseline_mse"].get<double>());  // better than repeating the last value
    const RunResult stext = ok(run_attnlab({"eval", ser, "--examples", "100"}));
    CHECK_THAT(stext.out, Catch::Contains("mse predicting the last value "));
}

TEST_CASE("train: a diverging run stops with exit 3, a precise line, and no model file", "[cli][train][errors]") {
    TempDir dir;
    // AdamW's decay θ ← θ·(1 − lr·wd) = −99·θ every step: the weights overflow within a few steps.
    const RunResult r = run_attnlab({"train", "--task", "reverse", "--lr", "10", "--weight-decay", "10", "--steps",
                                     "300", "-o", dir.path("m.safetensors")});
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.out.empty());
    const auto lines = lines_of(r.err);
    REQUIRE(!lines.empty());
    CHECK_THAT(lines.back(),
               Catch::Matches("attnlab: training: the (loss|gradient norm) is (NaN|infinite) at step [0-9]+.*; no "
                              "model written \\(try a smaller --lr than 10, and a --weight-decay below 1/lr\\)"));
    CHECK(dir.files().empty());
}

// =====================================================================================
// [SECTION] Files: round trip, determinism, PyTorch's files
// =====================================================================================

TEST_CASE("train: the model file reads back bit for bit, and the same seed writes the same bytes",
          "[cli][train][files]") {
    TempDir dir;
    const std::vector<std::string> args = {
        "--task",   "copy", "--length",    "5",          "--vocab",      "6",    "--d-model", "8",  "--d-ff", "12",
        "--layers", "2",    "--positions", "sinusoidal", "--activation", "gelu", "--steps",   "30", "--seed", "9"};
    const std::string bytes = read_file(train(dir, "a.safetensors", args));
    CHECK(read_file(train(dir, "b.safetensors", args)) == bytes);
    std::vector<std::string> other = args;
    other.back() = "10";
    CHECK(read_file(train(dir, "c.safetensors", other)) != bytes);
    // --threads changes no bit (the layers' partition does not depend on the thread count)
    for (const char* threads : {"2", "0"}) {
        INFO("--threads " << threads);
        std::vector<std::string> threaded = args;
        threaded.insert(threaded.end(), {"--threads", threads});
        CHECK(read_file(train(dir, std::string("t") + threads + ".safetensors", threaded)) == bytes);
    }

    const attn::ModelFile f = attn::read_model_file(bytes);
    CHECK(f.step == 30);
    CHECK(
        attn::model_config_json(f.config) ==
        R"({"model":"transformer","vocab":6,"d_model":8,"heads":2,"d_ff":12,"layers":2,"max_len":5,"positions":"sinusoidal",)"
        R"("activation":"gelu","causal":false,"task":{"name":"copy","length":5,"vocab":6}})");
    REQUIRE(f.find_metadata("seed"));
    CHECK(*f.find_metadata("seed") == "9");
    REQUIRE(f.find_metadata("training"));
    CHECK(json::parse(*f.find_metadata("training"))["batch"] == 64);
    // Written again from what was read: the same bytes.
    CHECK(attn::write_model_file(*f.model, f.config.task, f.step,
                                 {{"seed", *f.find_metadata("seed")}, {"training", *f.find_metadata("training")}}) ==
          bytes);
    // The tensors are F32 under PyTorch's names, in state_dict order.
    const attn::safetensors::File st = attn::safetensors::parse(bytes);
    REQUIRE(st.tensors.size() == f.model->parameters().size());
    for (std::size_t i = 0; i < st.tensors.size(); ++i) {
        CHECK(st.tensors[i].dtype == "F32");
        CHECK(st.tensors[i].name == f.model->parameters().info(i).name);
    }
    CHECK(st.tensors.front().name == "tok_emb.weight");
    CHECK(st.tensors.back().name == "head.bias");
}

TEST_CASE("eval and attend: files written by PyTorch load and predict what PyTorch's logits say",
          "[cli][train][golden]") {
    for (const char* name : {"torch_reverse", "torch_induction", "core_reverse"}) {
        INFO(name);
        const json c = json::parse(read_file(golden(std::string(name) + ".json")));
        const std::string file = golden(c["file"].get<std::string>());
        ok(run_attnlab({"eval", file, "--examples", "20"}));
        // The second input is one sequence: attend's prediction is the argmax of PyTorch's logits.
        const json& x = c["cases"][1];
        std::string input;
        for (const auto& v : x["input"][0]) input += (input.empty() ? "" : " ") + std::to_string(v.get<int>());
        const json got = json::parse(ok(run_attnlab({"attend", file, input, "--json"})).out);
        const json& logits = x["expected_logits"];
        const std::size_t V = logits["shape"][1].get<std::size_t>();
        REQUIRE(got["prediction"].size() == logits["shape"][0].get<std::size_t>());
        for (std::size_t t = 0; t < got["prediction"].size(); ++t) {
            std::size_t best = 0;
            for (std::size_t v = 1; v < V; ++v)
                if (logits["data"][t * V + v].get<double>() > logits["data"][t * V + best].get<double>()) best = v;
            CHECK(got["prediction"][t] == best);
        }
    }
}

// =====================================================================================
// [SECTION] grad against the core
// =====================================================================================

TEST_CASE("grad: the loss and every gradient are the core's, bit for bit, under the parameters' names", "[cli][grad]") {
    struct Case {
        const char* file;
        json batch;
    };
    const Case cases[] = {
        {"core_reverse.safetensors",
         {{"input", {{1, 2, 3, 4, 5, 6}, {0, 0, 1, 1, 2, 2}}},
          {"target", {{6, 5, 4, 3, 2, 1}, {2, -100, 1, 1, -100, 0}}}}},
        {"torch_induction.safetensors", {{"input", {{0, 1, 2, 3, 4}}}, {"target", {{1, 2, 3, 4, -100}}}}},
        {"core_series.safetensors",
         {{"input", {{0.5, -0.25, 1e-3}, {1, 2, 3}}}, {"target", {{-0.25, 1e-3, 0.75}, {2, 3, 4}}}}},
    };
    for (const Case& c : cases) {
        INFO(c.file);
        TempDir dir;
        const std::string batch = dir.write("batch.json", c.batch.dump());
        const RunResult r = ok(run_attnlab({"grad", golden(c.file), batch, "-o", dir.path("g.safetensors")}));

        // The same computation in the core.
        attn::ModelFile f = attn::read_model_file(read_file(golden(c.file)));
        attn::Transformer& m = *f.model;
        const std::size_t B = c.batch["input"].size(), n = c.batch["input"][0].size();
        float loss;
        std::size_t targets = 0;
        if (f.config.task.tokens()) {
            std::vector<std::int32_t> in, tg;
            for (std::size_t b = 0; b < B; ++b)
                for (std::size_t t = 0; t < n; ++t) {
                    in.push_back(c.batch["input"][b][t].get<std::int32_t>());
                    tg.push_back(c.batch["target"][b][t].get<std::int32_t>());
                    targets += tg.back() != -100;
                }
            m.forward(in.data(), B, n);
            loss = m.cross_entropy_loss(tg.data());
        } else {
            std::vector<float> in, tg;
            for (std::size_t b = 0; b < B; ++b)
                for (std::size_t t = 0; t < n; ++t) {
                    in.push_back(c.batch["input"][b][t].get<float>());
                    tg.push_back(c.batch["target"][b][t].get<float>());
                }
            m.forward_series(in.data(), B, n);
            loss = m.mse_loss(tg.data());
            targets = B * n;
        }
        m.backward();
        CHECK(r.out == "loss " + attn::shortest_float_text(loss) + " (mean over " + std::to_string(targets) +
                           " targets of " + std::to_string(B) + " × " + std::to_string(n) + "); gradients of " +
                           std::to_string(m.parameters().size()) + " tensors -> " + dir.path("g.safetensors") + "\n");

        const attn::safetensors::File g = attn::safetensors::parse(read_file(dir.path("g.safetensors")));
        REQUIRE(g.find_metadata("loss"));
        CHECK(*g.find_metadata("loss") == attn::shortest_float_text(loss));
        CHECK(*g.find_metadata("targets") == std::to_string(targets));
        const attn::Parameters& p = m.parameters();
        REQUIRE(g.tensors.size() == p.size());
        for (std::size_t i = 0; i < p.size(); ++i) {
            INFO(p.info(i).name);
            CHECK(g.tensors[i].name == p.info(i).name);
            CHECK(g.tensors[i].shape == p.info(i).shape);
            REQUIRE(g.tensors[i].values.size() == p.info(i).count);
            CHECK(std::memcmp(g.tensors[i].values.data(), p.grad(i), 4 * p.info(i).count) == 0);
        }
    }
}

// =====================================================================================
// [SECTION] attend
// =====================================================================================

TEST_CASE("attend: a trained reverse model predicts the reversal and its heads look at the mirrored position",
          "[cli][attend]") {
    TempDir dir;
    const std::string model = train(dir, "rev.safetensors", {"--task", "reverse", "--steps", "200"});
    const json r = json::parse(ok(run_attnlab({"attend", model, "3 1 4 1 5 9 2 6", "--json"})).out);
    CHECK(r["input"] == json::array({3, 1, 4, 1, 5, 9, 2, 6}));
    CHECK(r["prediction"] == json::array({6, 2, 9, 5, 1, 4, 1, 3}));
    REQUIRE(r["attention"].size() == 1);     // layers
    REQUIRE(r["attention"][0].size() == 2);  // heads
    for (const auto& head : r["attention"][0]) {
        const Rows w = rows_of(head);
        REQUIRE(w.size() == 8);
        for (const auto& row : w) {
            double sum = 0;
            for (double x : row) sum += x;
            CHECK(sum == Approx(1.0).epsilon(1e-5));
        }
    }
    // The anti-diagonal: summed over the heads, query i puts most weight on key 7 − i.
    for (std::size_t i = 0; i < 8; ++i) {
        const Rows h0 = rows_of(r["attention"][0][0]), h1 = rows_of(r["attention"][0][1]);
        std::size_t best = 0;
        for (std::size_t j = 1; j < 8; ++j)
            if (h0[i][j] + h1[i][j] > h0[i][best] + h1[i][best]) best = j;
        CHECK(best == 7 - i);
    }

    // The table: input, output, then one labelled table per head.
    const RunResult t = ok(run_attnlab({"attend", model, "3 1 4"}));
    const auto lines = lines_of(t.out);
    REQUIRE(lines.size() >= 3);
    CHECK(lines[0] == "reverse (length 8, vocab 10), step 200");
    CHECK(lines[1] == "input   3  1  4");
    CHECK_THAT(lines[2], Catch::StartsWith("output  "));
    CHECK_THAT(t.out, Catch::Contains("layer 0, head 0 (rows: queries, columns: keys)\n") &&
                          Catch::Contains("layer 0, head 1 (rows: queries, columns: keys)\n"));

    // --png: one panel per (layer, head), the export module's layout.
    ok(run_attnlab({"attend", model, "3 1 4 1 5", "--png", dir.path("a.png")}));
    std::size_t w = 0, h = 0;
    REQUIRE(png_size(read_file(dir.path("a.png")), w, h));
    CHECK(w > h);  // two 5×5 panels side by side
}

TEST_CASE("attend: a causal model masks the future, and a series model takes values", "[cli][attend]") {
    const json ind =
        json::parse(ok(run_attnlab({"attend", golden("core_induction.safetensors"), "1 2 3 1 2", "--json"})).out);
    REQUIRE(ind["attention"].size() == 2);
    for (const auto& layer : ind["attention"])
        for (const auto& head : layer) {
            const Rows w = rows_of(head);
            for (std::size_t i = 0; i < w.size(); ++i)
                for (std::size_t j = i + 1; j < w.size(); ++j) CHECK(w[i][j] == 0.0);
        }
    const RunResult t = ok(run_attnlab({"attend", golden("core_induction.safetensors"), "1 2 3"}));
    CHECK_THAT(t.out, Catch::Contains("\nnext   ") && Catch::Contains("·"));
    const json ser =
        json::parse(ok(run_attnlab({"attend", golden("core_series.safetensors"), "--json", "--", "-0.5 0.25 1"})).out);
    CHECK(ser["input"] == json::array({-0.5, 0.25, 1}));
    CHECK(ser["prediction"].size() == 3);
}

// =====================================================================================
// [SECTION] Bad input: one line, exit 2, no file
// =====================================================================================

namespace {

struct Bad {
    const char* name;
    std::vector<std::string> args;  // "OUT" is replaced by the output file's path
    std::string expected;           // the whole stderr line, after "attnlab: "
};

// Runs a bad case in a fresh directory holding the files it needs; checks the one line.
void check_bad(const Bad& b, const TempDir& dir, const std::vector<std::string>& inputs) {
    std::vector<std::string> args;
    for (const std::string& a : b.args) args.push_back(a == "OUT" ? dir.path("out.safetensors") : a);
    const RunResult r = run_attnlab(args);
    INFO(b.name << "\nstderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "attnlab: " + b.expected + "\n");
    CHECK(dir.files() == inputs);
}

}  // namespace

TEST_CASE("train: bad options exit 2 with one line naming the option, and write nothing", "[cli][train][errors]") {
    const std::vector<Bad> cases = {
        {"no task", {"train", "-o", "OUT"}, "--task: missing; choose copy, reverse, sort, induction, series or dates"},
        {"unknown task",
         {"train", "--task", "add", "-o", "OUT"},
         "--task: is \"add\", expected copy, reverse, sort, induction, series or dates"},
        {"no output",
         {"train", "--task", "reverse"},
         "-o: missing; give the model file to write, e.g. -o model.safetensors"},
        {"length 0",
         {"train", "--task", "sort", "--length", "0", "-o", "OUT"},
         "--length: is 0, expected a whole number from 1 to 512"},
        {"length too long",
         {"train", "--task", "sort", "--length", "513", "-o", "OUT"},
         "--length: is 513, expected a whole number from 1 to 512"},
        {"length not a number",
         {"train", "--task", "sort", "--length", "8x", "-o", "OUT"},
         "--length: is \"8x\", expected a whole number from 1 to 512"},
        {"negative vocab",
         {"train", "--task", "copy", "--vocab", "-3", "-o", "OUT"},
         "--vocab: is \"-3\", expected a whole number from 2 to 65536"},
        {"vocab 1",
         {"train", "--task", "copy", "--vocab", "1", "-o", "OUT"},
         "--vocab: is 1, expected a whole number from 2 to 65536"},
        {"vocab for series",
         {"train", "--task", "series", "--vocab", "10", "-o", "OUT"},
         "--vocab: the series task has no vocabulary (it reads and predicts values)"},
        {"k for reverse",
         {"train", "--task", "reverse", "--k", "2", "-o", "OUT"},
         "--k: is the induction task's copied segment length; the reverse task has none"},
        {"k too long",
         {"train", "--task", "induction", "--length", "8", "--k", "5", "-o", "OUT"},
         "--k: is 5, expected a whole number from 1 to 4 (a copy of k tokens needs length + 1 ≥ 2k; --length is 8)"},
        {"noise for sort",
         {"train", "--task", "sort", "--noise", "0.1", "-o", "OUT"},
         "--noise: is the series task's noise; the sort task has none"},
        {"heads do not divide",
         {"train", "--task", "reverse", "--heads", "3", "-o", "OUT"},
         "--heads: 3 does not divide --d-model 32 (each head gets d_model / heads columns)"},
        {"heads beyond d_model",
         {"train", "--task", "reverse", "--d-model", "4", "--heads", "8", "-o", "OUT"},
         "--heads: is 8, expected a whole number from 1 to 4 (at most --d-model)"},
        {"layers 0",
         {"train", "--task", "reverse", "--layers", "0", "-o", "OUT"},
         "--layers: is 0, expected a whole number from 1 to 16"},
        {"d-model too wide",
         {"train", "--task", "reverse", "--d-model", "2048", "-o", "OUT"},
         "--d-model: is 2048, expected a whole number from 1 to 1024"},
        {"positions unknown",
         {"train", "--task", "reverse", "--positions", "rotary", "-o", "OUT"},
         "--positions: is \"rotary\", expected learned or sinusoidal"},
        {"activation unknown",
         {"train", "--task", "reverse", "--activation", "tanh", "-o", "OUT"},
         "--activation: is \"tanh\", expected relu or gelu"},
        {"lr 0",
         {"train", "--task", "reverse", "--lr", "0", "-o", "OUT"},
         "--lr: is 0, expected a number above 0 up to 10"},
        {"lr nan",
         {"train", "--task", "reverse", "--lr", "nan", "-o", "OUT"},
         "--lr: is \"nan\", expected a number above 0 up to 10"},
        {"lr inf",
         {"train", "--task", "reverse", "--lr", "1e999", "-o", "OUT"},
         "--lr: is \"1e999\", expected a number above 0 up to 10"},
        {"clip negative",
         {"train", "--task", "reverse", "--clip", "-1", "-o", "OUT"},
         "--clip: is -1, expected a number from 0 to 1000000"},
        {"weight decay text",
         {"train", "--task", "reverse", "--weight-decay", "lots", "-o", "OUT"},
         "--weight-decay: is \"lots\", expected a number from 0 to 10"},
        {"batch 0",
         {"train", "--task", "reverse", "--batch", "0", "-o", "OUT"},
         "--batch: is 0, expected a whole number from 1 to 4096"},
        {"steps fractional",
         {"train", "--task", "reverse", "--steps", "1.5", "-o", "OUT"},
         "--steps: is \"1.5\", expected a whole number from 0 to 100000000"},
        {"seed beyond 64 bits",
         {"train", "--task", "reverse", "--seed", "18446744073709551616", "-o", "OUT"},
         "--seed: is 18446744073709551616, expected a whole number from 0 to 18446744073709551615"},
        {"attention weights too many",
         {"train", "--task", "sort", "--length", "512", "--batch", "4096", "-o", "OUT"},
         "--batch: 4096 sequences × 2 heads × 512² attention weights are 2147483648 values, more than 2^26; use a "
         "smaller "
         "--batch or --length"},
        {"activations too many",
         {"train", "--task", "sort", "--length", "16", "--batch", "4096", "--d-ff", "4096", "-o", "OUT"},
         "--batch: 4096 sequences × 16 positions × 4096 activations are more than 2^26 values; use a smaller --batch, "
         "--d-ff "
         "or --d-model"},
        {"too many parameters",
         {"train", "--task", "copy", "--vocab", "65536", "--d-model", "1024", "-o", "OUT"},
         "--d-model: the model would have 138628160 parameters, more than 2^26; use a smaller --d-model, --d-ff, "
         "--layers "
         "or --vocab"},
        {"threads too many",
         {"train", "--task", "reverse", "--threads", "300", "-o", "OUT"},
         "--threads: is 300, expected a whole number from 0 to 256"},
        {"threads text",
         {"train", "--task", "reverse", "--threads", "two", "-o", "OUT"},
         "--threads: is \"two\", expected a whole number from 0 to 256"},
        {"unknown option",
         {"train", "--task", "reverse", "--dropout", "0.1", "-o", "OUT"},
         "usage: The following arguments were not expected: 0.1 --dropout (see attnlab train --help)"},
    };
    for (const Bad& b : cases) {
        TempDir dir;
        check_bad(b, dir, {});
    }
}

TEST_CASE("eval, grad and attend: broken model files and batches exit 2 with one line, and write nothing",
          "[cli][grad][errors]") {
    TempDir dir;
    const std::string good = read_file(golden("core_reverse.safetensors"));  // reverse, length 6, vocab 7
    const std::string model = dir.write("m.safetensors", good);
    const std::string truncated = dir.write("short.safetensors", good.substr(0, good.size() - 4));
    const std::string not_model =
        dir.write("w.safetensors", read_file(std::string(ATTN_GOLDEN_DIR) + "/mha_weights.safetensors"));
    auto batch = [&](const std::string& name, const std::string& text) { return dir.write(name, text); };
    const std::string b_vocab = batch("b_vocab.json", R"({"input": [[1, 2, 7]], "target": [[1, 2, 3]]})");
    const std::string b_neg = batch("b_neg.json", R"({"input": [[1, 2, 3]], "target": [[1, -1, 3]]})");
    const std::string b_float = batch("b_float.json", R"({"input": [[1, 2.5, 3]], "target": [[1, 2, 3]]})");
    const std::string b_inf = batch("b_inf.json", R"({"input": [[1, 2, 3]], "target": [[1, 1e999, 3]]})");
    const std::string b_ragged =
        batch("b_ragged.json", R"({"input": [[1, 2, 3], [1, 2]], "target": [[1, 2, 3], [1, 2]]})");
    const std::string b_shape = batch("b_shape.json", R"({"input": [[1, 2, 3]], "target": [[1, 2]]})");
    const std::string b_rows = batch("b_rows.json", R"({"input": [[1, 2, 3]], "target": [[1, 2, 3], [1, 2, 3]]})");
    const std::string b_ignored = batch("b_ignored.json", R"({"input": [[1, 2]], "target": [[-100, -100]]})");
    const std::string b_long =
        batch("b_long.json", R"({"input": [[1, 2, 3, 4, 5, 6, 0]], "target": [[1, 2, 3, 4, 5, 6, 0]]})");
    const std::string b_key = batch("b_key.json", R"({"input": [[1]], "target": [[1]], "mask": [[1]]})");
    const std::string b_missing = batch("b_missing.json", R"({"input": [[1]]})");
    const std::string b_json = batch("b_json.json", R"({"input": [[1, 2]], )");
    const std::string b_dup = batch("b_dup.json", R"({"input": [[1]], "input": [[2]], "target": [[1]]})");
    const std::string b_empty = batch("b_empty.json", R"({"input": [], "target": []})");
    const std::string b_series = batch("b_series.json", R"({"input": [[0.5, "x"]], "target": [[1, 2]]})");
    // A long string whose 40th byte is inside a two-byte character: the message clips before it
    // (cutting inside it made nlohmann's dump throw; found by fuzz_batch).
    const std::string w39(39, 'w');
    const std::string b_utf8 = batch("b_utf8.json", "{\"input\": [[\"" + w39 + "\u0444\"]], \"target\": [[1]]}");
    const std::string ok_batch = batch("ok.json", R"({"input": [[1, 2, 3]], "target": [[3, 2, 1]]})");
    const std::string series = dir.write("s.safetensors", read_file(golden("core_series.safetensors")));
    const std::vector<std::string> inputs = dir.files();

    const std::vector<Bad> cases = {
        {"eval: no such file",
         {"eval", dir.path("none.safetensors")},
         dir.path("none.safetensors") + ": cannot open: No such file or directory"},
        {"eval: truncated model",
         {"eval", truncated},
         truncated + ": head.bias: data_offsets [10304, 10332] run past the end of the data buffer (10328 bytes)"},
        {"eval: a weights file, not a model",
         {"eval", not_model},
         not_model + ": __metadata__: has no \"config\" (a JSON object: the model's sizes and task)"},
        {"eval: examples 0",
         {"eval", model, "--examples", "0"},
         "--examples: is 0, expected a whole number from 1 to 1000000"},
        {"grad: no -o",
         {"grad", model, ok_batch},
         "-o: missing; give the gradients file to write, e.g. -o grads.safetensors"},
        {"grad: id beyond the vocabulary",
         {"grad", model, b_vocab, "-o", "OUT"},
         b_vocab + ": input[0][2]: is 7, outside the model's vocabulary (expected a token id from 0 to 6)"},
        {"grad: negative target",
         {"grad", model, b_neg, "-o", "OUT"},
         b_neg + ": target[0][1]: is -1, outside the model's vocabulary (expected a token id from 0 to 6 or -100 "
                 "(ignored))"},
        {"grad: fractional id",
         {"grad", model, b_float, "-o", "OUT"},
         b_float + ": input[0][1]: is 2.5, expected a token id from 0 to 6"},
        {"grad: non-finite number",
         {"grad", model, b_inf, "-o", "OUT"},
         b_inf + ": target[0][1]: is 1e999, which is not a finite number (too large)"},
        {"grad: ragged rows",
         {"grad", model, b_ragged, "-o", "OUT"},
         b_ragged + ": input[1]: has 2 entries, input[0] has 3 (every row has the same length)"},
        {"grad: target shorter",
         {"grad", model, b_shape, "-o", "OUT"},
         b_shape + ": target[0]: has 2 entries, input[0] has 3"},
        {"grad: target rows", {"grad", model, b_rows, "-o", "OUT"}, b_rows + ": target: has 2 rows, input has 1"},
        {"grad: all ignored",
         {"grad", model, b_ignored, "-o", "OUT"},
         b_ignored + ": target: is -100 (ignored) everywhere; the loss needs at least one target"},
        {"grad: longer than max_len",
         {"grad", model, b_long, "-o", "OUT"},
         b_long + ": input[0]: has 7 positions, more than the model's max_len 6"},
        {"grad: unknown key",
         {"grad", model, b_key, "-o", "OUT"},
         b_key + ": mask: is not a batch key (a batch is {\"input\": [[ids]], \"target\": [[ids, or -100 to ignore]]}, "
                 "values instead of ids for a series model)"},
        {"grad: missing target",
         {"grad", model, b_missing, "-o", "OUT"},
         b_missing +
             ": target: is missing (a batch is {\"input\": [[ids]], \"target\": [[ids, or -100 to ignore]]}, values "
             "instead of ids for a series model)"},
        {"grad: duplicate key", {"grad", model, b_dup, "-o", "OUT"}, b_dup + ": input: appears twice"},
        {"grad: empty batch",
         {"grad", model, b_empty, "-o", "OUT"},
         b_empty + ": input: has no rows; a batch has at least one sequence"},
        {"grad: a long string, clipped at a character boundary",
         {"grad", model, b_utf8, "-o", "OUT"},
         b_utf8 + ": input[0][0]: is \"" + w39 + "...\", expected a token id from 0 to 6"},
        {"grad: text in a series batch",
         {"grad", series, b_series, "-o", "OUT"},
         b_series + ": input[0][1]: is \"x\", expected a number"},
        {"attend: id beyond the vocabulary",
         {"attend", model, "1 2 9"},
         "INPUT: entry 2 \"9\" is not a token id of this model (0 to 6)"},
        {"attend: too long",
         {"attend", model, "1 2 3 4 5 6 0"},
         "INPUT: has 7 entries, more than the model's max_len 6"},
        {"attend: empty", {"attend", model, "  "}, "INPUT: is empty; give token ids, e.g. \"3 1 4 1 5\""},
        {"attend: not a number (series)",
         {"attend", series, "0.5 x"},
         "INPUT: entry 1 \"x\" is not a number (finite, at most 1e30 in size)"},
        {"unknown command",
         {"tran", "--task", "reverse"},
         "usage: unknown command \"tran\"; the commands are compute, train, eval, grad, attend and translate (see "
         "attnlab "
         "--help)"},
    };
    for (const Bad& b : cases) check_bad(b, dir, inputs);
    // A syntax error names the file and nlohmann's position.
    const RunResult r = run_attnlab({"grad", model, b_json, "-o", dir.path("g.safetensors")});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::StartsWith("attnlab: " + b_json + ": invalid JSON: parse error at line 1, column "));
    CHECK(dir.files() == inputs);
}

// =====================================================================================
// [SECTION] Help
// =====================================================================================

TEST_CASE("help: attnlab --help lists the commands; each command's --help documents its options and defaults",
          "[cli][help]") {
    const RunResult top = ok(run_attnlab({"--help"}));
    for (const char* s : {"compute", "train", "eval", "grad", "attend"}) CHECK_THAT(top.out, Catch::Contains(s));

    const RunResult train = ok(run_attnlab({"train", "--help"}));
    for (const char* s : {"--task",
                          "--length",
                          "--vocab",
                          "--k",
                          "--noise",
                          "--layers",
                          "--heads",
                          "--d-model",
                          "--d-ff",
                          "--positions",
                          "--activation",
                          "--lr",
                          "--batch",
                          "--warmup",
                          "--clip",
                          "--weight-decay",
                          "--steps",
                          "--seed",
                          "MODEL.safetensors",
                          "Defaults per task",
                          "induction",
                          "Exit status",
                          "3 training diverged",
                          "load_state_dict"})
        CHECK_THAT(train.out, Catch::Contains(s));
    // The defaults table is the core's recipe.
    CHECK_THAT(train.out,
               Catch::Contains("  reverse    8      10    -  1      32      2     64    0.003  64    0      1     0.01"
                               "         400"));
    const RunResult eval = ok(run_attnlab({"eval", "--help"}));
    for (const char* s : {"--examples", "--seed", "--json", "exact match", "copied tokens"})
        CHECK_THAT(eval.out, Catch::Contains(s));
    const RunResult grad = ok(run_attnlab({"grad", "--help"}));
    for (const char* s : {"BATCH.json", "-100", "GRADS.safetensors", ".grad"}) CHECK_THAT(grad.out, Catch::Contains(s));
    const RunResult attend = ok(run_attnlab({"attend", "--help"}));
    for (const char* s : {"--json", "--png", "INPUT", "rows: queries"}) CHECK_THAT(attend.out, Catch::Contains(s));
}
