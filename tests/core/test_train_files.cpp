// test_train_files.cpp: model files (config + tensors), the trainer's steps and held-out
// evaluation. Natively and in wasm. (The safetensors layer itself: test_safetensors.cpp.)
//
// [SECTION] Helpers
// [SECTION] Model files: round trip
// [SECTION] Model files: every problem named
// [SECTION] Trainer and evaluation
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attn/safetensors.hpp"
#include "attn/train/model_file.hpp"
#include "attn/train/trainer.hpp"

using attn::ModelConfig;
using attn::Transformer;
using attn::TransformerConfig;
using nlohmann::json;
namespace st = attn::safetensors;

namespace {

// =====================================================================================
// [SECTION] Helpers
// =====================================================================================

std::uint64_t read_le64(const std::string& b) {
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= std::uint64_t{static_cast<unsigned char>(b[i])} << (8 * i);
    return n;
}

std::string le64(std::uint64_t v) {
    std::string s;
    for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
    return s;
}

// The header of safetensors bytes as JSON, and the data buffer.
json header_of(const std::string& bytes) { return json::parse(bytes.substr(8, read_le64(bytes))); }
std::string data_of(const std::string& bytes) { return bytes.substr(8 + read_le64(bytes)); }
std::string with_header(const json& header, const std::string& data) {
    const std::string h = header.dump();
    return le64(h.size()) + h + data;
}

attn::TaskConfig task_of(attn::TaskKind kind, std::size_t length, std::size_t vocab, std::size_t k = 3) {
    attn::TaskConfig t;
    t.kind = kind;
    t.length = length;
    t.vocab = vocab;
    t.k = k;
    return t;
}

// A small initialised model for a task.
Transformer small_model(const attn::TaskConfig& task, attn::Positions pos = attn::Positions::learned,
                        attn::nn::Activation act = attn::nn::Activation::relu, std::size_t layers = 2) {
    TransformerConfig c = attn::model_for_task(task, 8, 2, 16, layers);
    c.positions = pos;
    c.activation = act;
    Transformer m(c);
    m.init(11);
    return m;
}

// The error read_model_file throws for bytes: "field: problem" ("problem" without a field).
std::string model_error(const std::string& bytes) {
    try {
        attn::read_model_file(bytes);
    } catch (const attn::Error& e) {
        return e.field().empty() ? e.problem() : e.field() + ": " + e.problem();
    }
    return "(no error)";
}

std::string config_error(const std::string& text) {
    try {
        attn::parse_model_config(text);
    } catch (const attn::Error& e) {
        return e.field() + ": " + e.problem();
    }
    return "(no error)";
}

// A model file for the reverse task whose config (metadata) is edited.
std::string file_with_config(const json& config) {
    const Transformer m =
        small_model(task_of(attn::TaskKind::reverse, 5, 7), attn::Positions::learned, attn::nn::Activation::relu, 1);
    const std::string bytes = attn::write_model_file(m, task_of(attn::TaskKind::reverse, 5, 7), 3);
    json h = header_of(bytes);
    h["__metadata__"]["config"] = config.dump();
    return with_header(h, data_of(bytes));
}

json reverse_config() {
    return json::parse(
        R"({"model":"transformer","vocab":7,"d_model":8,"heads":2,"d_ff":16,"layers":1,"max_len":5,)"
        R"("positions":"learned","activation":"relu","causal":false,"task":{"name":"reverse","length":5,"vocab":7}})");
}

}  // namespace

// =====================================================================================
// [SECTION] Model files: round trip
// =====================================================================================

TEST_CASE("model files: Transformer::layout is the model's parameters exactly", "[train][files]") {
    for (const auto kind : {attn::TaskKind::reverse, attn::TaskKind::series}) {
        for (const auto pos : {attn::Positions::learned, attn::Positions::sinusoidal}) {
            const Transformer m = small_model(task_of(kind, 6, 5), pos);
            const auto layout = Transformer::layout(m.config());
            REQUIRE(layout.size() == m.parameters().size());
            for (std::size_t i = 0; i < layout.size(); ++i) {
                CHECK(layout[i].name == m.parameters().info(i).name);
                CHECK(layout[i].shape == m.parameters().info(i).shape);
                CHECK(layout[i].offset == m.parameters().info(i).offset);
                CHECK(layout[i].count == m.parameters().info(i).count);
            }
        }
    }
}

TEST_CASE("model files: write then read gives the same config, step, metadata and parameters bit for bit",
          "[train][files]") {
    struct Case {
        attn::TaskConfig task;
        attn::Positions pos;
        attn::nn::Activation act;
    };
    attn::TaskConfig series = task_of(attn::TaskKind::series, 9, 1);
    series.noise = 0.05f;
    const Case cases[] = {
        {task_of(attn::TaskKind::reverse, 6, 7), attn::Positions::learned, attn::nn::Activation::relu},
        {task_of(attn::TaskKind::sort, 4, 5), attn::Positions::sinusoidal, attn::nn::Activation::gelu},
        {task_of(attn::TaskKind::copy, 3, 2), attn::Positions::learned, attn::nn::Activation::gelu},
        {task_of(attn::TaskKind::induction, 12, 9, 4), attn::Positions::sinusoidal, attn::nn::Activation::relu},
        {series, attn::Positions::learned, attn::nn::Activation::relu},
    };
    for (const Case& c : cases) {
        INFO(attn::task_name(c.task.kind));
        const Transformer m = small_model(c.task, c.pos, c.act);
        const std::string bytes = attn::write_model_file(m, c.task, 1234567890123ull, {{"seed", "42"}});
        const attn::ModelFile f = attn::read_model_file(bytes);
        CHECK(f.step == 1234567890123ull);
        REQUIRE(f.find_metadata("seed"));
        CHECK(*f.find_metadata("seed") == "42");
        CHECK(attn::model_config_json(f.config) == attn::model_config_json({m.config(), c.task}));
        CHECK(f.config.model.causal == c.task.causal());
        CHECK(f.config.task.noise == c.task.noise);
        const attn::Parameters& a = m.parameters();
        const attn::Parameters& b = f.model->parameters();
        REQUIRE(a.total() == b.total());
        CHECK(std::memcmp(a.values(), b.values(), a.total() * sizeof(float)) == 0);
        // and the bytes are what a second write of the loaded model gives
        CHECK(attn::write_model_file(*f.model, f.config.task, f.step, {{"seed", "42"}}) == bytes);
    }
}

TEST_CASE("model files: the config is exactly the issue's keys, in order", "[train][files]") {
    attn::TaskConfig t = task_of(attn::TaskKind::induction, 12, 9, 4);
    const Transformer m = small_model(t);
    CHECK(
        attn::model_config_json({m.config(), t}) ==
        R"({"model":"transformer","vocab":9,"d_model":8,"heads":2,"d_ff":16,"layers":2,"max_len":12,)"
        R"("positions":"learned","activation":"relu","causal":true,"task":{"name":"induction","length":12,"vocab":9,"k":4}})");
    attn::TaskConfig s = task_of(attn::TaskKind::series, 7, 1);
    s.noise = 0.05f;
    CHECK_THAT(
        attn::model_config_json({small_model(s).config(), s}),
        Catch::EndsWith(R"("vocab":1,"d_model":8,"heads":2,"d_ff":16,"layers":2,"max_len":7,"positions":"learned",)"
                        R"("activation":"relu","causal":true,"task":{"name":"series","length":7,"noise":0.05}})"));
    CHECK(attn::shortest_float_text(0.1f) == "0.1");
    CHECK(attn::shortest_float_text(1e-8f) == "1e-08");
    CHECK(attn::shortest_float_text(3.4028235e38f) == "3.4028235e+38");
}

TEST_CASE("model files: F64, F16 and BF16 tensors load (converted), other metadata is kept", "[train][files]") {
    const attn::TaskConfig t = task_of(attn::TaskKind::reverse, 5, 7);
    const Transformer m = small_model(t, attn::Positions::learned, attn::nn::Activation::relu, 1);
    const std::string bytes = attn::write_model_file(m, t, 7);
    // Rewrite the file with norm.weight (all 1) as F16 (0x3C00) and head.bias as F64.
    const json h = header_of(bytes);
    const std::string data = data_of(bytes);
    const auto& p = m.parameters();
    const std::size_t nw = p.index("norm.weight"), hb = p.index("head.bias");
    std::string rebuilt;
    json header = json::object();
    header["__metadata__"] = h["__metadata__"];
    for (std::size_t i = 0; i < p.size(); ++i) {
        const auto& info = p.info(i);
        std::string raw;
        std::string dtype = "F32";
        if (i == nw) {
            dtype = "F16";
            for (std::size_t k = 0; k < info.count; ++k) raw += std::string("\x00\x3C", 2);
        } else if (i == hb) {
            dtype = "F64";
            for (std::size_t k = 0; k < info.count; ++k) {
                const double v = p.value(i)[k];
                std::uint64_t bits;
                std::memcpy(&bits, &v, 8);
                raw += le64(bits);
            }
        } else {
            raw = data.substr(h[info.name]["data_offsets"][0].get<std::size_t>(), 4 * info.count);
        }
        header[info.name] = {
            {"dtype", dtype}, {"shape", info.shape}, {"data_offsets", {rebuilt.size(), rebuilt.size() + raw.size()}}};
        rebuilt += raw;
    }
    header["__metadata__"]["format"] = "pt";
    const attn::ModelFile f = attn::read_model_file(with_header(header, rebuilt));
    CHECK(std::memcmp(f.model->parameters().values(), m.parameters().values(), m.parameters().total() * 4) == 0);
    REQUIRE(f.find_metadata("format"));
}

// =====================================================================================
// [SECTION] Model files: every problem named
// =====================================================================================

TEST_CASE("model files: config problems name the key", "[train][files][errors]") {
    struct Bad {
        const char* name;
        std::string config;  // the config text
        std::string error;   // field: problem
    };
    auto edit = [](const std::function<void(json&)>& f) {
        json c = reverse_config();
        f(c);
        return c.dump();
    };
    const Bad cases[] = {
        {"not JSON", "{\"model\": ", "config: invalid JSON: "},
        {"not an object", "[1]", "config: is an array, expected a JSON object {\"model\": \"transformer\", ...}"},
        {"duplicate key", R"({"model":"transformer","model":"transformer"})", "config.model: appears twice"},
        {"unknown key", edit([](json& c) { c["dropout"] = 0.1; }),
         "config.dropout: is not a config key (the keys are model, vocab, d_model, heads, d_ff, layers, max_len, "
         "positions, "
         "activation, causal, task)"},
        {"missing key", edit([](json& c) { c.erase("d_ff"); }), "config: has no \"d_ff\" (the keys are model, vocab,"},
        {"model not transformer", edit([](json& c) { c["model"] = "gru"; }),
         "config.model: is \"gru\", expected \"transformer\""},
        {"vocab a string", edit([](json& c) { c["vocab"] = "7"; }),
         "config.vocab: is \"7\", expected a whole number from 1 to 65536"},
        {"vocab fractional", edit([](json& c) { c["vocab"] = 7.5; }),
         "config.vocab: is 7.5, expected a whole number from 1 to 65536"},
        {"d_model negative", edit([](json& c) { c["d_model"] = -8; }),
         "config.d_model: is -8, expected a whole number from 1 to 4096"},
        {"d_model too large", edit([](json& c) { c["d_model"] = 5000; }),
         "config.d_model: is 5000, expected 1 to 4096"},
        {"heads do not divide", edit([](json& c) { c["heads"] = 3; }),
         "config.heads: is 3, which does not divide d_model 8"},
        {"heads beyond d_model", edit([](json& c) { c["heads"] = 9; }),
         "config.heads: is 9, expected 1 to 8 (at most d_model)"},
        {"layers 0", edit([](json& c) { c["layers"] = 0; }), "config.layers: is 0, expected 1 to 64"},
        {"positions unknown", edit([](json& c) { c["positions"] = "rotary"; }),
         "config.positions: is \"rotary\", expected \"learned\" or \"sinusoidal\""},
        {"activation unknown", edit([](json& c) { c["activation"] = "tanh"; }),
         "config.activation: is \"tanh\", expected \"relu\" or \"gelu\""},
        {"causal a number", edit([](json& c) { c["causal"] = 1; }), "config.causal: is 1, expected true or false"},
        {"task a string", edit([](json& c) { c["task"] = "reverse"; }),
         "config.task: is \"reverse\", expected an object"},
        {"task name unknown", edit([](json& c) { c["task"]["name"] = "add"; }),
         "config.task.name: is \"add\", expected \"copy\", \"reverse\", \"sort\", \"induction\" or \"series\""},
        {"task key of another task", edit([](json& c) { c["task"]["k"] = 2; }),
         "config.task.k: is not a config key (the keys are name, length, vocab for reverse)"},
        {"task length missing", edit([](json& c) { c["task"].erase("length"); }),
         "config.task: has no \"length\" (the keys are name, length, vocab for reverse)"},
        {"task longer than max_len", edit([](json& c) { c["task"]["length"] = 6; }),
         "config.task.length: is 6, expected 1 to 5 (at most max_len)"},
        {"task vocab beyond the model's", edit([](json& c) { c["task"]["vocab"] = 8; }),
         "config.task.vocab: is 8, expected 2 to 7 (at most the model's vocab)"},
        {"induction k too long", edit([](json& c) {
             c["task"] = {{"name", "induction"}, {"length", 5}, {"vocab", 7}, {"k", 4}};
         }),
         "config.task.k: is 4, expected 1 to 3 (a copy of k tokens needs length + 1 ≥ 2k)"},
        {"series with vocab 7", edit([](json& c) {
             c["task"] = {{"name", "series"}, {"length", 5}, {"noise", 0.1}};
         }),
         "config.vocab: is 7, expected 1 for the series task (one value per position)"},
        {"series noise negative", edit([](json& c) {
             c["vocab"] = 1;
             c["task"] = {{"name", "series"}, {"length", 5}, {"noise", -0.1}};
         }),
         "config.task.noise: is -0.1, expected a number from 0 to 1e6"},
        {"token task with vocab 1", edit([](json& c) { c["vocab"] = 1; }),
         "config.vocab: is 1, but the reverse task needs at least 2 tokens"},
        // 39 bytes, then a two-byte character: the message clips before it, not inside it
        {"long string", edit([](json& c) { c["model"] = std::string(39, 'g') + "\u0444ru"; }),
         "config.model: is \"" + std::string(39, 'g') + "...\", expected \"transformer\""},
    };
    for (const Bad& b : cases) {
        INFO(b.name);
        CHECK_THAT(config_error(b.config), Catch::StartsWith(b.error));
        // and in a file, the same message (json::parse would drop the duplicate or fail)
        const std::string name = b.name;
        if (name != "not JSON" && name != "duplicate key")
            CHECK_THAT(model_error(file_with_config(json::parse(b.config))), Catch::StartsWith(b.error));
    }
    CHECK(config_error(reverse_config().dump()) == "(no error)");
}

TEST_CASE("model files: metadata and tensor problems name the key or the tensor", "[train][files][errors]") {
    const attn::TaskConfig t = task_of(attn::TaskKind::reverse, 5, 7);
    const Transformer m = small_model(t, attn::Positions::learned, attn::nn::Activation::relu, 1);
    const std::string good = attn::write_model_file(m, t, 3);
    REQUIRE(model_error(good) == "(no error)");
    const json h = header_of(good);
    const std::string data = data_of(good);

    auto with = [&](const std::function<void(json&)>& f, const std::string& d) {
        json x = h;
        f(x);
        return with_header(x, d);
    };
    // The tensors of a model of config c under the metadata (config) of `m`.
    auto tensors_of = [&](const TransformerConfig& c) {
        const std::string other = attn::write_model_file(Transformer(c), t, 0);
        json x = header_of(other);
        x["__metadata__"] = h["__metadata__"];
        return with_header(x, data_of(other));
    };
    struct Bad {
        const char* name;
        std::string bytes;
        std::string error;
    };
    TransformerConfig two_layers = m.config(), sinusoidal = m.config(), wider = m.config();
    two_layers.layers = 2;
    sinusoidal.positions = attn::Positions::sinusoidal;
    wider.d_ff = 17;
    const Bad cases[] = {
        {"not safetensors", "hello", "is 5 bytes long, too short for a safetensors file"},
        {"no metadata", with([](json& x) { x.erase("__metadata__"); }, data),
         "__metadata__: is missing: a model file's"},
        {"no config", with([](json& x) { x["__metadata__"].erase("config"); }, data),
         "__metadata__: has no \"config\""},
        {"no step", with([](json& x) { x["__metadata__"].erase("step"); }, data), "__metadata__: has no \"step\""},
        {"step not a number", with([](json& x) { x["__metadata__"]["step"] = "-1"; }, data),
         "__metadata__.step: is \"-1\", expected a whole number ≥ 0 in decimal"},
        {"step beyond 64 bits", with([](json& x) { x["__metadata__"]["step"] = "18446744073709551616"; }, data),
         "__metadata__.step: is 18446744073709551616, more than 2^64 − 1"},
        {"metadata value not a string", with([](json& x) { x["__metadata__"]["step"] = 3; }, data),
         "__metadata__ \"step\" is 3, expected a string"},
        {"missing tensor (file of 1 layer, config of 2)",
         with(
             [&](json& x) {
                 x["__metadata__"]["config"] = [&] {
                     json c = reverse_config();
                     c["layers"] = 2;
                     return c.dump();
                 }();
             },
             data),
         "layers.1.self_attn.in_proj_weight: is missing: the config describes a model with this tensor, of shape [24, "
         "8] "
         "(3·d_model × d_model)"},
        {"extra layer", tensors_of(two_layers),
         "layers.1.self_attn.in_proj_weight: is not a tensor of this model: the config says \"layers\": 1"},
        {"pos_emb with sinusoidal positions",
         with(
             [&](json& x) {
                 x["__metadata__"]["config"] = [&] {
                     json c = reverse_config();
                     c["positions"] = "sinusoidal";
                     return c.dump();
                 }();
             },
             data),
         "pos_emb.weight: is not a tensor of this model: the config says \"positions\": \"sinusoidal\""},
        {"sinusoidal file, learned config", tensors_of(sinusoidal),
         "pos_emb.weight: is missing: the config describes a model with this tensor, of shape [5, 8] (max_len × "
         "d_model)"},
        {"shape differs", tensors_of(wider),
         "layers.0.linear1.weight: has shape [17, 8], expected [16, 8] (d_ff × d_model in the config)"},
        {"dtype not a float", with([](json& x) { x["head.bias"]["dtype"] = "I32"; }, data),
         "head.bias: has dtype I32; attnlab reads F32, F64, F16 and BF16"},
        {"a NaN",
         [&] {
             std::string d = data;
             const std::size_t at = h["norm.bias"]["data_offsets"][0].get<std::size_t>() + 8;
             d.replace(at, 4, std::string("\x00\x00\xC0\x7F", 4));
             return with_header(h, d);
         }(),
         "norm.bias: has a NaN at index 2; weights must be finite"},
        {"unknown tensor",
         [&] {
             json x = h;
             std::string d = data + std::string(4, '\0');
             x["extra"] = {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {data.size(), data.size() + 4}}};
             return with_header(x, d);
         }(),
         "extra: is not a tensor of the model the config describes"},
    };
    for (const Bad& b : cases) {
        INFO(b.name);
        CHECK_THAT(model_error(b.bytes), Catch::StartsWith(b.error));
    }
}

// =====================================================================================
// [SECTION] Trainer and evaluation
// =====================================================================================

TEST_CASE("trainer: evaluation counts what the forward pass predicts, on the held-out stream", "[train][trainer]") {
    const attn::TaskConfig t = task_of(attn::TaskKind::induction, 10, 6, 3);
    Transformer m = small_model(t);
    const attn::Evaluation e = attn::evaluate(m, t, 7, 99);
    // the same 7 examples by hand
    attn::Rng rng(99);
    attn::TaskBatch batch;
    attn::generate_batch(t, 7, rng, batch);
    const attn::ConstMatrixView z = m.forward(batch.input.data(), 7, 10);
    std::size_t scored = 0, right = 0, exact = 0;
    for (std::size_t b = 0; b < 7; ++b) {
        bool all = true;
        for (std::size_t i = b * 10; i < b * 10 + 10; ++i) {
            if (!batch.scored[i]) continue;
            std::size_t best = 0;
            for (std::size_t v = 1; v < 6; ++v)
                if (z(i, v) > z(i, best)) best = v;
            ++scored;
            right += best == static_cast<std::size_t>(batch.target[i]);
            all = all && best == static_cast<std::size_t>(batch.target[i]);
        }
        exact += all;
    }
    CHECK(e.scored == scored);
    CHECK(scored == 7 * 2);  // k − 1 copied tokens per example
    CHECK(e.token_accuracy == Approx(static_cast<double>(right) / scored));
    CHECK(e.exact_match == Approx(static_cast<double>(exact) / 7));
    const float loss = m.cross_entropy_loss(batch.target.data());
    CHECK(e.loss == Approx(loss).epsilon(1e-5));
    // chunking does not change the examples: 600 examples = 250 + 250 + 100
    Transformer m2 = small_model(t);
    CHECK(attn::evaluate(m2, t, 600, 5).loss == attn::evaluate(m2, t, 600, 5).loss);
}

TEST_CASE("trainer: series evaluation reports MSE and the last-value baseline", "[train][trainer]") {
    attn::TaskConfig t = task_of(attn::TaskKind::series, 12, 1);
    Transformer m = small_model(t);
    const attn::Evaluation e = attn::evaluate(m, t, 3, 4);
    attn::Rng rng(4);
    attn::TaskBatch batch;
    attn::generate_batch(t, 3, rng, batch);
    m.forward_series(batch.input_values.data(), 3, 12);
    CHECK(e.loss == Approx(m.mse_loss(batch.target_values.data())).epsilon(1e-5));
    double base = 0;
    for (std::size_t i = 0; i < 36; ++i) base += std::pow(batch.input_values[i] - batch.target_values[i], 2) / 36;
    CHECK(e.baseline_mse == Approx(base));
}

TEST_CASE("trainer: a short reverse run learns, deterministically; a huge learning rate stops as diverged",
          "[train][trainer]") {
    attn::TrainRecipe r = attn::default_recipe(attn::TaskKind::reverse);
    r.task.length = 5;
    r.task.vocab = 6;
    auto run = [&](std::size_t steps, double lr) {
        Transformer m(r.model());
        m.init(3);
        attn::AdamConfig o = r.optim;
        o.lr = lr;
        attn::Trainer trainer(m, r.task, o, r.batch, attn::training_data_seed(3));
        std::vector<float> losses;
        for (std::size_t i = 0; i < steps; ++i) losses.push_back(trainer.step());
        return std::make_pair(losses, attn::evaluate(m, r.task, 200, attn::held_out_seed(3)));
    };
    const auto a = run(150, r.optim.lr);
    INFO("last loss " << a.first.back() << ", held-out accuracy " << a.second.token_accuracy);
    CHECK(a.second.token_accuracy > 0.95);
    CHECK(run(20, r.optim.lr).first == std::vector<float>(a.first.begin(), a.first.begin() + 20));

    try {
        run(50, 1e30);
        FAIL("no divergence");
    } catch (const attn::DivergedError& e) {
        INFO(e.what());
        CHECK(e.step() >= 1);
        CHECK_THAT(e.what(), Catch::Contains("at step " + std::to_string(e.step())));
    }
}

TEST_CASE("trainer: a task that does not fit the model is refused", "[train][trainer][errors]") {
    const attn::TaskConfig t = task_of(attn::TaskKind::reverse, 5, 7);
    Transformer m = small_model(t);
    CHECK_THROWS_WITH(attn::evaluate(m, task_of(attn::TaskKind::reverse, 6, 7), 1, 0),
                      "task length 6 is more than the model's max_len 5");
    CHECK_THROWS_WITH(attn::evaluate(m, task_of(attn::TaskKind::reverse, 5, 8), 1, 0),
                      "task vocab 8 is more than the model's 7");
    CHECK_THROWS_WITH(attn::evaluate(m, task_of(attn::TaskKind::series, 5, 1), 1, 0),
                      "task is series, but the model reads tokens");
}
