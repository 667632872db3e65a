// A typed text through a date translator (ui/logic/date_translation.hpp), on a small untrained
// model: bad text gets a message, not a translation; unknown characters are counted and named;
// every step's weights are a distribution over the real characters; an unsure model is out of its
// depth. Also the shipped-model asset for a translator, and the text parameter that holds the date.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "attn/train/dates.hpp"
#include "attn/train/model_file.hpp"
#include "attn/train/seq2seq_file.hpp"
#include "attn/train/trainer.hpp"
#include "date_translation.hpp"
#include "params.hpp"
#include "shipped_models.hpp"

using attn::ui::DateTranslation;

namespace {

attn::Seq2Seq small_model() {
    attn::Seq2SeqConfig c;
    c.source_vocab = attn::dates::source_vocabulary().size();
    c.target_vocab = attn::dates::target_vocabulary().size();
    c.emb = 4, c.enc_hidden = 5, c.dec_hidden = 6, c.attn_hidden = 3;
    attn::Seq2Seq m(c);
    m.init(7);
    return m;
}

DateTranslation run(attn::Seq2Seq& m, const std::string& text) {
    return attn::ui::translate_date(m, attn::dates::source_vocabulary(), attn::dates::target_vocabulary(), text);
}

}  // namespace

TEST_CASE("ui: translate_date keeps every step's numbers and says when it is out of its depth", "[ui][dates]") {
    attn::Seq2Seq m = small_model();
    const DateTranslation r = run(m, "23 Növ 2026");
    REQUIRE(r.error.empty());
    REQUIRE(r.source.size() == 11);  // ö is one character
    CHECK(r.source[4] == "ö");
    CHECK(r.unknown[4]);
    CHECK(r.unknown_count == 1);
    REQUIRE(r.steps() >= 1);
    REQUIRE(r.steps() <= DateTranslation::kMaxSteps);
    CHECK(r.weights.rows() == r.steps());
    CHECK(r.weights.cols() == 11);
    CHECK(r.encoder.rows() == 11);
    CHECK(r.encoder.cols() == 10);
    CHECK(r.context.cols() == 10);
    CHECK(r.states.rows() == r.steps() + 1);
    for (std::size_t t = 0; t < r.steps(); ++t) {
        double sum = 0;
        for (std::size_t j = 0; j < 11; ++j) sum += r.weights(t, j);
        CHECK(sum == Approx(1.0).margin(1e-5));
        CHECK(std::isfinite(r.probability[t]));
        REQUIRE(r.alternatives[t].size() == DateTranslation::kAlternatives);
        CHECK(r.alternatives[t][0].second <= r.probability[t]);  // greedy: the chosen one is the most likely
        CHECK(r.alternatives[t][0].second >= r.alternatives[t][1].second);
        CHECK(r.alternatives[t][0].first != r.tokens[t]);
    }
    REQUIRE(r.out_of_depth());
    CHECK(r.warnings[0] == "1 character is not in the model's vocabulary and read as <unk>");
    // Untrained: unsure, and no date.
    bool unsure = false;
    for (const std::string& w : r.warnings) unsure = unsure || w.find("it is unsure") == 0;
    CHECK(unsure);
    CHECK_FALSE(r.valid_date);
}

TEST_CASE("ui: translate_date refuses an empty and an over-long text with a message", "[ui][dates]") {
    attn::Seq2Seq m = small_model();
    CHECK(run(m, "").error == "type a date, e.g. 23 Nov 2026");
    CHECK(run(m, "   ").error == "type a date, e.g. 23 Nov 2026");
    CHECK(run(m, std::string(65, '1')).error == "the text has 65 characters, the limit is 64");
    CHECK(run(m, std::string(65, '1')).steps() == 0);
    const DateTranslation r = run(m, std::string(40, '1'));
    REQUIRE(r.error.empty());
    CHECK(r.warnings.size() >= 2);
    CHECK(r.warnings[0] == "the text has 40 characters; the longest date it was trained on has 28");
}

TEST_CASE("ui: a shipped translator loads as such; a Transformer file in its place fails", "[ui][dates][models]") {
    attn::Seq2Seq m = small_model();
    const std::string bytes =
        attn::write_seq2seq_file(m, attn::dates::source_vocabulary(), attn::dates::target_vocabulary(), 5);
    attn::ui::ModelAsset a(attn::ui::kDatesModelPath, attn::ui::ModelAsset::Seq2SeqDates{});
    REQUIRE(a.begin());
    a.deliver(bytes, "");
    REQUIRE(a.state() == attn::ui::ModelAsset::State::ready);
    REQUIRE(a.seq2seq() != nullptr);
    CHECK(a.file() == nullptr);
    CHECK(a.seq2seq()->step == 5);
    CHECK(a.seq2seq()->model->config().dec_hidden == 6);

    attn::TrainRecipe r = attn::default_recipe(attn::TaskKind::reverse);
    r.d_model = 8, r.heads = 2, r.d_ff = 8;
    attn::Transformer t(r.model());
    t.init(3);
    attn::ui::ModelAsset b(attn::ui::kDatesModelPath, attn::ui::ModelAsset::Seq2SeqDates{});
    REQUIRE(b.begin());
    b.deliver(attn::write_model_file(t, r.task, 1), "");
    CHECK(b.state() == attn::ui::ModelAsset::State::failed);
    CHECK(b.error().find("could not load the trained model models/dates.safetensors: ") == 0);
}

TEST_CASE("ui: a text parameter round-trips any text up to its limit", "[ui][params]") {
    attn::ui::ParamSet p;
    std::string date;
    p.add_text("date", &date, 16, "23 Nov 2026");
    CHECK(date == "23 Nov 2026");
    CHECK(p.get("date") == "23 Nov 2026");
    CHECK(p.set("date", "").empty());
    CHECK(date.empty());
    CHECK(p.set("date", "2026/11/23 ☃").empty());
    CHECK(p.get("date") == "2026/11/23 ☃");
    CHECK(p.set("date", "0123456789abcdefg") == "date: 17 bytes, the limit is 16");
    CHECK(date == "2026/11/23 ☃");
}
