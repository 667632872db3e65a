// viz.cpp — the lesson on ways to look at attention weights.
//
// One multi-head self-attention layer (attn::multi_head_attention, PyTorch layout) over a short
// sentence, seen four ways: a heatmap of one head with a hover tooltip (query token, key token,
// weight); a token line view (queries left, keys right, a line per weight, thickness and
// opacity = weight); a head grid of every head's weights in small multiples; and the same head
// through each colormap. The "crafted" example has four heads whose projections are set by
// hand so that each one has a readable job (previous word, same word, subject/coreference —
// "it" looks at "cat" — and one random head for contrast); "random" uses seeded weights.
//
// The "learned" example shows heads that training made: a model trained by `attnlab train` on the
// induction task (models/induction.safetensors, made by scripts/make_models, fetched when first
// chosen), one layer at a time: its input is an induction sequence drawn with the lesson's seed,
// and the chosen layer's heads are recomputed from what that layer read, norm1(x), and its trained
// in_proj and out_proj, through the same multi-head kernel (causal, as the model). Each head is
// labelled with what it was measured to do on that sequence: its mean weight on the previous token
// and on the induction target (the token after the earlier copy of the current one), named after
// one of them when that is above one half. (The shipped model predicts the copies well without a
// textbook previous-token head: the labels report what training found.)
//
// What it deliberately does not do: training (the Training lesson). Splitting the sentence and
// checking tokens: tokens.hpp (ui/logic).
//
// [SECTION] Example     hand-built embeddings and projections for the crafted heads
// [SECTION] Lesson      parameters, recompute, view, export
#include <imgui.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "attn/multihead.hpp"
#include "attn/train/head_scores.hpp"
#include "attn/train/tasks.hpp"
#include "examples.hpp"
#include "lesson.hpp"
#include "tokens.hpp"
#include "widgets/param_widgets.hpp"
#include "widgets/token_lines.hpp"

namespace attn::ui {

namespace {

constexpr std::size_t kDefaultTokens = 10;  // "the cat sat on the mat because it was tired"

// ============================================================================================
// [SECTION] Example
// ============================================================================================

// Embedding layout of the crafted example, E = 32:
//   0..7    word identity: a unit vector seeded by the word (same word → same vector)
//   8..15   position: (cos ω_k p, sin ω_k p) for four frequencies ω_k
//   16..23  word class: animate noun, other noun, pronoun, determiner, verb, adjective,
//           function word, sentence start or punctuation
//   24..31  a second seeded vector ("everything else" a real embedding would carry)
constexpr std::size_t kE = 32, kHeads = 4, kHeadDim = 8;
constexpr std::size_t kIdentity = 0, kPosition = 8, kClass = 16, kOther = 24;
enum WordClass { animate, noun, pronoun, determiner, verb, adjective, function_word, start_or_punct };
// Chosen so that Σ_k cos(ω_k Δ) stays ≤ 2.1 for every offset 1 ≤ |Δ| ≤ 63 while it is 4 at
// Δ = 0: a position matches only itself, up to the longest sentence allowed.
constexpr float kOmega[4] = {0.47f, 0.39f, 1.18f, 2.63f};

const char* const kCraftedHeadNames[kHeads] = {"previous word", "same word", "subject / coreference",
                                               "unstructured (random)"};

bool in(const std::string& w, std::initializer_list<const char*> list) {
    for (const char* x : list)
        if (w == x) return true;
    return false;
}

int word_class(const std::string& raw, std::size_t position) {
    std::string w;
    for (char c : raw) w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (position == 0 || in(w, {".", ",", "!", "?", ";", ":"})) return start_or_punct;
    if (in(w, {"cat", "cats",  "dog",   "dogs",    "bird",    "man",    "woman", "boy",   "girl",   "child",
               "fox", "horse", "mouse", "teacher", "student", "friend", "king",  "queen", "people", "animal"}))
        return animate;
    if (in(w, {"it", "he", "she", "they", "him", "her", "them", "its", "his", "their", "i", "you", "we"}))
        return pronoun;
    if (in(w, {"the", "a", "an", "this", "that", "these", "those", "my", "your", "our"})) return determiner;
    if (in(w, {"sat", "was",  "is",     "are",  "were",   "ran",    "saw",   "ate",   "slept", "went",   "had", "has",
               "be",  "been", "jumped", "sits", "sleeps", "chased", "liked", "likes", "loves", "looked", "felt"}))
        return verb;
    if (in(w, {"tired", "warm", "big", "small", "happy", "red", "old", "new", "hungry", "cold", "lazy", "quick",
               "brown", "soft", "sleepy"}))
        return adjective;
    if (in(w, {"on", "and", "because", "in", "of", "to", "but", "with", "under", "at", "so", "or", "while", "as"}))
        return function_word;
    return noun;  // unknown words count as (inanimate) nouns
}

// FNV-1a: the same word gets the same seed on every platform.
std::uint32_t word_seed(const std::string& w, std::uint32_t salt) {
    std::uint32_t h = 2166136261u ^ salt;
    for (char c : w) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    return h;
}

// Unit-length n-vector seeded by the word.
std::vector<float> word_vector(const std::string& w, std::size_t n, std::uint32_t salt) {
    const Matrix g = gaussian_matrix(1, n, word_seed(w, salt));
    double norm = 0;
    for (std::size_t c = 0; c < n; ++c) norm += double(g(0, c)) * g(0, c);
    const float inv = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
    std::vector<float> v(n);
    for (std::size_t c = 0; c < n; ++c) v[c] = g(0, c) * inv;
    return v;
}

// x: (n, 32) embeddings of the crafted example.
Matrix crafted_embeddings(const std::vector<std::string>& tokens) {
    Matrix x(tokens.size(), kE);
    for (std::size_t p = 0; p < tokens.size(); ++p) {
        const auto id = word_vector(tokens[p], 8, 1), other = word_vector(tokens[p], 8, 2);
        for (std::size_t c = 0; c < 8; ++c) {
            x(p, kIdentity + c) = id[c];
            x(p, kOther + c) = other[c];
        }
        for (std::size_t k = 0; k < 4; ++k) {
            x(p, kPosition + 2 * k) = std::cos(kOmega[k] * static_cast<float>(p));
            x(p, kPosition + 2 * k + 1) = std::sin(kOmega[k] * static_cast<float>(p));
        }
        x(p, kClass + static_cast<std::size_t>(word_class(tokens[p], p))) = 1.0f;
    }
    return x;
}

// Hand-set projections (rows of in_proj_weight: W_q 0..31, W_k 32..63, W_v 64..95; head h owns
// rows 8h..8h+7 of each). Scores are divided by √8 inside attention, so gains are set for that.
MultiHeadParams crafted_params(std::uint32_t seed) {
    MultiHeadParams p;
    p.num_heads = kHeads;
    p.in_proj_weight = Matrix(3 * kE, kE);
    p.in_proj_bias.assign(3 * kE, 0.0f);
    Matrix& w = p.in_proj_weight;
    const float root_d = std::sqrt(static_cast<float>(kHeadDim));
    auto q_row = [](std::size_t head, std::size_t r) { return head * kHeadDim + r; };
    auto k_row = [](std::size_t head, std::size_t r) { return kE + head * kHeadDim + r; };

    // Head 0, previous word: q = g·R(−ω)·pos, k = pos, so q_i·k_j = g Σ_k cos(ω_k (i − 1 − j)),
    // largest at j = i − 1 (rotating a position code back by one step is a linear map).
    const float g0 = 3.0f * root_d;
    for (std::size_t k = 0; k < 4; ++k) {
        const float c = std::cos(kOmega[k]), s = std::sin(kOmega[k]);
        const std::size_t pc = kPosition + 2 * k, ps = pc + 1;
        w(q_row(0, 2 * k), pc) = g0 * c;
        w(q_row(0, 2 * k), ps) = g0 * s;
        w(q_row(0, 2 * k + 1), pc) = -g0 * s;
        w(q_row(0, 2 * k + 1), ps) = g0 * c;
        w(k_row(0, 2 * k), pc) = 1.0f;
        w(k_row(0, 2 * k + 1), ps) = 1.0f;
    }
    // Head 1, same word: q = g·id, k = id; equal words score g, others about g·N(0, 1/8).
    const float g1 = 5.0f * root_d;
    for (std::size_t c = 0; c < 8; ++c) {
        w(q_row(1, c), kIdentity + c) = g1;
        w(k_row(1, c), kIdentity + c) = 1.0f;
    }
    // Head 2, subject / coreference: pronouns and verbs look for an animate noun (score 6);
    // every query also looks, more weakly (score 3), at the sentence start or punctuation,
    // where a head rests when it has nothing to do.
    const float g2 = root_d;
    w(q_row(2, 0), kClass + pronoun) = 6.0f * g2;
    w(q_row(2, 0), kClass + verb) = 6.0f * g2;
    w(k_row(2, 0), kClass + animate) = 1.0f;
    p.in_proj_bias[q_row(2, 1)] = 3.0f * g2;
    w(k_row(2, 1), kClass + start_or_punct) = 1.0f;
    // Head 3: seeded random projections, no designed job.
    const Matrix rq = gaussian_matrix(kHeadDim, kE, seed * 5 + 1, 1.5f / std::sqrt(static_cast<float>(kE)));
    const Matrix rk = gaussian_matrix(kHeadDim, kE, seed * 5 + 2, 1.5f / std::sqrt(static_cast<float>(kE)));
    for (std::size_t r = 0; r < kHeadDim; ++r)
        for (std::size_t c = 0; c < kE; ++c) {
            w(q_row(3, r), c) = rq(r, c) * root_d;
            w(k_row(3, r), c) = rk(r, c);
        }
    // Values pass the embedding through; the output projection is the identity.
    for (std::size_t c = 0; c < kE; ++c) w(2 * kE + c, c) = 1.0f;
    p.out_proj_weight = Matrix(kE, kE);
    for (std::size_t c = 0; c < kE; ++c) p.out_proj_weight(c, c) = 1.0f;
    return p;
}

// The random example: E = 8·heads, seeded embeddings (word vector + position) and weights.
void random_example(const std::vector<std::string>& tokens, std::size_t heads, std::uint32_t seed, Matrix& x,
                    MultiHeadParams& p) {
    const std::size_t e = kHeadDim * heads, n = tokens.size();
    const Matrix pe = sinusoidal_positions(n, e);
    x = Matrix(n, e);
    for (std::size_t i = 0; i < n; ++i) {
        const auto v = word_vector(tokens[i], e, 3);
        for (std::size_t c = 0; c < e; ++c) x(i, c) = v[c] * std::sqrt(static_cast<float>(e)) + 0.5f * pe(i, c);
    }
    const float scale = 1.0f / std::sqrt(static_cast<float>(e));
    p.num_heads = heads;
    p.in_proj_weight = gaussian_matrix(3 * e, e, seed * 5 + 3, scale);
    p.in_proj_bias.clear();
    p.out_proj_weight = gaussian_matrix(e, e, seed * 5 + 4, scale);
    p.out_proj_bias.clear();
}

// ============================================================================================
// [SECTION] Lesson
// ============================================================================================

class VizLesson final : public Lesson {
public:
    VizLesson() {
        trace_.reset(Trace::Detail::rows, 50000);  // a step per row: the grid fills row by row
        // Group "" (drawn by the app): the example, its heads and seed; group "view" (drawn by
        // controls(), above the sentence box): the head shown and how it is drawn.
        params_.set_widget_width(10.0f);
        params_.add_choice("example", &example_, {"crafted", "random", "learned"}, 0)
            .choice_labels({"crafted", "random", "learned heads (trained: induction)"})
            .note([this] {
                return example_ == 0   ? std::string("4 heads of 8 dimensions; the seed sets head 3")
                       : example_ == 2 ? std::string("trained by attnlab train; the seed picks the sequence")
                                       : std::string();
            });
        params_.add_int("heads", &heads_, 1, 8, 4).shown([this] { return example_ == 1; });
        params_.add_int("layer", &layer_, 0, 7, 1)
            .label("layer")
            .shown([this] { return example_ == kLearned; })
            .slider_max([this] { return static_cast<double>(std::max<std::size_t>(learned_layers_, 1)) - 1; });
        params_.add_int("head", &head_, 0, 7, 2)
            .label("head shown")
            .group("view")
            .view_only()
            .slider_max([this] { return static_cast<double>(head_count()) - 1; })
            .note([this] {
                return example_ == 0 ? "head " + std::to_string(head_) + ": " + kCraftedHeadNames[shown_head()]
                                     : std::string();
            });
        params_.add_seed("seed", &seed_, 1);
        params_.add_bool("causal", &causal_, false).label("causal mask").group("view");
        params_.add_float("min_weight", &min_weight_, 0.0f, 0.5f, 0.02f)
            .label("min line weight")
            .format("%.2f")
            .group("view")
            .view_only();
        params_.add_bool("previews", &previews_, true).label("colormap previews").group("view").view_only();
        tokens_ = sentence_tokens_ = example_tokens(kDefaultTokens);
        sentence_ = join_words(tokens_);
    }
    const char* id() const override { return "viz"; }
    const char* title() const override { return "Visualization"; }
    std::size_t default_step() const override { return trace_.steps().empty() ? 0 : trace_.steps().size() - 1; }

    void explain() override {
        ImGui::TextUnformatted("Looking at attention");
        if (example_ == kLearned) {
            ImGui::TextUnformatted(
                "Learned heads: nobody set these weights. A two-layer model was trained to continue sequences in "
                "which a segment of tokens repeats (it predicts the repeated tokens about 97% of the time). The "
                "textbook way to do it takes two steps: a previous-token head (each position looks one back) and, "
                "in the next layer, an induction head (the current token looks for its earlier copy and attends to "
                "the token after it). Training finds whatever works, not necessarily that: under each head is "
                "measured how much of its weight goes to the previous token and to the token after the earlier "
                "copy, on this sequence. Switch the layer and the seed and compare.");
        }
        ImGui::TextUnformatted(
            "An attention layer hands you one weight matrix per head: row i says how query token i spreads its "
            "attention over the key tokens, and each row sums to 1. The same numbers can be drawn in several ways, "
            "and each way makes a different pattern easy to see.");
        ImGui::TextUnformatted(
            "The heatmap is exact: hover a cell for its query, key and weight. The line view trades precision for "
            "shape: a thick line is a large weight, and hovering a word isolates its lines. The head grid puts "
            "every head side by side so you can tell them apart at a glance.");
        ImGui::TextUnformatted(
            "In the crafted example the projections are set by hand, not trained: one head looks at the previous "
            "word, one at copies of the same word, one sends pronouns and verbs to the animal they are about "
            "(\"it\" looks at \"cat\"), and one is random, as many real heads look. Colour scales matter too: "
            "compare them below, or pick one in View….");
    }

    // The view's parameters, then the sentence box.
    void controls() override {
        if (draw_params(params_, "view")) changed();
        if (example_ == kLearned) return;  // the sequence comes from the task (the seed picks it)

        ImGui::Spacing();
        ImGui::TextUnformatted("Sentence (words split at spaces)");
        char buf[kMaxSentenceTokens * (kMaxTokenBytes + 1) + 1];
        std::snprintf(buf, sizeof buf, "%s", sentence_.c_str());
        ImGui::SetNextItemWidth(-1);
        const bool enter = ImGui::InputText("##sentence", buf, sizeof buf, ImGuiInputTextFlags_EnterReturnsTrue);
        record_widget("sentence", "text");
        sentence_ = buf;
        if (enter || ImGui::Button("Use sentence")) {
            sentence_error_ = parse_sentence(sentence_, sentence_tokens_);
            if (sentence_error_.empty()) changed();
        }
        ImGui::SameLine();
        if (ImGui::Button("Reset")) {
            sentence_tokens_ = example_tokens(kDefaultTokens);
            sentence_ = join_words(sentence_tokens_);
            sentence_error_.clear();
            changed();
        }
        if (!sentence_error_.empty()) {
            ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.4f, 0.35f, 1.0f));
            ImGui::TextWrapped("%s", sentence_error_.c_str());
            ImGui::PopStyleColor();
        }
    }

    void recompute() override {
        if (example_ == kLearned) {
            recompute_learned();
            return;
        }
        tokens_ = sentence_tokens_;
        Matrix x;
        MultiHeadParams p;
        const auto seed = static_cast<std::uint32_t>(seed_);
        if (example_ == 0) {
            x = crafted_embeddings(tokens_);
            p = crafted_params(seed);
        } else {
            random_example(tokens_, static_cast<std::size_t>(heads_), seed, x, p);
        }
        mask_ = causal_ ? Mask::causal() : Mask::none();
        result_ = multi_head_attention(x, x, x, p, mask_, {}, &trace_);
        head_ = std::clamp(head_, 0, static_cast<int>(result_.weights.size()) - 1);
    }

    void view(const LessonContext& ctx) override {
        if (example_ == kLearned && (model_status(induction_) || !induction_.file())) return;
        step_panel(ctx.step);
        if (example_ == kLearned) learned_header();
        const std::size_t h = shown_head();
        if (h >= result_.weights.size()) return;
        const Matrix& w = result_.weights[h];
        const std::string name = trace_name(h);
        const float font = ImGui::GetFontSize();
        const ImVec2 avail = ImGui::GetContentRegionAvail();
        const std::size_t nh = result_.weights.size();
        // Two rows: the chosen head large (heatmap | lines), then the head grid and the
        // colormap previews in small multiples.
        // A narrow view (a phone) gives the heatmap the whole width, the lines below it, and the
        // grid a row of its own with the previews below.
        const bool narrow = avail.x < font * 30.0f;
        const float line = ImGui::GetTextLineHeightWithSpacing();
        const float small =
            std::clamp(std::min((avail.y - 4 * line) * 0.3f, (avail.x * (previews_ && !narrow ? 0.6f : 1.0f)) /
                                                                     static_cast<float>(std::max<std::size_t>(nh, 4)) -
                                                                 font),
                       56.0f, font * 9.0f);
        const float big =
            std::clamp(std::min(narrow ? avail.x - font : avail.x * 0.5f - font, avail.y - small - 5 * line), 160.0f,
                       font * 28.0f);
        const Mask* mask = masked() ? &mask_ : nullptr;

        ImGui::BeginGroup();
        ImGui::Text("head %zu%s%s", h, example_ == 0 || example_ == kLearned ? ": " : "", head_label(h).c_str());
        const HeatmapHover hv = matrix_view("weights (rows: queries, columns: keys)", name, w, ctx, ImVec2(big, big),
                                            &tokens_, &tokens_, mask);
        ImGui::EndGroup();
        const bool stacked = avail.x - big - font * 1.5f < font * 16.0f;  // presenter mode: lines below
        if (!stacked) ImGui::SameLine(0.0f, font * 1.5f);
        ImGui::BeginGroup();
        ImGui::TextUnformatted("token lines: thickness = weight");
        ImGui::TextDisabled("hover a word to isolate its lines");
        std::vector<bool> pending = pending_rows(ctx.step, name, w.rows());
        TokenLinesOptions opt;
        opt.min_weight = min_weight_;
        opt.colormap = ctx.colormap;
        opt.row_pending = &pending;
        opt.highlight_query = hv.active ? static_cast<int>(hv.row) : -1;
        token_lines(
            "lines", w, tokens_, tokens_,
            ImVec2(std::max(ImGui::GetContentRegionAvail().x - font * 0.5f, 160.0f),
                   stacked ? std::max(big, font * 1.2f * static_cast<float>(tokens_.size())) : big - line * 0.5f),
            opt);
        ImGui::EndGroup();

        // Head grid: every head in small multiples; click one to show it above.
        ImGui::Spacing();
        ImGui::BeginGroup();
        ImGui::TextUnformatted("head grid (click a head to show it above)");
        for (std::size_t k = 0; k < nh; ++k) {
            if (k > 0 && ImGui::GetContentRegionAvail().x > small + font) ImGui::SameLine();
            ImGui::BeginGroup();
            char label[32];
            std::snprintf(label, sizeof label, "head %zu", k);
            matrix_view(label, trace_name(k), result_.weights[k], ctx, ImVec2(small, small), nullptr, nullptr, mask);
            if (ImGui::IsItemClicked()) head_ = static_cast<int>(k);
            if (k == h)  // the head shown above
                ImGui::GetWindowDrawList()->AddRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax(),
                                                    ImGui::GetColorU32(ImGuiCol_Text), 0.0f, 0, 2.0f);
            if (example_ == 0 || example_ == kLearned) {
                ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + small);
                ImGui::TextDisabled("%s", head_label(k).c_str());
                ImGui::PopTextWrapPos();
            }
            ImGui::EndGroup();
        }
        ImGui::EndGroup();
        if (previews_) {
            // Beside the grid when there is room for four previews of at least 48 px, else below.
            const float spare = ImGui::GetContentRegionAvail().x - ImGui::GetItemRectSize().x - 2 * font;
            const float beside = std::min(small * 0.75f, spare / 4.0f - ImGui::GetStyle().ItemSpacing.x);
            if (beside >= 48.0f) {
                ImGui::SameLine(0.0f, font * 2.0f);
                colormap_previews(w, pending, ctx.step, beside);
            } else {
                colormap_previews(w, pending, ctx.step,
                                  std::max(48.0f, std::min(small, ImGui::GetContentRegionAvail().x / 4.0f - font)));
            }
        }
    }

    // The matrix on screen: the chosen head's weights, labelled with the tokens.
    ShownMatrix shown_matrix(std::size_t) const override {
        const std::size_t h = shown_head();
        if (h >= result_.weights.size()) return {};
        return {trace_name(h), result_.weights[h], tokens_, tokens_};
    }

    nlohmann::json data() const override { return {{"tokens", sentence_tokens_}}; }

    std::string load_data(const nlohmann::json& data) override {
        if (!data.is_object()) return "viz data must be a JSON object, got " + a_json_type(data);
        if (!data.contains("tokens")) return "";
        const std::string err = tokens_from_json(data["tokens"], sentence_tokens_);
        if (!err.empty()) return "viz data: " + err;
        sentence_ = join_words(sentence_tokens_);
        sentence_error_.clear();
        changed();
        return "";
    }

    // The learned example's model state for state() (the JS API and the tests); maxDifference:
    // |these weights − the model's own forward's|, over the layer's heads.
    nlohmann::json state_fields() const override {
        if (example_ != kLearned) return nullptr;
        nlohmann::json m = {
            {"path", induction_.path()}, {"state", induction_.state_name()}, {"error", induction_.error()}};
        if (induction_.state() == ModelAsset::State::ready) {
            m["layer"] = shown_layer_;
            m["layers"] = learned_layers_;
            m["heads"] = learned_roles_;
            m["previousTokenScores"] = previous_scores_;
            m["inductionScores"] = induction_scores_;
            m["maxDifference"] = learned_diff_;
        }
        return {{"model", m}};
    }

private:
    static constexpr int kLearned = 2;
    bool masked() const { return causal_ || example_ == kLearned; }

    // The learned example: one induction sequence (the seed's), the model's forward, then the
    // chosen layer's heads recomputed from that layer's input through multi_head_attention.
    void recompute_learned() {
        tokens_.clear();
        result_ = MultiHeadResult{};
        learned_roles_.clear();
        previous_scores_.clear();
        induction_scores_.clear();
        mask_ = Mask::causal();
        ModelFile* file = fetch_model(induction_);
        if (!file) return;  // view() shows "loading model…" or why it failed
        Transformer& model = *file->model;
        const TaskConfig& task = file->config.task;
        const std::size_t n = task.length, E = model.config().d_model;
        learned_layers_ = model.config().layers;
        shown_layer_ = static_cast<std::size_t>(std::clamp(layer_, 0, static_cast<int>(learned_layers_) - 1));
        Rng rng(static_cast<std::uint64_t>(seed_));
        TaskBatch batch;
        generate_batch(task, 1, rng, batch);
        model.forward(batch.input.data(), 1, n);
        for (std::size_t i = 0; i < n; ++i) tokens_.push_back(std::to_string(batch.input[i]));
        const ConstMatrixView in = model.attention_input(shown_layer_);  // (n, E) norm1(x) of that layer
        Matrix x(n, E);
        for (std::size_t i = 0; i < n; ++i) std::copy(in.row(i), in.row(i) + E, x.row(i));
        const MultiHeadParams p = layer_attention_params(model, shown_layer_);
        result_ = multi_head_attention(x, x, x, p, mask_, {}, &trace_);
        head_ = std::clamp(head_, 0, static_cast<int>(result_.weights.size()) - 1);
        learned_diff_ = 0.0;
        for (std::size_t h = 0; h < result_.weights.size(); ++h) {
            const ConstMatrixView own = model.attention(shown_layer_, 0, h);
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t j = 0; j < n; ++j)
                    learned_diff_ =
                        std::max(learned_diff_, std::fabs(static_cast<double>(result_.weights[h](i, j)) - own(i, j)));
        }
        label_heads(batch.input);
    }

    // What each head does on this sequence, measured (attn/train/head_scores.hpp): the mean weight
    // on the previous token, and on the induction target (the key after the earlier occurrence of
    // the query's token). A head is named after the larger score when it is above one half.
    void label_heads(const std::vector<std::int32_t>& ids) {
        for (const Matrix& w : result_.weights) {
            const double prev = previous_token_score(w), ind = induction_score(w, ids);
            previous_scores_.push_back(prev);
            induction_scores_.push_back(ind);
            char label[96];
            if (prev >= ind && prev > 0.5)
                std::snprintf(label, sizeof label, "previous token (%.0f%%)", 100 * prev);
            else if (ind > prev && ind > 0.5)
                std::snprintf(label, sizeof label, "induction (%.0f%%)", 100 * ind);
            else
                std::snprintf(label, sizeof label, "previous %.0f%%, induction %.0f%%", 100 * prev, 100 * ind);
            learned_roles_.push_back(label);
        }
    }

    void learned_header() {
        const ModelFile* f = induction_.file();
        std::string seq;
        for (std::size_t i = 0; i < tokens_.size(); ++i) seq += (i ? " " : "") + tokens_[i];
        ImGui::PushTextWrapPos(0.0f);
        ImGui::Text(
            "Learned, not hand-set: layer %zu of %zu of a model that attnlab train trained on the induction "
            "task (%llu steps, %s).",
            shown_layer_, learned_layers_, static_cast<unsigned long long>(f ? f->step : 0), induction_.path().c_str());
        ImGui::TextDisabled("sequence (a segment of it repeats later): %s", seq.c_str());
        ImGui::PopTextWrapPos();
    }

    std::string head_label(std::size_t h) const {
        if (example_ == 0) return kCraftedHeadNames[h];
        if (example_ == kLearned && h < learned_roles_.size()) return learned_roles_[h];
        return "";
    }

    std::size_t head_count() const {
        return example_ == 0          ? kHeads
               : example_ == kLearned ? result_.weights.size()
                                      : static_cast<std::size_t>(heads_);
    }
    std::size_t shown_head() const {
        return static_cast<std::size_t>(std::clamp(head_, 0, static_cast<int>(head_count()) - 1));
    }
    static std::string trace_name(std::size_t h) { return "head " + std::to_string(h) + ": weights"; }

    // Rows of a head's weights whose softmax has not run yet at this step.
    std::vector<bool> pending_rows(std::size_t step, const std::string& name, std::size_t rows) {
        std::vector<bool> pending(rows, false);
        const auto& steps = trace_.steps();
        if (step + 1 >= steps.size()) return pending;
        std::vector<bool> done(rows, false);
        bool any = false;
        for (std::size_t s = 0; s < steps.size(); ++s) {
            const Focus& f = steps[s].focus;
            const bool writes =
                std::find(steps[s].writes.begin(), steps[s].writes.end(), name) != steps[s].writes.end();
            if (!writes) continue;
            any = true;
            if (s > step) continue;
            if (f.kind == Focus::Kind::row && f.matrix == name && f.row < rows)
                done[f.row] = true;
            else
                std::fill(done.begin(), done.end(), true);
        }
        if (!any) return pending;
        for (std::size_t i = 0; i < rows; ++i) pending[i] = !done[i];
        return pending;
    }

    // The shown head through each colormap, whatever the global choice is.
    void colormap_previews(const Matrix& w, const std::vector<bool>& pending, std::size_t step, float size) {
        ImGui::BeginGroup();
        ImGui::TextUnformatted("this head in each colormap");
        ImGui::TextDisabled("(View… sets the one used everywhere)");
        if (preview_version_ != version_ || preview_head_ != shown_head() || preview_step_ != step) {
            // The same cell states as the large heatmap: rows not computed yet, masked cells.
            std::vector<CellState> state(w.rows() * w.cols(), CellState::shown);
            for (std::size_t i = 0; i < w.rows(); ++i)
                for (std::size_t j = 0; j < w.cols(); ++j)
                    if (i < pending.size() && pending[i])
                        state[i * w.cols() + j] = CellState::pending;
                    else if (masked() && !mask_.allows(i, j))
                        state[i * w.cols() + j] = CellState::masked;
            for (int c = 0; c < 4; ++c) {
                previews_maps_[c].set(w, state, 0.0f, 1.0f);  // weights: a fixed 0..1 scale
                previews_maps_[c].set_colormap(static_cast<Colormap>(c));
            }
            preview_version_ = version_;
            preview_head_ = shown_head();
            preview_step_ = step;
        }
        HeatmapOptions opt;
        opt.show_values = false;
        for (int c = 0; c < 4; ++c) {
            if (c > 0) ImGui::SameLine();
            ImGui::BeginGroup();
            previews_maps_[c].draw(kColormapNames[c], ImVec2(size, size), opt);
            ImGui::TextDisabled("%s", kColormapNames[c]);
            ImGui::EndGroup();
        }
        ImGui::EndGroup();
    }

    int example_, heads_, layer_, head_, seed_;  // values: the declarations in the constructor
    bool causal_, previews_;
    float min_weight_;
    std::vector<std::string> tokens_;
    std::string sentence_, sentence_error_;
    Mask mask_;
    MultiHeadResult result_;
    Heatmap previews_maps_[4];
    std::uint64_t preview_version_ = ~0ull;
    std::size_t preview_head_ = ~std::size_t{0}, preview_step_ = ~std::size_t{0};
    // The learned example.
    ModelAsset induction_{kInductionModelPath, TaskKind::induction};
    std::vector<std::string> sentence_tokens_;  // the sentence of the crafted and random examples
    std::vector<std::string> learned_roles_;
    std::vector<double> previous_scores_, induction_scores_;
    std::size_t learned_layers_ = 0, shown_layer_ = 0;
    double learned_diff_ = 0.0;
};

}  // namespace

std::unique_ptr<Lesson> make_viz_lesson() { return std::make_unique<VizLesson>(); }

}  // namespace attn::ui
