// basic.cpp — the lesson on encoder–decoder attention with additive (Bahdanau) scoring.
//
// It opens on a TRAINED translator: models/dates.safetensors (made by scripts/make_models with
// attnlab train --task dates, fetched when first needed) turns a date in any of eleven formats
// into ISO, "23 Nov 2026" → "2026-11-23". A bidirectional GRU reads the source characters into
// h_j; at each decoder step the state s_{t−1} scores every h_j, the softmax gives the alignment
// row α_t, the context c_t feeds the GRU cell that makes s_t, and out([s_t; c_t]) picks the next
// character. The player walks these five stages per step with the model's own numbers
// (ui/logic/date_translation.hpp); the learner types any text and the lesson says when the model
// is out of its depth.
//
// The second example, "hand-set weights": a toy translation "the cat sat on the mat" → "le chat était assis sur le
// tapis". At decoder step t the previous decoder state s_{t−1} scores every encoder state h_j,
//     e_tj = vᵀ tanh(W_s s_{t−1} + W_h h_j),   α_t = softmax(e_t),   c_t = Σ_j α_tj h_j,
// and the alignment matrix α (target × source) fills in one row per step. The same inputs are
// also scored with dot, scaled dot, general and cosine, drawn side by side.
//
// Nothing here is trained: the encoder states, the decoder states and the scorer's weights are
// built by hand (see [SECTION] the example) so that the alignment reads like a translation.
// Every number on screen comes from attn::attention; this file only adds one trace step per
// (decoder step, stage) so the player walks t = 1..T.
//
// [SECTION] the example: sentences, encoder and decoder states, hand-set scorer weights
// [SECTION] the trained example: example dates, labels
// [SECTION] the lesson
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "attn/attention.hpp"
#include "attn/train/dates.hpp"
#include "date_translation.hpp"
#include "examples.hpp"
#include "lesson.hpp"
#include "widgets/flow.hpp"

namespace attn::ui {

namespace {

// [SECTION] the example

// The decoder's intent at each target position: the source word it translates. This is the
// hand-made "dictionary" that stands in for what a trained decoder would have learnt.
const char* const kIntent[] = {"the", "cat", "sat", "sat", "on", "the", "mat", "because", "it", "was", "tired"};

struct Sentence {
    std::size_t source_len, target_len;
};
// short: "the cat sat on the mat" (6) → "le chat était assis sur le tapis" (7)
// long:  "… because it was tired" (10) → "… parce qu'il était fatigué" (11)
constexpr Sentence kSentences[] = {{6, 7}, {10, 11}};

// Sizes of the hand-set feature code. A state is [meaning (one slot per source word type) ;
// place (cos φ, sin φ) ; 1]. The trailing 1 lets W_h carry a bias, which the core's additive
// score (no bias term) otherwise lacks.
constexpr float kMeaning = 1.5f;      // μ: the value in a state's meaning slot
constexpr float kContentGain = 2.0f;  // a content unit sees g·(s_c + h_c)/μ − b
constexpr float kContentBias = 3.0f;  //   2g − b = +1 when both carry meaning c, g − b = −1 when one does
constexpr float kContentV = 2.0f;
constexpr float kPlaceGain = 3.0f;  // a place unit sees g_p·(cos(θ − ψ_k) + cos(φ_j − ψ_k)) − b_p
constexpr float kPlaceBias = 4.5f;  //   > 0 only when both the pointer θ and the place φ_j are near ψ_k
constexpr float kPlaceV = 1.0f;

constexpr double kPi = 3.14159265358979323846;

// Angle of position p of n along half a circle: first word at 0, last at π.
double place_angle(double p, std::size_t n) { return n > 1 ? kPi * p / static_cast<double>(n - 1) : 0.0; }

struct Example {
    std::vector<std::string> source, target, types, features;  // features: column names of h and s
    Matrix h;                                                  // (S, d) encoder states
    Matrix s;                                                  // (T, d) decoder states s_0 .. s_{T−1}
    Matrix W_s, W_h;                                           // (units, d) additive projections
    std::vector<float> v;                                      // units
    Matrix W;                                                  // (d, d) = W_sᵀ W_h, for the general (bilinear) score
};

Example build_example(const Sentence& sz, bool positions) {
    Example ex;
    ex.source = example_tokens(sz.source_len);
    ex.target = example_target_tokens(sz.target_len);
    for (const auto& w : ex.source)
        if (std::find(ex.types.begin(), ex.types.end(), w) == ex.types.end()) ex.types.push_back(w);
    const std::size_t C = ex.types.size(), S = ex.source.size(), T = ex.target.size(), d = C + 3;
    const std::size_t cos_col = C, sin_col = C + 1, one_col = C + 2;
    auto type_of = [&](const std::string& w) {
        return static_cast<std::size_t>(std::find(ex.types.begin(), ex.types.end(), w) - ex.types.begin());
    };
    ex.features = ex.types;
    ex.features.insert(ex.features.end(), {"cos φ", "sin φ", "1"});
    const float rho = positions ? 1.0f : 0.0f;  // positions off: the place features are zero

    // Encoder: h_j = [μ·onehot(word_j) ; cos φ_j, sin φ_j ; 1]  — an embedding plus a position code.
    ex.h = Matrix(S, d);
    for (std::size_t j = 0; j < S; ++j) {
        const double phi = place_angle(static_cast<double>(j), S);
        ex.h(j, type_of(ex.source[j])) = kMeaning;
        ex.h(j, cos_col) = rho * static_cast<float>(std::cos(phi));
        ex.h(j, sin_col) = rho * static_cast<float>(std::sin(phi));
        ex.h(j, one_col) = 1.0f;
    }
    // Decoder: s_{t−1} = [μ·onehot(intent_t) ; cos θ_t, sin θ_t ; 1], with a pointer θ_t that walks
    // the source at a steady pace (first target word at the first source word, last at last).
    ex.s = Matrix(T, d);
    for (std::size_t t = 0; t < T; ++t) {
        const double theta = place_angle(static_cast<double>(t), T);
        ex.s(t, type_of(kIntent[t])) = kMeaning;
        ex.s(t, cos_col) = rho * static_cast<float>(std::cos(theta));
        ex.s(t, sin_col) = rho * static_cast<float>(std::sin(theta));
        ex.s(t, one_col) = 1.0f;
    }
    // Scorer: one content unit per word type, one place unit per source position.
    const std::size_t units = C + S;
    ex.W_s = Matrix(units, d);
    ex.W_h = Matrix(units, d);
    ex.v.assign(units, 0.0f);
    for (std::size_t c = 0; c < C; ++c) {
        ex.W_s(c, c) = kContentGain / kMeaning;
        ex.W_h(c, c) = kContentGain / kMeaning;
        ex.W_h(c, one_col) = -kContentBias;
        ex.v[c] = kContentV;
    }
    for (std::size_t k = 0; k < S; ++k) {
        const double psi = place_angle(static_cast<double>(k), S);
        for (Matrix* W : {&ex.W_s, &ex.W_h}) {
            (*W)(C + k, cos_col) = kPlaceGain * static_cast<float>(std::cos(psi));
            (*W)(C + k, sin_col) = kPlaceGain * static_cast<float>(std::sin(psi));
        }
        ex.W_h(C + k, one_col) = -kPlaceBias;
        ex.v[C + k] = kPlaceV;
    }
    // General score with the same projections and no tanh: s ᵀ (W_sᵀ W_h) h = (W_s s) · (W_h h).
    ex.W = Matrix(d, d);
    for (std::size_t a = 0; a < d; ++a)
        for (std::size_t b = 0; b < d; ++b) {
            double sum = 0;
            for (std::size_t u = 0; u < units; ++u) sum += static_cast<double>(ex.W_s(u, a)) * ex.W_h(u, b);
            ex.W(a, b) = static_cast<float>(sum);
        }
    return ex;
}

// Score kinds in the order of the switch; additive first (the lesson's topic).
constexpr Score kKinds[] = {Score::additive, Score::dot, Score::scaled_dot, Score::general, Score::cosine};
constexpr int kKindCount = 5;

ScoreParams score_params(Score kind, const Example& ex, float temperature) {
    ScoreParams p;
    p.kind = kind;
    p.temperature = temperature;
    if (kind == Score::additive) {
        p.W_q = ex.W_s;
        p.W_k = ex.W_h;
        p.v = ex.v;
    } else if (kind == Score::general) {
        p.W = ex.W;
    }
    return p;
}

// e_tj for decoder step t (1-based), in the notation of the lesson.
std::string score_formula(Score kind, std::size_t t, std::size_t d, float temperature) {
    const std::string e = "e_" + std::to_string(t) + "j = ", s = "s_" + std::to_string(t - 1);
    const std::string temp = temperature == 1.0f ? "" : " / T";
    switch (kind) {
        case Score::additive: return e + "vᵀ tanh(W_s " + s + " + W_h h_j)" + temp;
        case Score::dot: return e + s + " · h_j" + temp;
        case Score::scaled_dot: return e + s + " · h_j / √" + std::to_string(d) + temp;
        case Score::general: return e + s + "ᵀ W h_j,  W = W_sᵀ W_h" + temp;
        case Score::cosine: return e + s + " · h_j / (‖" + s + "‖ ‖h_j‖)" + temp;
    }
    return "";
}

std::string fmt(double x, int digits = 3) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*g", digits, x);
    return buf;
}

// [SECTION] the trained example: example dates, labels

enum ExampleKind { kDates, kHandSet };

// One example per format of the dates task, in its order (dates.hpp), on varied dates.
std::vector<std::string> example_dates() {
    const dates::Date ds[] = {{2026, 11, 23}, {1999, 7, 3},   {1969, 7, 20}, {2001, 9, 11},
                              {2012, 2, 29},  {1989, 11, 9},  {2024, 4, 1},  {2050, 1, 31},
                              {1900, 5, 14},  {2099, 12, 31}, {2000, 10, 2}};
    std::vector<std::string> out;
    for (std::size_t f = 0; f < dates::kFormats; ++f)
        out.push_back(dates::format_date(ds[f], f, dates::Case::as_is).source);
    return out;
}

// A source character as a column label: spaces as _ (as attnlab translate), unknown characters with a ?.
std::string char_label(const std::string& c, bool unknown) {
    if (unknown) return c + "?";
    return c == " " ? "_" : c;
}

// At most `count` numbers of a vector, then its norm: s_t has 64 values, too many to read.
std::string compact(const float* x, std::size_t n, std::size_t count = 6) {
    std::string line = "(";
    double norm = 0;
    for (std::size_t k = 0; k < n; ++k) {
        norm += static_cast<double>(x[k]) * x[k];
        if (k < count) line += (k ? ", " : "") + fmt(x[k], 2);
    }
    if (n > count) line += ", … " + std::to_string(n - count) + " more";
    return line + ")  ‖·‖ = " + fmt(std::sqrt(norm), 3);
}

// [SECTION] the lesson

class BasicLesson final : public Lesson {
public:
    BasicLesson() {
        auto hand = [this] { return example_ == kHandSet; };
        params_.add_choice("example", &example_, {"dates", "handset"}, kDates)
            .choice_labels({"trained: dates → ISO", "hand-set weights (EN → FR)"});
        params_.add_text("date", &date_, 200, "23 Nov 2026");  // the text box in controls()
        std::vector<std::string> kinds;
        for (Score k : kKinds) kinds.emplace_back(score_name(k));
        params_.add_choice("scoring", &scoring_, kinds, 0).shown(hand);
        params_.add_choice("sentence", &sentence_, {"short", "long"}, 0)
            .choice_labels({"short (6 → 7 words)", "long (10 → 11 words)"})
            .shown(hand);
        params_.add_bool("positions", &positions_, true).label("positions in the states").shown(hand);
        params_.add_float("temperature", &temperature_, 0.1f, 10.0f, 1.0f)
            .label("temperature T")
            .log()
            .format("%.2f")
            .shown(hand);
    }
    const char* id() const override { return "basic"; }
    const char* title() const override { return "Basic (additive)"; }

    // Opens at decoder step 4 ("assis"), just after its weights: three rows of the alignment are
    // complete, so a first-time visitor sees the idea (one row per target word) and a many-to-one
    // case ("était" and "assis" both look at "sat") before pressing anything.
    // The trained example opens at step t = 6's weights (the month's first digit): the year's
    // rows are complete and show where the year came from.
    std::size_t default_step() const override {
        const long at = example_ == kDates ? 5 : 3;
        for (const Step& s : trace_.steps())
            if (s.t == at && s.kind == StepKind::softmax_row) return s.id;
        return 0;
    }

    void explain() override {
        if (example_ == kDates) {
            explain_dates();
            return;
        }
        ImGui::TextUnformatted("Basic attention (encoder–decoder), hand-set weights");
        ImGui::TextUnformatted(
            "A translator reads the English sentence into one vector per word, the encoder states h_j. To write "
            "French word t, the decoder compares its own state s_{t−1} with every h_j and gets one score e_tj "
            "per English word.");
        ImGui::TextUnformatted(
            "Bahdanau's additive score projects both vectors into a common space, adds them, squashes with tanh "
            "and reads the result with a vector v: e_tj = vᵀ tanh(W_s s_{t−1} + W_h h_j). A softmax turns row t "
            "into weights α_tj that sum to 1, and the context c_t = Σ_j α_tj h_j is what the decoder reads "
            "before writing its word. Each decoder step adds one row to the alignment matrix.");
        ImGui::TextUnformatted(
            "Nothing here is trained: the states and weights are set by hand. h_j holds a slot for the word's "
            "meaning and a position code (cos φ_j, sin φ_j); s_{t−1} holds the meaning the decoder wants next and "
            "a pointer that moves along the source at a steady pace. Each hidden unit of the scorer fires only "
            "when both inputs carry its feature, so meaning and position must agree. Idle units sit near −1, so "
            "every score is negative; the softmax only cares about differences.");
        ImGui::TextUnformatted(
            "The small maps score the same s and h with the other functions. Dot and cosine compare s and h "
            "directly, without the projections, so the two \"the\"s compete for \"le\"; cosine scores stay within "
            "±1, so its weights are flat. Turn positions off: with meaning alone, \"le\" cannot tell its two \"the\"s "
            "apart.");
    }

    void controls() override {
        if (example_ != kDates) return;
        const float font = ImGui::GetFontSize();
        ImGui::TextUnformatted("Type a date (or anything):");
        char buf[256];
        std::snprintf(buf, sizeof buf, "%s", date_.c_str());
        ImGui::SetNextItemWidth(std::min(ImGui::GetContentRegionAvail().x, font * 18.0f));
        if (ImGui::InputText("##date", buf, sizeof buf) && params_.set("date", buf).empty()) changed();
        ImGui::SetNextItemWidth(std::min(ImGui::GetContentRegionAvail().x, font * 18.0f));
        if (ImGui::BeginCombo("##examples", "an example of each format")) {
            for (const std::string& d : examples_)
                if (ImGui::Selectable(d.c_str(), d == date_)) {
                    date_ = d;
                    changed();
                }
            ImGui::EndCombo();
        }
    }

    void recompute() override {
        if (example_ == kDates) {
            recompute_dates();
            return;
        }
        ex_ = build_example(kSentences[sentence_], positions_);
        const Score kind = kKinds[scoring_];
        const std::size_t T = ex_.target.size(), S = ex_.source.size(), d = ex_.h.cols();

        // The main score kind, traced per query row; its steps are regrouped by decoder step below.
        Trace core(Trace::Detail::rows);
        result_ = attention(ex_.s, ex_.h, ex_.h, score_params(kind, ex_, temperature_), Mask::none(), &core);
        for (int k = 0; k < kKindCount; ++k)
            all_[k] = attention(ex_.s, ex_.h, ex_.h, score_params(kKinds[k], ex_, temperature_)).weights;

        trace_.set_matrix("h", ex_.h);
        trace_.set_matrix("s", ex_.s);
        trace_.set_matrix("scores", result_.scores);
        trace_.set_matrix("weights", result_.weights);
        trace_.set_matrix("context", result_.output);
        trace_.add(
            StepKind::note, "Encoder states h_j and decoder states s_{t−1}",
            "h_j = [μ·word(x_j) ; cos φ_j, sin φ_j ; 1],  s_{t−1} = [μ·intent_t ; cos θ_t, sin θ_t ; 1]  (set by "
            "hand)",
            {}, {"h", "s"});
        for (std::size_t i = 0; i < T; ++i) {
            const std::size_t t = i + 1;
            const std::string ts = std::to_string(t), word = "«" + ex_.target[i] + "»";
            std::size_t best = 0;
            for (std::size_t j = 1; j < S; ++j)
                if (result_.weights(i, j) > result_.weights(i, best)) best = j;
            double m = 0, sum = 0;  // the core's softmax statistics of this row
            for (const Step& st : core.steps())
                if (st.focus.kind == Focus::Kind::row && st.focus.matrix == "weights" && st.focus.row == i)
                    for (const auto& [name, x] : st.values) {
                        if (name == "max") m = x;
                        if (name == "sum") sum = x;
                    }
            trace_
                .add(StepKind::score_row, "t = " + ts + " " + word + ": score every source word",
                     score_formula(kind, t, d, temperature_), {"s", "h"}, {"scores"}, Focus::on_row("scores", i))
                .at_decoder_step(i)
                .value("max e_" + ts + "j", m)
                .value("at j", static_cast<double>(best + 1));
            trace_
                .add(StepKind::softmax_row, "t = " + ts + " " + word + ": weights (alignment row " + ts + ")",
                     "α_" + ts + "j = exp(e_" + ts + "j − m) / Σ_k exp(e_" + ts + "k − m),  m = " + fmt(m, 4) +
                         ",  Σ = " + fmt(sum, 4),
                     {"scores"}, {"weights"}, Focus::on_row("weights", i))
                .at_decoder_step(i)
                .value("largest α", result_.weights(i, best))
                .value("at j", static_cast<double>(best + 1));
            // c_t spelled out with its two largest terms.
            std::vector<std::size_t> order(S);
            for (std::size_t j = 0; j < S; ++j) order[j] = j;
            std::sort(order.begin(), order.end(),
                      [&](std::size_t a, std::size_t b) { return result_.weights(i, a) > result_.weights(i, b); });
            std::string terms;
            for (std::size_t r = 0; r < std::min<std::size_t>(2, S); ++r)
                terms += fmt(result_.weights(i, order[r]), 2) + "·h_" + std::to_string(order[r] + 1) + "(" +
                         ex_.source[order[r]] + ") + ";
            trace_
                .add(StepKind::output_row, "t = " + ts + " " + word + ": context c_" + ts,
                     "c_" + ts + " = Σ_j α_" + ts + "j h_j = " + terms + "…", {"weights", "h"}, {"context"},
                     Focus::on_row("context", i))
                .at_decoder_step(i);
        }
    }

    void view(const LessonContext& ctx) override {
        if (example_ == kDates) {
            view_dates(ctx);
            return;
        }
        step_panel(ctx.step);
        const std::size_t T = ex_.target.size();
        // Which decoder step and stage the player is at (stage 0 scores, 1 weights, 2 context).
        long t_row = -1;
        int stage = -1;
        if (ctx.step < trace_.steps().size() && trace_.steps()[ctx.step].t >= 0) {
            const Step& s = trace_.steps()[ctx.step];
            t_row = s.t;
            stage = s.kind == StepKind::score_row ? 0 : s.kind == StepKind::softmax_row ? 1 : 2;
        }
        const float avail = ImGui::GetContentRegionAvail().x;
        const float font = ImGui::GetFontSize();
        // Side by side when there is room; stacked at large font scales (projectors).
        const bool wide = avail >= font * 36.0f;
        const float big = wide ? std::clamp(avail * 0.40f, font * 10.0f, font * 22.0f) : std::min(avail, font * 20.0f);

        const float top = ImGui::GetCursorPosY();
        ImGui::BeginGroup();
        matrix_view(("alignment α: " + std::string(score_name(kKinds[scoring_])) + " (target × source)").c_str(),
                    "weights", result_.weights, ctx, ImVec2(big, big * 1.05f), &ex_.target, &ex_.source);
        ImGui::EndGroup();
        if (wide) ImGui::SameLine(0, font);
        ImGui::BeginGroup();
        const float col2 = std::max(font * 16.0f, ImGui::GetContentRegionAvail().x - font * 0.5f);
        current_row(t_row, stage, col2);
        ImGui::Spacing();
        matrix_view(
            "context c_t = Σ_j α_tj h_j", "context", result_.output, ctx,
            ImVec2(col2, wide ? std::max(font * 6.0f, big * 1.05f - ImGui::GetCursorPosY() + top) : font * 10.0f),
            &ex_.target, nullptr);
        ImGui::EndGroup();

        ImGui::Spacing();
        ImGui::TextDisabled("Same s and h, every score function");
        const float row_w = ImGui::GetContentRegionAvail().x;
        const int per_row = std::clamp(static_cast<int>(row_w / (font * 8.0f)), 1, kKindCount);
        // Row labels only on the first map, which gets their width on top of its own so that every
        // map has the same cells and the rows line up with the labels.
        float gutter = 0.0f;
        for (const std::string& w : ex_.target) gutter = std::max(gutter, ImGui::CalcTextSize(w.c_str()).x);
        gutter += font * 0.5f;
        const float small = std::max(font * 7.0f, (row_w - gutter - font * 0.8f * static_cast<float>(per_row - 1)) /
                                                          static_cast<float>(per_row) -
                                                      font * 0.5f);
        for (int k = 0; k < kKindCount; ++k) {
            if (k % per_row) ImGui::SameLine(0, font * 0.8f);
            ImGui::BeginGroup();
            const std::string label = std::string(score_name(kKinds[k])) + (k == scoring_ ? " (in use)" : "");
            matrix_view(label.c_str(), "weights", all_[k], ctx,
                        ImVec2(small + (k % per_row == 0 ? gutter : 0.0f), small * 1.1f),
                        k % per_row == 0 ? &ex_.target : nullptr, nullptr);
            ImGui::EndGroup();
        }

        ImGui::Spacing();
        ImGui::TextDisabled("Inputs, set by hand (columns: meaning slots, position code, constant 1)");
        const float half = wide ? std::max(font * 12.0f, (ImGui::GetContentRegionAvail().x - font) * 0.5f)
                                : ImGui::GetContentRegionAvail().x;
        ImGui::BeginGroup();
        matrix_view("encoder states h_j", "h", ex_.h, ctx,
                    ImVec2(half, font * 2.4f * static_cast<float>(ex_.source.size() + 1)), &ex_.source, &ex_.features);
        ImGui::EndGroup();
        if (wide) ImGui::SameLine(0, font);
        ImGui::BeginGroup();
        std::vector<std::string> prev(T);
        for (std::size_t t = 0; t < T; ++t) prev[t] = "s_" + std::to_string(t) + " (→" + ex_.target[t] + ")";
        s_labels_ = std::move(prev);
        matrix_view("decoder states s_{t−1}", "s", ex_.s, ctx, ImVec2(half, font * 2.4f * static_cast<float>(T + 1)),
                    &s_labels_, &ex_.features);
        ImGui::EndGroup();
    }

    nlohmann::json state_fields() const override {
        if (example_ != kDates) return nullptr;
        nlohmann::json m = {{"path", model_.path()}, {"state", model_.state_name()}, {"error", model_.error()}};
        nlohmann::json t = nullptr;
        if (model_.state() == ModelAsset::State::ready) {
            nlohmann::json probs = nlohmann::json::array(), warnings = nlohmann::json::array();
            for (float p : tr_.probability) probs.push_back(p);
            for (const std::string& w : tr_.warnings) warnings.push_back(w);
            t = {{"source", tr_.input},
                 {"output", tr_.output},
                 {"tokens", tr_.tokens},
                 {"probabilities", probs},
                 {"outOfDepth", tr_.out_of_depth()},
                 {"warnings", warnings},
                 {"error", tr_.error}};
        }
        return {{"model", m}, {"translation", t}};
    }

    ShownMatrix shown_matrix(std::size_t step) const override {
        if (example_ == kDates) return shown_dates(step);
        std::string name = "weights";
        if (step < trace_.steps().size() && !trace_.steps()[step].focus.matrix.empty())
            name = trace_.steps()[step].focus.matrix;
        if (step == 0) return {"h", ex_.h, ex_.source, ex_.features};
        if (name == "scores") return {name, result_.scores, ex_.target, ex_.source};
        if (name == "context") return {name, result_.output, ex_.target, ex_.features};
        return {"weights", result_.weights, ex_.target, ex_.source};
    }

private:
    // [SECTION] the trained example

    void explain_dates() {
        ImGui::TextUnformatted("Basic attention (encoder–decoder): a trained date translator");
        ImGui::TextUnformatted(
            "Additive attention was invented for machine translation. This small translator learned (attnlab train "
            "--task dates) to rewrite a date written in any of eleven ways as YYYY-MM-DD. A bidirectional GRU reads "
            "the source characters into one vector each, the encoder states h_j. To write output character t, the "
            "decoder compares its state s_{t−1} with every h_j: e_tj = v·tanh(W_s s_{t−1} + W_h h_j).");
        ImGui::TextUnformatted(
            "A softmax over the real characters turns the scores into weights α_tj (one row of the alignment), the "
            "context c_t = Σ_j α_tj h_j is what it read, the GRU cell makes its new state s_t from c_t and the "
            "character it wrote last, and out([s_t; c_t]) gives the probability of each next character. Nothing was "
            "told where to look: the year's digits learned to read the year, the month's the month's name or "
            "number.");
        ImGui::TextUnformatted(
            "Type your own text. Characters it never saw become <unk>, and the lesson says when the model is out of "
            "its depth. The second example has hand-set weights and compares five score functions.");
    }

    void recompute_dates() {
        tr_ = DateTranslation{};
        tr_.input = date_;
        Seq2SeqFile* file = fetch_seq2seq(model_);
        if (!file) return;  // view() shows "loading model…" or why it failed
        const dates::Vocabulary sv(file->source_vocab), tv(file->target_vocab);
        tr_ = translate_date(*file->model, sv, tv, date_);
        if (!tr_.error.empty()) return;
        const std::size_t n = tr_.source.size(), T = tr_.steps();
        source_labels_.clear();
        for (std::size_t j = 0; j < n; ++j) source_labels_.push_back(char_label(tr_.source[j], tr_.unknown[j]));
        output_labels_.clear();
        for (std::size_t t = 0; t < T; ++t) output_labels_.push_back(tr_.tokens[t]);
        state_labels_.clear();
        for (std::size_t t = 0; t <= T; ++t) state_labels_.push_back("s_" + std::to_string(t));
        trace_.set_matrix("H", tr_.encoder);
        trace_.set_matrix("scores", tr_.scores);
        trace_.set_matrix("weights", tr_.weights);
        trace_.set_matrix("context", tr_.context);
        trace_.set_matrix("states", tr_.states);
        const auto& cfg = file->model->config();
        trace_.add(StepKind::encode, "Encode the " + std::to_string(n) + " source characters",
                   "h_j = [GRU→(src_emb(x))_j ; GRU←(src_emb(x))_j]  (" + std::to_string(2 * cfg.enc_hidden) +
                       " numbers each),  s_0 = tanh(init(mean_j h_j))",
                   {}, {"H", "states"}, Focus::on_row("states", 0));
        for (std::size_t i = 0; i < T; ++i) {
            const std::string ts = std::to_string(i + 1), prev = std::to_string(i), word = "«" + tr_.tokens[i] + "»";
            const std::string y = i == 0 ? "<bos>" : tr_.tokens[i - 1];
            std::size_t best = 0;
            for (std::size_t j = 1; j < n; ++j)
                if (tr_.weights(i, j) > tr_.weights(i, best)) best = j;
            float m = tr_.scores(i, 0);
            for (std::size_t j = 1; j < n; ++j) m = std::max(m, tr_.scores(i, j));
            trace_
                .add(StepKind::score_row, "t = " + ts + " " + word + ": score every source character",
                     "e_" + ts + "j = v·tanh(W_s s_" + prev + " + W_h h_j)", {"states", "H"}, {"scores"},
                     Focus::on_row("scores", i))
                .at_decoder_step(i)
                .value("max e_" + ts + "j", m)
                .value("at j", static_cast<double>(best + 1));
            trace_
                .add(StepKind::softmax_row, "t = " + ts + " " + word + ": weights (alignment row " + ts + ")",
                     "α_" + ts + "j = exp(e_" + ts + "j) / Σ_k exp(e_" + ts + "k),  over the " + std::to_string(n) +
                         " real characters",
                     {"scores"}, {"weights"}, Focus::on_row("weights", i))
                .at_decoder_step(i)
                .value("largest α", tr_.weights(i, best))
                .value("at j", static_cast<double>(best + 1));
            trace_
                .add(StepKind::output_row, "t = " + ts + " " + word + ": context c_" + ts,
                     "c_" + ts + " = Σ_j α_" + ts + "j h_j  ≈ " + fmt(tr_.weights(i, best), 2) + "·h_" +
                         std::to_string(best + 1) + "(" + source_labels_[best] + ") + …",
                     {"weights", "H"}, {"context"}, Focus::on_row("context", i))
                .at_decoder_step(i);
            trace_
                .add(StepKind::decoder_state, "t = " + ts + " " + word + ": decoder state s_" + ts,
                     "s_" + ts + " = GRUCell([tgt_emb(" + y + ") ; c_" + ts + "], s_" + prev + ")",
                     {"context", "states"}, {"states"}, Focus::on_row("states", i + 1))
                .at_decoder_step(i);
            Step& st = trace_
                           .add(StepKind::predict_token, "t = " + ts + ": write " + word,
                                "p_" + ts + " = softmax(out([s_" + ts + " ; c_" + ts + "])),  argmax = " + word +
                                    ",  p = " + fmt(tr_.probability[i], 3),
                                {"states", "context"}, {}, Focus::on_row("weights", i))
                           .at_decoder_step(i)
                           .value("p(" + tr_.tokens[i] + ")", tr_.probability[i]);
            for (const auto& [tok, p] : tr_.alternatives[i]) st.value("p(" + tok + ")", p);
        }
    }

    void view_dates(const LessonContext& ctx) {
        if (model_status(model_) || !model_.seq2seq()) return;
        const float font = ImGui::GetFontSize();
        if (!tr_.error.empty()) {
            ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.75f, 0.3f, 1.0f));
            ImGui::TextWrapped("%s", tr_.error.c_str());
            ImGui::PopStyleColor();
            return;
        }
        ImGui::Text("%s  →  %s", tr_.input.c_str(), tr_.output.c_str());
        char note[160];
        std::snprintf(note, sizeof note, "(trained, %llu steps of attnlab train; %s)",
                      static_cast<unsigned long long>(model_.seq2seq()->step), model_.path().c_str());
        flow_same_line(ImGui::CalcTextSize(note).x);  // beside the translation, or below it on a phone
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        push_wrap_at_visible_edge();
        ImGui::TextUnformatted(note);
        ImGui::PopTextWrapPos();
        ImGui::PopStyleColor();
        if (tr_.out_of_depth()) {
            ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.75f, 0.3f, 1.0f));
            ImGui::TextWrapped("The model is out of its depth here:");
            for (const std::string& w : tr_.warnings) ImGui::BulletText("%s", w.c_str());
            ImGui::PopStyleColor();
        }
        step_panel(ctx.step);
        long t_row = -1;
        StepKind kind = StepKind::encode;
        if (ctx.step < trace_.steps().size()) {
            t_row = trace_.steps()[ctx.step].t;
            kind = trace_.steps()[ctx.step].kind;
        }
        const float avail = ImGui::GetContentRegionAvail().x;
        const bool wide = avail >= font * 36.0f;
        const std::size_t n = tr_.source.size(), T = tr_.steps();
        const float cell =
            std::clamp((wide ? avail * 0.5f : avail) / static_cast<float>(n + 2), font * 0.9f, font * 2.0f);
        ImGui::BeginGroup();
        matrix_view("alignment α (output characters × source characters)", "weights", tr_.weights, ctx,
                    ImVec2(cell * static_cast<float>(n) + font * 3.0f, cell * static_cast<float>(T) + font * 2.0f),
                    &output_labels_, &source_labels_);
        ImGui::EndGroup();
        if (wide) ImGui::SameLine(0, font);
        ImGui::BeginGroup();
        const float col2 = std::max(font * 16.0f, ImGui::GetContentRegionAvail().x - font * 0.5f);
        current_step_dates(t_row, kind, col2);
        ImGui::EndGroup();
        ImGui::Spacing();
        ImGui::TextDisabled("What the decoder read and carried (one row per step)");
        const float half = wide ? std::max(font * 12.0f, (ImGui::GetContentRegionAvail().x - font) * 0.5f)
                                : ImGui::GetContentRegionAvail().x;
        const float h = std::max(font * 6.0f, font * 1.1f * static_cast<float>(T + 2));
        ImGui::BeginGroup();
        matrix_view("contexts c_t", "context", tr_.context, ctx, ImVec2(half, h), &output_labels_, nullptr);
        ImGui::EndGroup();
        if (wide) ImGui::SameLine(0, font);
        ImGui::BeginGroup();
        matrix_view("decoder states s_t", "states", tr_.states, ctx, ImVec2(half, h), &state_labels_, nullptr);
        ImGui::EndGroup();
    }

    // The step's numbers: e_tj and α_tj per source character, then c_t, s_t and the prediction.
    void current_step_dates(long t_row, StepKind kind, float width) {
        if (t_row < 0) {
            ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
            ImGui::TextWrapped(
                "The encoder has read the %zu characters into h_1 … h_%zu. Step forward: each decoder step scores "
                "every h_j, turns the scores into weights, reads the context c_t, updates its state s_t and writes "
                "one character.",
                tr_.source.size(), tr_.source.size());
            ImGui::TextWrapped("s_0 = %s", compact(tr_.states.row(0), tr_.states.cols()).c_str());
            ImGui::PopTextWrapPos();
            return;
        }
        const auto i = static_cast<std::size_t>(t_row);
        const int stage = kind == StepKind::score_row       ? 0
                          : kind == StepKind::softmax_row   ? 1
                          : kind == StepKind::output_row    ? 2
                          : kind == StepKind::decoder_state ? 3
                                                            : 4;
        ImGui::Text("t = %zu: writing «%s» from s_%zu", i + 1, tr_.tokens[i].c_str(), i);
        const ImGuiTableFlags flags =
            ImGuiTableFlags_Borders | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY;
        const float rows_h = ImGui::GetTextLineHeightWithSpacing() *
                             static_cast<float>(std::min<std::size_t>(tr_.source.size(), 12) + 1.5f);
        if (ImGui::BeginTable("row", 4, flags, ImVec2(width, rows_h))) {
            ImGui::TableSetupScrollFreeze(0, 1);
            ImGui::TableSetupColumn("j");
            ImGui::TableSetupColumn("x_j");
            ImGui::TableSetupColumn("e_tj");
            ImGui::TableSetupColumn("α_tj", ImGuiTableColumnFlags_WidthStretch);
            ImGui::TableHeadersRow();
            for (std::size_t j = 0; j < tr_.source.size(); ++j) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::Text("%zu", j + 1);
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(source_labels_[j].c_str());
                ImGui::TableNextColumn();
                ImGui::Text("%.3f", static_cast<double>(tr_.scores(i, j)));
                ImGui::TableNextColumn();
                if (stage >= 1) {
                    char buf[16];
                    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(tr_.weights(i, j)));
                    ImGui::ProgressBar(tr_.weights(i, j), ImVec2(-1, 0), buf);
                } else {
                    ImGui::TextDisabled("next step");
                }
            }
            ImGui::EndTable();
        }
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
        const std::string ts = std::to_string(i + 1);
        if (stage >= 2)
            ImGui::TextWrapped("c_%s = %s", ts.c_str(), compact(tr_.context.row(i), tr_.context.cols()).c_str());
        if (stage >= 3)
            ImGui::TextWrapped("s_%s = %s", ts.c_str(), compact(tr_.states.row(i + 1), tr_.states.cols()).c_str());
        if (stage >= 4) {
            std::string alts;
            for (const auto& [tok, p] : tr_.alternatives[i]) alts += "  «" + tok + "» " + fmt(p, 2);
            const bool unsure = tr_.probability[i] < DateTranslation::kLowConfidence;
            if (unsure) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.75f, 0.3f, 1.0f));
            ImGui::TextWrapped("writes «%s» with p = %.3f;  next most likely:%s", tr_.tokens[i].c_str(),
                               static_cast<double>(tr_.probability[i]), alts.c_str());
            if (unsure) ImGui::PopStyleColor();
        }
        ImGui::PopTextWrapPos();
    }

    ShownMatrix shown_dates(std::size_t step) const {
        const std::string name = step_matrix(step, "weights");
        if (name == "H") return {name, tr_.encoder, source_labels_, {}};
        if (name == "scores") return {name, tr_.scores, output_labels_, source_labels_};
        if (name == "context") return {name, tr_.context, output_labels_, {}};
        if (name == "states") return {name, tr_.states, state_labels_, {}};
        return {"weights", tr_.weights, output_labels_, source_labels_};
    }

    // [SECTION] the hand-set example

    // The current decoder step's row in numbers: e_tj, α_tj (as bars) and, once computed, c_t.
    void current_row(long t_row, int stage, float width) {
        if (t_row < 0) {
            ImGui::TextWrapped(
                "Step forward: each decoder step t scores the source words, turns the scores into "
                "weights and mixes the encoder states into c_t.");
            return;
        }
        const auto i = static_cast<std::size_t>(t_row);
        const std::size_t S = ex_.source.size();
        ImGui::Text("t = %zu: writing «%s» from s_%zu", i + 1, ex_.target[i].c_str(), i);
        const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg;
        if (ImGui::BeginTable("row", 4, flags, ImVec2(width, 0))) {
            ImGui::TableSetupColumn("j");
            ImGui::TableSetupColumn("x_j");
            ImGui::TableSetupColumn("e_tj");
            ImGui::TableSetupColumn("α_tj", ImGuiTableColumnFlags_WidthStretch);
            ImGui::TableHeadersRow();
            for (std::size_t j = 0; j < S; ++j) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::Text("%zu", j + 1);
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(ex_.source[j].c_str());
                ImGui::TableNextColumn();
                ImGui::Text("%.3f", static_cast<double>(result_.scores(i, j)));
                ImGui::TableNextColumn();
                if (stage >= 1) {
                    char buf[16];
                    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(result_.weights(i, j)));
                    ImGui::ProgressBar(result_.weights(i, j), ImVec2(-1, 0), buf);
                } else {
                    ImGui::TextDisabled("next step");
                }
            }
            ImGui::EndTable();
        }
        if (stage >= 2) {
            std::string line = "c_" + std::to_string(i + 1) + " = (";
            for (std::size_t c = 0; c < result_.output.cols(); ++c)
                line += (c ? ", " : "") + fmt(result_.output(i, c), 2);
            ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width - ImGui::GetFontSize());
            ImGui::TextWrapped("%s)", line.c_str());
            ImGui::PopTextWrapPos();
        }
    }

    int example_, scoring_, sentence_;  // values: the declarations in the constructor
    std::string date_;
    bool positions_;
    // The trained example.
    ModelAsset model_{kDatesModelPath, ModelAsset::Seq2SeqDates{}};
    DateTranslation tr_;
    std::vector<std::string> examples_ = example_dates();
    std::vector<std::string> source_labels_, output_labels_, state_labels_;
    float temperature_;
    Example ex_;
    AttentionResult result_;
    Matrix all_[kKindCount];
    std::vector<std::string> s_labels_;
};

}  // namespace

std::unique_ptr<Lesson> make_basic_lesson() { return std::make_unique<BasicLesson>(); }

}  // namespace attn::ui
