// test_cli_dates.cpp: attnlab train --task dates, eval, grad and translate on date models, run as
// a user runs them.
//
// References: the PyTorch-written model tests/golden/seq2seq/torch_model.safetensors (random
// weights; scripts/make_seq2seq_golden.py stored its greedy outputs in torch_model.json) and the
// core, linked here, for the gradients `attnlab grad` must equal bit for bit. Training runs are
// kept short and small (the ≥ 98 % default run is measured, not tested: see the README).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "attn/safetensors.hpp"
#include "attn/train/seq2seq_file.hpp"
#include "cli_harness.hpp"
#include "export.hpp"

#ifndef ATTN_GOLDEN_DIR
#error "ATTN_GOLDEN_DIR must name the tests/golden folder"
#endif

using namespace cli_test;

namespace {

std::string golden(const std::string& name) { return std::string(ATTN_GOLDEN_DIR) + "/seq2seq/" + name; }

RunResult ok(const RunResult& r) {
    INFO("stderr: " << r.err << "\nstdout: " << r.out);
    REQUIRE(r.exit_code == 0);
    return r;
}

struct Bad {
    std::string name;
    std::vector<std::string> args;
    std::string expected;  // the whole stderr line after "attnlab: "
};

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

TEST_CASE("dates: train writes a model file that eval reads; the same seed gives the same bytes", "[cli][dates]") {
    TempDir dir;
    const std::vector<std::string> args = {"train", "--task",       "dates", "--emb",         "4", "--enc-hidden",
                                           "4",     "--dec-hidden", "6",     "--attn-hidden", "4", "--steps",
                                           "6",     "--batch",      "8",     "--seed",        "5"};
    auto a = args, b = args;
    a.insert(a.end(), {"-o", dir.path("a.safetensors")});
    b.insert(b.end(), {"-o", dir.path("b.safetensors")});
    const RunResult r = ok(run_attnlab(a));
    CHECK(r.out.find("trained dates for 6 steps") != std::string::npos);
    CHECK(r.out.find("alignment mass: year ") != std::string::npos);
    ok(run_attnlab(b));
    const std::string bytes = read_file(dir.path("a.safetensors"));
    CHECK(bytes == read_file(dir.path("b.safetensors")));
    const attn::Seq2SeqFile f = attn::read_seq2seq_file(bytes);
    CHECK(f.step == 6);
    CHECK(f.config.emb == 4);
    CHECK(f.config.dec_hidden == 6);
    REQUIRE(f.find_metadata("seed"));
    CHECK(*f.find_metadata("seed") == "5");

    const RunResult e = ok(run_attnlab({"eval", dir.path("a.safetensors"), "--examples", "50", "--json"}));
    const json j = json::parse(e.out);
    CHECK(j.at("task") == "dates");
    CHECK(j.at("step") == 6);
    CHECK(j.at("examples") == 50);
    CHECK(j.at("seed") == 5);  // the file's training seed
    for (const char* k : {"year", "month", "day"}) {
        const double m = j.at("alignment").at(k);
        CHECK(m >= 0.0);
        CHECK(m <= 1.0);
    }
    CHECK(j.at("loss").get<double>() > 0.5);  // 6 steps: far from trained
}

TEST_CASE("dates: translate gives PyTorch's greedy output and rows of weights that sum to 1", "[cli][dates][golden]") {
    const json want = json::parse(read_file(golden("torch_model.json")));
    const auto sources = want.at("sources").get<std::vector<std::string>>();
    const auto greedy = want.at("greedy").get<std::vector<std::vector<int>>>();
    const std::vector<std::string> tv = {"<pad>", "<bos>", "<eos>", "<unk>", "-", "0", "1", "2",
                                         "3",     "4",     "5",     "6",     "7", "8", "9"};
    for (std::size_t i = 0; i < sources.size(); ++i) {
        INFO(sources[i]);
        const RunResult r = ok(run_attnlab({"translate", golden("torch_model.safetensors"), sources[i], "--json"}));
        const json j = json::parse(r.out);
        std::vector<std::string> expected;
        for (int id : greedy[i]) {
            expected.push_back(tv[static_cast<std::size_t>(id)]);
            if (id == 2) break;  // translate stops at <eos>
        }
        const auto got = j.at("output_tokens").get<std::vector<std::string>>();
        // torch's 11 greedy steps are a prefix of ours when no <eos> came
        REQUIRE(got.size() >= expected.size());
        for (std::size_t t = 0; t < expected.size(); ++t) CHECK(got[t] == expected[t]);
        CHECK(j.at("source_characters").size() == sources[i].size());
        const Rows att = rows_of(j.at("attention"));
        REQUIRE(att.size() == got.size());
        for (const auto& row : att) {
            REQUIRE(row.size() == sources[i].size());
            double s = 0;
            for (double x : row) s += x;
            CHECK(std::fabs(s - 1) < 1e-5);
        }
        for (double p : j.at("probabilities").get<std::vector<double>>()) {
            CHECK(p > 0);
            CHECK(p <= 1);
        }
    }
}

TEST_CASE("dates: translate prints the table, flags unknown characters, and --png writes the heatmap", "[cli][dates]") {
    TempDir dir;
    const RunResult r = ok(run_attnlab(
        {"translate", golden("torch_model.safetensors"), "23 N\xC3\xB6v 2026!", "--png", dir.path("a.png")}));
    CHECK(r.out.rfind("23 N\xC3\xB6v 2026! -> ", 0) == 0);
    CHECK(r.out.find("(2 characters are not in the model's vocabulary and read as <unk>)") != std::string::npos);
    CHECK(r.out.find("alignment (rows: output characters") != std::string::npos);
    // the columns: one per source character, unknown ones shown as ?
    CHECK(r.out.find("2     3     _     N     ?     v") != std::string::npos);
    // the PNG is ui::heatmap_png of the weights --json prints (shortest round-trip decimals)
    const RunResult j =
        ok(run_attnlab({"translate", golden("torch_model.safetensors"), "23 N\xC3\xB6v 2026!", "--json"}));
    const Rows att = rows_of(json::parse(j.out).at("attention"));
    attn::Matrix m(att.size(), att[0].size());
    for (std::size_t i = 0; i < m.rows(); ++i)
        for (std::size_t k = 0; k < m.cols(); ++k) m(i, k) = static_cast<float>(att[i][k]);
    const std::vector<attn::ConstMatrixView> panels = {m.view()};
    CHECK(read_file(dir.path("a.png")) ==
          attn::ui::heatmap_png(panels, attn::ui::Colormap::viridis, attn::ui::range_from_zero(panels)));
}

TEST_CASE("dates: grad gives the core's loss and gradients bit for bit, under the parameters' names",
          "[cli][dates][grad]") {
    TempDir dir;
    const std::string batch = dir.write(
        "b.json",
        R"({"source": ["23 Nov 2026", "the 1st of MAY 1999", "1.2.2099"], "target": ["2026-11-23", "1999-05-01", "2099-02-01"]})");
    const RunResult r =
        ok(run_attnlab({"grad", golden("torch_model.safetensors"), batch, "-o", dir.path("g.safetensors")}));
    CHECK(r.out.find("(mean over 33 targets: 3 dates") != std::string::npos);
    const attn::safetensors::File g = attn::safetensors::parse(read_file(dir.path("g.safetensors")));

    attn::Seq2SeqFile f = attn::read_seq2seq_file(read_file(golden("torch_model.safetensors")));
    attn::dates::Batch b;
    attn::dates::encode_batch({"23 Nov 2026", "the 1st of MAY 1999", "1.2.2099"},
                              {"2026-11-23", "1999-05-01", "2099-02-01"}, b);
    f.model->forward(b.source.data(), b.lengths.data(), b.size, b.source_length, b.target.data(), b.target_length);
    const float loss = f.model->cross_entropy_loss();
    f.model->backward();
    REQUIRE(g.find_metadata("loss"));
    CHECK(std::stof(*g.find_metadata("loss")) == loss);
    const attn::Parameters& ps = f.model->parameters();
    REQUIRE(g.tensors.size() == ps.size());
    for (std::size_t k = 0; k < ps.size(); ++k) {
        INFO(ps.info(k).name);
        const attn::safetensors::Tensor* t = g.find(ps.info(k).name);
        REQUIRE(t);
        CHECK(t->shape == ps.info(k).shape);
        REQUIRE(t->values.size() == ps.info(k).count);
        for (std::size_t i = 0; i < t->values.size(); ++i) REQUIRE(t->values[i] == ps.grad(k)[i]);
    }
}

TEST_CASE("dates: bad input exits 2 with one line naming the problem, and writes nothing", "[cli][dates][errors]") {
    TempDir dir;
    const std::string model = dir.write("m.safetensors", read_file(golden("torch_model.safetensors")));
    const std::string reverse =
        dir.write("r.safetensors", read_file(std::string(ATTN_GOLDEN_DIR) + "/model/core_reverse.safetensors"));
    const std::string broken = dir.write("x.safetensors", read_file(model).substr(0, 200));
    const std::string b_empty =
        dir.write("b1.json", R"({"source": ["23 Nov 2026", ""], "target": ["2026-11-23", "2026-11-23"]})");
    const std::string b_date = dir.write("b2.json", R"({"source": ["x"], "target": ["2026-02-30"]})");
    const std::string b_count = dir.write("b3.json", R"({"source": ["x", "y"], "target": ["2026-02-03"]})");
    const std::string b_key = dir.write("b4.json", R"({"source": ["x"], "target": ["2026-02-03"], "input": [[1]]})");
    const std::string b_type = dir.write("b5.json", R"({"source": [3], "target": ["2026-02-03"]})");
    const std::string b_missing = dir.write("b6.json", R"({"source": ["x"]})");
    const std::string b_long =
        dir.write("b7.json", "{\"source\": [\"" + std::string(65, '1') + "\"], \"target\": [\"2026-02-03\"]}");
    const std::vector<std::string> inputs = dir.files();
    const std::vector<Bad> cases = {
        {"translate: empty source", {"translate", model, ""}, "INPUT: is empty; give a date, e.g. \"23 Nov 2026\""},
        {"translate: too long",
         {"translate", model, std::string(65, 'x')},
         "INPUT: has 65 characters, the limit is 64"},
        {"translate: a Transformer model",
         {"translate", reverse, "23 Nov 2026"},
         reverse + ": is a Transformer model (task copy, reverse, sort, induction or series); translate takes a dates "
                   "model (attnlab train --task dates); try attnlab attend"},
        {"translate: a broken file",
         {"translate", broken, "23 Nov 2026"},
         broken + ": the header length is 2440 bytes, but only 192 bytes follow it (a truncated file, or not a "
                  "safetensors file)"},
        {"grad: empty source", {"grad", model, b_empty, "-o", "OUT"}, b_empty + ": source[1]: is empty"},
        {"grad: not a date",
         {"grad", model, b_date, "-o", "OUT"},
         b_date + ": target[0]: is '2026-02-30', expected a date YYYY-MM-DD from 1900-01-01 to 2099-12-31"},
        {"grad: counts differ",
         {"grad", model, b_count, "-o", "OUT"},
         b_count + ": target: has 1 entries, source has 2"},
        {"grad: unknown key",
         {"grad", model, b_key, "-o", "OUT"},
         b_key + ": input: is not a batch key; a dates batch is {\"source\": [\"23 Nov 2026\", ...], \"target\": "
                 "[\"2026-11-23\", ...]}"},
        {"grad: not a string",
         {"grad", model, b_type, "-o", "OUT"},
         b_type + ": source[0]: is a number, expected a string"},
        {"grad: no target",
         {"grad", model, b_missing, "-o", "OUT"},
         b_missing + ": has no \"target\"; a dates batch is {\"source\": [\"23 Nov 2026\", ...], \"target\": "
                     "[\"2026-11-23\", ...]}"},
        {"grad: too long",
         {"grad", model, b_long, "-o", "OUT"},
         b_long + ": source[0]: has 65 characters, the limit is 64"},
        {"train: a Transformer option",
         {"train", "--task", "dates", "--d-model", "8", "-o", "OUT"},
         "--d-model: is a Transformer option; the dates task trains the seq2seq_additive model (its sizes are --emb, "
         "--enc-hidden, --dec-hidden and --attn-hidden)"},
        {"train: a dates option elsewhere",
         {"train", "--task", "reverse", "--emb", "8", "-o", "OUT"},
         "--emb: is an option of the dates task (the seq2seq model); the reverse task trains a Transformer"},
        {"train: emb 0",
         {"train", "--task", "dates", "--emb", "0", "-o", "OUT"},
         "--emb: is 0, expected a whole number from 1 to 256"},
        {"train: threads",
         {"train", "--task", "dates", "--threads", "2", "-o", "OUT"},
         "--threads: the dates task trains on one thread (threads are for the Transformer tasks)"},
        {"train: no -o",
         {"train", "--task", "dates"},
         "-o: missing; give the model file to write, e.g. -o dates.safetensors"},
    };
    for (const Bad& b : cases) check_bad(b, dir, inputs);
}
