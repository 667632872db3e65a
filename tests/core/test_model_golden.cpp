// test_model_golden.cpp: model files exchanged with PyTorch 1.13, both ways.
//
// tests/golden/model/ is made by scripts/make_model_golden.py:
//   torch_*.safetensors  written by PyTorch (issue 11's module, random float32 parameters, its
//                        state_dict as F32 with the config in __metadata__); the core must load it.
//   core_*.safetensors   written by `attnlab train` (the command is in the case's JSON); the
//                        script loaded it into the PyTorch module with load_state_dict(strict=True).
// Each case's JSON holds fixed inputs and the logits PyTorch computed for them (float64 on the
// float32 parameters). The core's float32 logits must match within 2e-5 · max(1, max |logit|)
// (the tolerance of the whole-model golden cases in test_train_golden.cpp; seen: ≤ 1e-6).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attn/train/model_file.hpp"
#include "golden.hpp"

#ifndef ATTN_GOLDEN_DIR
#error "ATTN_GOLDEN_DIR must name the tests/golden folder"
#endif

namespace {

using json = nlohmann::ordered_json;

constexpr double kLogitTol = 2e-5;

// A binary golden file (the JSON ones go through golden::read_json).
std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open golden file " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string dir() { return std::string(ATTN_GOLDEN_DIR) + "/model/"; }

}  // namespace

TEST_CASE("model golden: files written by PyTorch and by attnlab load, and give PyTorch's logits (2e-5)",
          "[train][golden][files]") {
    const json index = golden::read_json<json>(dir() + "index.json");
    std::size_t torch_written = 0, core_written = 0;  // by whom each file was written
    for (const auto& name : index.at("cases")) {
        const json c = golden::read_json<json>(dir() + name.get<std::string>());
        INFO(c.at("name").get<std::string>());
        const attn::ModelFile f = attn::read_model_file(read_bytes(dir() + c.at("file").get<std::string>()));
        (c.at("written_by") == "pytorch" ? torch_written : core_written)++;
        // The config as read is the config as written (same keys, same values).
        CHECK(json::parse(attn::model_config_json(f.config)) == c.at("config"));
        attn::Transformer& m = *f.model;
        for (const json& x : c.at("cases")) {
            const json& in = x.at("input");
            const std::size_t B = in.size(), n = in.at(0).size();
            attn::ConstMatrixView y;
            if (f.config.task.tokens()) {
                std::vector<std::int32_t> tokens;
                for (const auto& row : in)
                    for (const auto& v : row) tokens.push_back(v.get<std::int32_t>());
                y = m.forward(tokens.data(), B, n);
            } else {
                std::vector<float> values;
                for (const auto& row : in)
                    for (const auto& v : row) values.push_back(v.get<float>());
                y = m.forward_series(values.data(), B, n);
            }
            const json& want = x.at("expected_logits");
            REQUIRE(want.at("shape") == json::array({B * n, y.cols}));
            double scale = 1.0, err = 0.0;
            for (std::size_t i = 0; i < B * n; ++i)
                for (std::size_t j = 0; j < y.cols; ++j) {
                    const double w = want.at("data").at(i * y.cols + j).get<double>();
                    scale = std::max(scale, std::fabs(w));
                    err = std::max(err, std::fabs(static_cast<double>(y(i, j)) - w));
                }
            INFO("batch " << B << " × " << n << ": max error " << err << ", scale " << scale);
            CHECK(err <= kLogitTol * scale);
        }
    }
    CHECK(torch_written >= 3);
    CHECK(core_written >= 3);
}
