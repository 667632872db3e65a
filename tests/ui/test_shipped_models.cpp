// The load path of the shipped models (ui/logic/shipped_models.hpp): a missing file, corrupt or
// truncated bytes and a model of the wrong task each fail with a message naming the path and the
// problem; a good file is ready with its model; retry fetches again.
#include <catch2/catch.hpp>

#include <string>

#include "attn/train/model_file.hpp"
#include "attn/train/trainer.hpp"
#include "shipped_models.hpp"

using attn::ui::ModelAsset;

namespace {

std::string small_model_file(attn::TaskKind kind) {
    attn::TrainRecipe r = attn::default_recipe(kind);
    r.d_model = 8;
    r.heads = 2;
    r.d_ff = 8;
    attn::Transformer model(r.model());
    model.init(3);
    return attn::write_model_file(model, r.task, 12);
}

}  // namespace

TEST_CASE("ui: a shipped model loads once, ready with its model", "[ui][models]") {
    ModelAsset a("models/reverse.safetensors", attn::TaskKind::reverse);
    CHECK(a.state() == ModelAsset::State::idle);
    CHECK(a.file() == nullptr);
    REQUIRE(a.begin());
    CHECK(a.state() == ModelAsset::State::loading);
    CHECK_FALSE(a.begin());  // one fetch at a time
    a.deliver(small_model_file(attn::TaskKind::reverse), "");
    REQUIRE(a.state() == ModelAsset::State::ready);
    REQUIRE(a.file() != nullptr);
    CHECK(a.file()->step == 12);
    CHECK(a.file()->model->config().d_model == 8);
    CHECK(std::string(a.state_name()) == "ready");
    CHECK(a.error().empty());
    CHECK_FALSE(a.begin());  // ready: no second fetch
}

TEST_CASE("ui: a missing, corrupt or wrong shipped model fails with a message", "[ui][models]") {
    const std::string good = small_model_file(attn::TaskKind::reverse);
    ModelAsset a("models/reverse.safetensors", attn::TaskKind::reverse);

    SECTION("missing: the shell's message") {
        REQUIRE(a.begin());
        a.deliver({}, "HTTP 404 for models/reverse.safetensors");
        CHECK(a.state() == ModelAsset::State::failed);
        CHECK(a.file() == nullptr);
        CHECK(a.error() ==
              "could not load the trained model models/reverse.safetensors: HTTP 404 for models/reverse.safetensors");
    }
    SECTION("corrupt: not a safetensors file") {
        REQUIRE(a.begin());
        a.deliver("<html>not found</html>", "");
        CHECK(a.state() == ModelAsset::State::failed);
        CHECK(a.file() == nullptr);
        CHECK(a.error().rfind("could not load the trained model models/reverse.safetensors: ", 0) == 0);
        CHECK(a.error().size() > 70);  // the reader's reason follows
    }
    SECTION("truncated") {
        REQUIRE(a.begin());
        a.deliver(good.substr(0, good.size() - 4), "");
        CHECK(a.state() == ModelAsset::State::failed);
        CHECK(a.error().find("models/reverse.safetensors: ") != std::string::npos);
    }
    SECTION("a model of another task") {
        REQUIRE(a.begin());
        a.deliver(small_model_file(attn::TaskKind::sort), "");
        CHECK(a.state() == ModelAsset::State::failed);
        CHECK(a.error() ==
              "could not load the trained model models/reverse.safetensors: it was trained on sort, expected reverse");
    }
    SECTION("retry after a failure fetches again and can succeed") {
        REQUIRE(a.begin());
        a.deliver({}, "network error");
        CHECK_FALSE(a.begin());  // failed stays failed until retry()
        a.retry();
        REQUIRE(a.begin());
        a.deliver(good, "");
        CHECK(a.state() == ModelAsset::State::ready);
        CHECK(a.error().empty());
    }
}
