// self.cpp — the lesson on self-attention.
//
// Q, K and V come from one sequence X (n tokens × d): Q = X·W_q, K = X·W_k, V = X·W_v, then
// attn::attention with scaled dot scores. A mask composer picks none, causal, key padding
// (trailing tokens), a sliding window, or a matrix painted by hand (click or drag on the mask
// heatmap; the painted matrix is lesson data, so it is saved in scenarios). Sinusoidal
// positions can be added to X. Live counters give the multiply-adds and the bytes of the n×n
// matrix as n grows, against the O(n·d) memory of the tiled path, which is also run and timed.
//
// n goes up to 2048 and stays interactive: the step detail drops to one step per row, then to
// one step per stage, as n grows; the n×n matrices are drawn one texel per cell; the n×d
// matrices are drawn only while they can be read (n ≤ 128).
//
// The "trained: reverse" example shows a head LEARNED by `attnlab train` (models/reverse.safetensors,
// made by scripts/make_models, fetched when first chosen): X is what its layer 0 attention read,
// norm1(tok_emb + pos_emb), Q, K, V are that head's rows of the trained in_proj, and the same
// attention kernel gives the same weights as the model's own forward (the difference is shown).
// Reversing a sequence needs position i to read position n−1−i: the weights form an anti-diagonal.
//
// What it deliberately does not do: multiple heads (the multi-head lesson) or training the projections.
//
// [SECTION] Helpers     per-word embeddings
// [SECTION] Lesson      parameters, data, recompute, view (mask painting, counters)
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "attn/attention.hpp"
#include "attn/kernels.hpp"
#include "attn/tiled.hpp"
#include "attn/train/layers.hpp"
#include "attn/train/tasks.hpp"
#include "cost.hpp"
#include "examples.hpp"
#include "lesson.hpp"
#include "widgets/charts.hpp"
#include "widgets/mask_painter.hpp"
#include "widgets/param_widgets.hpp"

namespace attn::ui {

namespace {

// ============================================================================================
// [SECTION] Helpers
// ============================================================================================

constexpr int kMaxTokens = 2048;
constexpr int kMaxDim = 128;
// Above this many tokens the n×d matrices (X, Q, K, V, O) are not drawn: at one texel per
// cell (the heatmap's smallest cell is 0.25 px) they would be a 2-pixel-wide sliver.
constexpr std::size_t kMaxTokensForColumns = 128;
// Painting and the n slider recompute on every change up to this n; above it, when the drag ends.
constexpr std::size_t kLiveTokens = 256;

enum MaskKind { kNone, kCausal, kPadding, kWindow, kCustom };
enum Example { kRandom, kTrainedReverse };
enum DetailChoice { kAuto, kCoarse, kRows, kCells };

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// One embedding per word (not per position), so equal words get equal rows of X: without
// positions, attention cannot tell the two "the"s apart.
Matrix word_embeddings(const std::vector<std::string>& tokens, std::size_t d, std::uint32_t seed) {
    Matrix x(tokens.size(), d);
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        std::uint32_t h = 2166136261u ^ seed;  // FNV-1a of the word
        for (unsigned char c : tokens[i]) h = (h ^ c) * 16777619u;
        const Matrix e = gaussian_matrix(1, d, h);
        std::copy(e.row(0), e.row(0) + d, x.row(i));
    }
    return x;
}

// ============================================================================================
// [SECTION] Lesson
// ============================================================================================

class SelfLesson final : public Lesson {
public:
    SelfLesson() {
        // Small n follows the slider live; a large n is computed when the slider is released, so
        // a drag does not recompute (and re-upload n² cells) on every frame.
        auto random = [this] { return example_ == kRandom; };
        params_.add_choice("example", &example_, {"random", "reverse"}, kRandom)
            .choice_labels({"random weights", "trained: reverse (learned)"})
            .note([this] {
                return example_ == kTrainedReverse
                           ? std::string("a head learned by attnlab train; the seed picks the input")
                           : std::string();
            });
        params_.add_int("n", &n_, 2, kMaxTokens, 8).label("tokens n").log().live_max(kLiveTokens).shown(random);
        params_.add_int("d", &d_, 2, kMaxDim, 8).label("width d").log().shown(random);
        params_.add_seed("seed", &seed_, 1);
        params_.add_bool("positions", &positions_, false).label("sinusoidal positions").shown(random);
        params_.add_choice("mask", &mask_kind_, {"none", "causal", "padding", "window", "custom"}, kCausal)
            .choice_labels({"none", "causal", "key padding", "sliding window", "custom (painted)"})
            .separator()
            .heading("Mask")
            .shown(random);
        params_.add_int("pad", &pad_, 0, kMaxTokens, 2)
            .label("padding tokens")
            .shown([this] { return example_ == kRandom && mask_kind_ == kPadding; })
            .slider_max([this] { return n_; });
        params_.add_int("window", &window_, 0, kMaxTokens - 1, 2)
            .label("window w")
            .log()
            .shown([this] { return example_ == kRandom && mask_kind_ == kWindow; })
            .slider_max([this] { return std::max(1, n_ - 1); });
        // Drawn by controls(), after the mask buttons.
        params_.add_choice("detail", &detail_, {"auto", "coarse", "rows", "cells"}, kAuto)
            .label("step detail")
            .choice_labels(
                {"auto", "coarse: one step per stage", "rows: one step per row", "cells: one step per cell (n ≤ 32)"})
            .group("steps")
            .separator()
            .note([this] { return std::string("in use: ") + detail_name(effective_detail_); });
    }
    const char* id() const override { return "self"; }
    const char* title() const override { return "Self-attention"; }

    void explain() override {
        ImGui::TextUnformatted("Self-attention");
        if (example_ == kTrainedReverse) {
            // The row's length and the steps come from the shipped file (models/reverse.safetensors).
            std::string made = "a row of tokens";
            if (const ModelFile* f = reverse_.file())
                made = "a row of " + std::to_string(f->config.task.length) + " tokens (attnlab train, " +
                       std::to_string(f->step) + " steps)";
            ImGui::TextWrapped(
                "Trained: reverse. These Q, K and V come from a model that learned to reverse %s. To write the "
                "token at position i it must read position n−1−i, and nobody told it so: one of its two heads "
                "learned to put its weight on the anti-diagonal. Change the seed for another input; the pattern "
                "stays, because it depends on positions, not on the tokens.",
                made.c_str());
        }
        ImGui::TextUnformatted(
            "Here queries, keys and values all come from the same sequence X, one row per token: Q = X·W_q, "
            "K = X·W_k, V = X·W_v. Every token scores every token, itself included, so the weights form an n×n "
            "matrix, and each output row mixes the value rows of the tokens it attends to.");
        ImGui::TextUnformatted(
            "A mask says which pairs may attend. Causal: a token sees only itself and earlier tokens, as when "
            "text is generated left to right. Key padding: the filler tokens at the end of a short sequence in a "
            "batch are never attended. Window: only neighbours within w positions. Or paint your own: click or "
            "drag on the mask. A row left with no allowed key gets zero weights and a zero output.");
        ImGui::TextUnformatted(
            "Attention on its own ignores order: both \"the\" tokens have the same embedding, so without positions "
            "their rows of α are identical. Sinusoidal positions add a different pattern of sines and cosines to "
            "each position and break the tie.");
        ImGui::TextUnformatted(
            "Cost: the score and weight matrices are n×n, so work grows as n²·d and memory as n². Slide n up to "
            "2048 and watch the counters. The tiled path (the Tiled lesson: online softmax) gets the same output "
            "without "
            "ever storing the n×n matrix: O(n·d) memory.");
    }

    // Between the mask's parameters and the step detail: how to paint, and two shortcuts.
    void controls() override {
        if (example_ == kTrainedReverse) {
            if (draw_params(params_, "steps")) changed();
            return;
        }
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextDisabled(
            "Click or drag on the mask to toggle cells (switches to custom, starting from the current mask).");
        ImGui::PopTextWrapPos();
        if (ImGui::SmallButton("custom: allow all")) {
            start_custom(false);
            std::fill(custom_.begin(), custom_.end(), std::uint8_t{1});
            changed();
        }
        ImGui::SameLine();
        if (ImGui::SmallButton("custom: invert")) {
            start_custom(true);
            for (auto& c : custom_) c = c ? 0 : 1;
            changed();
        }
        if (draw_params(params_, "steps")) changed();
    }

    // The painted mask: {"custom_mask": {"n": 4, "rows": ["1000", "1100", "1110", "1111"]}}.
    nlohmann::json data() const override {
        nlohmann::json j = nlohmann::json::object();
        if (custom_n_ == 0) return j;
        nlohmann::json rows = nlohmann::json::array();
        for (std::size_t i = 0; i < custom_n_; ++i) {
            std::string r(custom_n_, '0');
            for (std::size_t k = 0; k < custom_n_; ++k)
                if (custom_[i * custom_n_ + k]) r[k] = '1';
            rows.push_back(std::move(r));
        }
        j["custom_mask"] = {{"n", custom_n_}, {"rows", std::move(rows)}};
        return j;
    }

    std::string load_data(const nlohmann::json& data) override {
        if (!data.is_object()) return "self-attention data must be a JSON object";
        if (!data.contains("custom_mask")) return "";
        const nlohmann::json& m = data["custom_mask"];
        if (!m.is_object()) return "custom_mask must be an object with \"n\" and \"rows\"";
        if (!m.contains("n") || !m["n"].is_number_integer()) return "custom_mask.n must be a whole number";
        const long long n = m["n"].get<long long>();
        if (n < 2 || n > kMaxTokens)
            return "custom_mask.n is " + std::to_string(n) + ", outside 2.." + std::to_string(kMaxTokens);
        if (n != n_)
            return "custom_mask is " + std::to_string(n) + "×" + std::to_string(n) + " but n is " + std::to_string(n_);
        if (!m.contains("rows") || !m["rows"].is_array()) return "custom_mask.rows must be an array of strings";
        const nlohmann::json& rows = m["rows"];
        if (rows.size() != static_cast<std::size_t>(n))
            return "custom_mask.rows has " + std::to_string(rows.size()) + " rows, expected " + std::to_string(n);
        const auto un = static_cast<std::size_t>(n);
        std::vector<std::uint8_t> cells(un * un);
        for (std::size_t i = 0; i < un; ++i) {
            if (!rows[i].is_string()) return "custom_mask.rows[" + std::to_string(i) + "] is not a string";
            const std::string& r = rows[i].get_ref<const std::string&>();
            if (r.size() != un)
                return "custom_mask.rows[" + std::to_string(i) + "] has " + std::to_string(r.size()) +
                       " characters, expected " + std::to_string(n);
            for (std::size_t k = 0; k < un; ++k) {
                if (r[k] != '0' && r[k] != '1')
                    return "custom_mask.rows[" + std::to_string(i) + "][" + std::to_string(k) + "] is not '0' or '1'";
                cells[i * un + k] = r[k] == '1';
            }
        }
        custom_ = std::move(cells);
        custom_n_ = un;
        changed();
        return "";
    }

    void recompute() override {
        if (example_ == kTrainedReverse) {
            recompute_trained();
            return;
        }
        const auto n = static_cast<std::size_t>(n_), d = static_cast<std::size_t>(d_);
        effective_detail_ = detail_ == kAuto ? (n <= 64 ? kRows : kCoarse) : detail_;
        if (effective_detail_ == kCells && n > 32) effective_detail_ = kRows;  // n² steps would not be steppable
        trace_.reset(effective_detail_ == kCoarse ? Trace::Detail::coarse
                     : effective_detail_ == kRows ? Trace::Detail::rows
                                                  : Trace::Detail::cells,
                     50000);
        const auto t0 = Clock::now();
        const auto seed = static_cast<std::uint32_t>(seed_) * 4;
        tokens_ = example_tokens(n);
        x_ = word_embeddings(tokens_, d, seed);
        if (positions_) {
            pe_ = sinusoidal_positions(n, d);
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t c = 0; c < d; ++c) x_(i, c) += pe_(i, c);
        }
        // W ~ N(0, 1/d): projected entries keep about unit variance.
        const float w_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
        const Matrix wq = gaussian_matrix(d, d, seed + 1, w_scale), wk = gaussian_matrix(d, d, seed + 2, w_scale),
                     wv = gaussian_matrix(d, d, seed + 3, w_scale);
        q_.resize(n, d);
        k_.resize(n, d);
        v_.resize(n, d);
        matmul_ab(x_, wq, q_);  // (n, d) · (d, d)
        matmul_ab(x_, wk, k_);
        matmul_ab(x_, wv, v_);
        const double macs_proj = static_cast<double>(n) * d * d;
        trace_.set_matrix("X", x_);
        trace_.set_matrix("Q", q_);
        trace_.set_matrix("K", k_);
        trace_.set_matrix("V", v_);
        trace_.add(StepKind::projection, "Embed the tokens",
                   positions_ ? "x_i = embedding(token_i) + PE(i)   (sinusoidal positions)"
                              : "x_i = embedding(token_i)   (no positions: equal words give equal rows)",
                   {}, {"X"});
        trace_.add(StepKind::projection, "Project queries", "Q = X·W_q   (n×d · d×d)", {"X"}, {"Q"})
            .value("multiply-adds", macs_proj);
        trace_.add(StepKind::projection, "Project keys", "K = X·W_k", {"X"}, {"K"}).value("multiply-adds", macs_proj);
        trace_.add(StepKind::projection, "Project values", "V = X·W_v", {"X"}, {"V"}).value("multiply-adds", macs_proj);

        mask_ = build_mask();
        ScoreParams p;  // scaled_dot: s_ij = q_i·k_j / √d
        const auto t1 = Clock::now();
        attention(q_, k_, v_, p, mask_, result_, &trace_);
        plain_ms_ = ms_since(t1);
        // The same output tile by tile with the online softmax: no n×n matrix (fast path, no trace).
        tiled_out_.resize(n, d);
        const auto t2 = Clock::now();
        tiled_attention(q_, k_, v_, static_cast<float>(1.0 / std::sqrt(static_cast<double>(d))), mask_, tiled_out_,
                        TileConfig{}, nullptr, &tiled_ws_);
        tiled_ms_ = ms_since(t2);
        max_diff_ = 0.0;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t c = 0; c < d; ++c)
                max_diff_ =
                    std::max(max_diff_, std::fabs(static_cast<double>(tiled_out_(i, c)) - result_.output(i, c)));
        scores_step_ = weights_step_ = trace_.steps().size();
        for (const Step& st : trace_.steps()) {
            const bool writes_s = std::find(st.writes.begin(), st.writes.end(), "scores") != st.writes.end();
            const bool writes_w = std::find(st.writes.begin(), st.writes.end(), "weights") != st.writes.end();
            if (writes_s) scores_step_ = std::min(scores_step_, st.id);
            if (writes_w) weights_step_ = std::min(weights_step_, st.id);
        }
        allowed_ = 0;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) allowed_ += mask_.allows(i, j) ? 1 : 0;
        mask_painter_.invalidate();
        recompute_ms_ = ms_since(t0);
    }

    void view(const LessonContext& ctx) override {
        const bool trained = example_ == kTrainedReverse;
        if (trained && (model_status(reverse_) || !reverse_.file())) return;
        step_panel(ctx.step);
        if (trained) trained_header();
        const std::size_t n = x_.rows(), d = x_.cols();
        const float font = ImGui::GetFontSize(), gap = ImGui::GetStyle().ItemSpacing.x;
        const float full = ImGui::GetContentRegionAvail().x;

        // X, (PE), Q, K, V: n×d each.
        if (n <= kMaxTokensForColumns) {
            // Flowed: all in one row at 1×, fewer a row in presenter mode.
            const char* names[] = {trained      ? "X = norm1(tok_emb + pos_emb)"
                                   : positions_ ? "X = embeddings + PE"
                                                : "X = token embeddings",
                                   "PE (positions)", trained ? "Q = X·W_qᵀ + b_q" : "Q = X·W_q",
                                   trained ? "K = X·W_kᵀ + b_k" : "K = X·W_k",
                                   trained ? "V = X·W_vᵀ + b_v" : "V = X·W_v"};
            const char* trace_names[] = {"X", "PE", "Q", "K", "V"};
            const Matrix* ms[] = {&x_, &pe_, &q_, &k_, &v_};
            const bool pe = positions_ && !trained;
            const int count = pe ? 5 : 4;
            const int per_row = std::clamp(static_cast<int>((full + gap) / (font * 9 + gap)), 1, count);
            const float w = (full - gap * static_cast<float>(per_row)) / static_cast<float>(per_row);
            const ImVec2 sz(w, std::clamp(w * static_cast<float>(n) / static_cast<float>(d), font * 3, font * 7));
            int shown = 0;
            for (int k = 0; k < 5; ++k) {
                if (k == 1 && !pe) continue;
                if (shown++ % per_row) ImGui::SameLine();
                ImGui::BeginGroup();
                matrix_view(names[k], trace_names[k], *ms[k], ctx, sz, &tokens_, nullptr);
                ImGui::EndGroup();
            }
        } else {
            ImGui::TextDisabled("X, Q, K, V and the output are %zu×%zu: not drawn above n = %zu (see the counters).", n,
                                d, kMaxTokensForColumns);
        }
        ImGui::Spacing();

        // mask, S, α, O: as many a row as fit (the n×n matrices need n/4 px at one texel per cell).
        const bool columns = n <= kMaxTokensForColumns;
        const int count = columns ? 4 : 3;
        const float min_side = std::max(static_cast<float>(n) * 0.25f, font * 8);
        const int per_row = std::clamp(static_cast<int>((full + gap) / (min_side + gap)), 1, count);
        // When the n×n matrices stack one a row (n ≥ ~1800 at 1280 px), the counters come first
        // so the numbers this lesson is about stay in view.
        if (per_row < 2 && !trained) {
            counters();
            ImGui::Spacing();
        }
        {
            const float side =
                std::max(min_side, (full - gap * static_cast<float>(per_row)) / static_cast<float>(per_row));
            const float hgt = std::min(side, std::max(font * 8, ImGui::GetContentRegionAvail().y - font * 15));
            const ImVec2 sz(side, hgt);
            // Column labels (tokens) only when a cell is wide enough for a short word.
            cols_ = std::min(side, hgt) / static_cast<float>(n) >= font * 2.2f ? &tokens_ : nullptr;
            const bool big = !columns && effective_detail_ == kCoarse;
            if (big) upload_big();
            for (int k = 0; k < count; ++k) {
                if (k % per_row) ImGui::SameLine();
                ImGui::BeginGroup();
                if (k == 0 && !trained) mask_view(ctx, sz);
                if (k == 0 && trained) {
                    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + sz.x);
                    ImGui::TextWrapped(
                        "mask: none. The reverse model is bidirectional: every token may read every token, and "
                        "training taught this head which one to read.");
                    ImGui::PopTextWrapPos();
                }
                if (k == 1 && big) big_view("scores S = Q·Kᵀ/√d", scores_map_, scores_step_, ctx, sz);
                if (k == 1 && !big)
                    matrix_view("scores S = Q·Kᵀ/√d", "scores", result_.scores, ctx, sz, &tokens_, cols_, &mask_);
                if (k == 2 && big) big_view("weights α = softmax(S)", weights_map_, weights_step_, ctx, sz);
                if (k == 2 && !big)
                    matrix_view("weights α = softmax(S)", "weights", result_.weights, ctx, sz, &tokens_, cols_, &mask_);
                if (k == 3)
                    matrix_view("output O = α·V", "output", result_.output, ctx,
                                ImVec2(std::min(side, font * 2 + static_cast<float>(result_.output.cols()) * hgt /
                                                                     static_cast<float>(n)),
                                       hgt),
                                &tokens_, nullptr);
                ImGui::EndGroup();
            }
        }
        if (per_row >= 2 && !trained) {
            ImGui::Spacing();
            counters();
        }
    }

    // The trained example's model state for state() (the JS API and the tests).
    nlohmann::json state_fields() const override {
        if (example_ != kTrainedReverse) return nullptr;
        nlohmann::json m = {{"path", reverse_.path()}, {"state", reverse_.state_name()}, {"error", reverse_.error()}};
        if (reverse_.state() == ModelAsset::State::ready) {
            m["layer"] = 0;
            m["head"] = trained_head_;
            m["maxDifference"] = trained_diff_;  // |our kernel's weights − the model's own forward|
        }
        return {{"model", m}};
    }

    ShownMatrix shown_matrix(std::size_t step) const override {
        const std::string name = step_matrix(step, "weights");
        const std::vector<std::string> none;
        if (const Matrix* m = trace_.matrix(name)) {
            const bool square = m->rows() == m->cols() && m->rows() == tokens_.size() && name != "X";
            return {name, *m, tokens_, square ? tokens_ : none};
        }
        return {"weights", result_.weights, tokens_, tokens_};
    }

private:
    // The trained example: the input drawn from the reverse task with the lesson's seed, run
    // through the model; the head with the most weight on the anti-diagonal is shown, recomputed
    // from its layer's input and its rows of in_proj through attn::attention (with a trace).
    void recompute_trained() {
        effective_detail_ = detail_ == kAuto ? kRows : detail_;
        trace_.reset(effective_detail_ == kCoarse ? Trace::Detail::coarse
                     : effective_detail_ == kRows ? Trace::Detail::rows
                                                  : Trace::Detail::cells,
                     50000);
        tokens_.clear();
        predicted_.clear();
        x_ = q_ = k_ = v_ = pe_ = Matrix();
        result_ = AttentionResult{};
        mask_ = Mask::none();
        ModelFile* file = fetch_model(reverse_);
        if (!file) return;  // view() shows "loading model…" or why it failed
        Transformer& model = *file->model;
        const TaskConfig& task = file->config.task;
        const std::size_t n = task.length, E = model.config().d_model, H = model.config().heads, dh = E / H;
        Rng rng(static_cast<std::uint64_t>(seed_));
        TaskBatch batch;
        generate_batch(task, 1, rng, batch);
        const ConstMatrixView logits = model.forward(batch.input.data(), 1, n);
        for (std::size_t i = 0; i < n; ++i) {
            tokens_.push_back(std::to_string(batch.input[i]));
            const float* row = logits.row(i);
            predicted_.push_back(static_cast<int>(std::max_element(row, row + logits.cols) - row));
        }
        // The head that reverses: the most mean weight on (i, n−1−i).
        double best = -1.0;
        for (std::size_t h = 0; h < H; ++h) {
            const ConstMatrixView a = model.attention(0, 0, h);
            double anti = 0.0;
            for (std::size_t i = 0; i < n; ++i) anti += a(i, n - 1 - i);
            if (anti > best) best = anti, trained_head_ = h;
        }
        const std::size_t h = trained_head_;
        const ConstMatrixView in = model.attention_input(0);  // (n, E) norm1(tok_emb + pos_emb)
        x_.resize(n, E);
        for (std::size_t i = 0; i < n; ++i) std::copy(in.row(i), in.row(i) + E, x_.row(i));
        const Parameters& P = model.parameters();
        const ConstMatrixView w = P.value_matrix(P.index("layers.0.self_attn.in_proj_weight"));  // (3E, E)
        const float* b = P.value(P.index("layers.0.self_attn.in_proj_bias"));                    // 3E
        // part 0, 1, 2 = q, k, v: head h owns rows part·E + h·dh … + dh of in_proj.
        auto project = [&](std::size_t part, Matrix& out) {
            out.resize(n, dh);
            nn::linear_forward(x_, w.block(part * E + h * dh, 0, dh, E), b + part * E + h * dh, out);
        };
        project(0, q_);
        project(1, k_);
        project(2, v_);
        trace_.set_matrix("X", x_);
        trace_.set_matrix("Q", q_);
        trace_.set_matrix("K", k_);
        trace_.set_matrix("V", v_);
        trace_.add(StepKind::projection, "Embed the tokens (trained)",
                   "x_i = norm1(tok_emb[token_i] + pos_emb[i])   (what layer 0's attention reads; learned)", {}, {"X"});
        const std::string rows = "rows of head " + std::to_string(h) + " in the trained in_proj";
        trace_.add(StepKind::projection, "Project queries", "Q = X·W_qᵀ + b_q   (" + rows + ")", {"X"}, {"Q"});
        trace_.add(StepKind::projection, "Project keys", "K = X·W_kᵀ + b_k   (" + rows + ")", {"X"}, {"K"});
        trace_.add(StepKind::projection, "Project values", "V = X·W_vᵀ + b_v   (" + rows + ")", {"X"}, {"V"});
        ScoreParams p;  // scaled_dot: s_ij = q_i·k_j / √d_head, as nn.MultiheadAttention
        attention(q_, k_, v_, p, mask_, result_, &trace_);
        const ConstMatrixView own = model.attention(0, 0, h);
        trained_diff_ = 0.0;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j)
                trained_diff_ =
                    std::max(trained_diff_, std::fabs(static_cast<double>(result_.weights(i, j)) - own(i, j)));
        trained_step_ = file->step;
        trained_heads_ = H;
    }

    // What the trained example is, above its matrices.
    void trained_header() {
        std::string input, prediction;
        for (std::size_t i = 0; i < tokens_.size(); ++i) {
            input += (i ? " " : "") + tokens_[i];
            prediction += (i ? " " : "") + std::to_string(predicted_[i]);
        }
        ImGui::PushTextWrapPos(0.0f);
        ImGui::Text(
            "Learned, not hand-set: head %zu of %zu in layer 0 of a model that attnlab train trained on "
            "reversing %zu digits (%llu steps, %s).",
            trained_head_, trained_heads_, tokens_.size(), static_cast<unsigned long long>(trained_step_),
            reverse_.path().c_str());
        ImGui::Text("input: %s    the model predicts: %s", input.c_str(), prediction.c_str());
        ImGui::TextDisabled(
            "These weights, recomputed here from the model's own Q and K, differ from its forward's "
            "by at most %.1e.",
            trained_diff_);
        ImGui::PopTextWrapPos();
    }

    static const char* detail_name(int d) {
        return d == kCoarse ? "coarse (one step per stage)"
               : d == kRows ? "rows (one step per row)"
                            : "cells (one step per cell)";
    }

    attn::Mask build_mask() {
        const auto n = static_cast<std::size_t>(n_);
        switch (mask_kind_) {
            case kCausal: return Mask::causal();
            case kPadding: {
                const std::size_t pad = std::min(static_cast<std::size_t>(pad_), n);
                std::vector<bool> padding(n, false);
                std::fill(padding.end() - static_cast<std::ptrdiff_t>(pad), padding.end(), true);
                return Mask::key_padding(std::move(padding));
            }
            case kWindow: return Mask::window(static_cast<std::size_t>(window_));
            case kCustom: fit_custom(); return Mask::matrix(n, n, custom_);
            default: return Mask::none();
        }
    }

    // The custom mask follows n: the overlapping top-left block is kept, new cells are allowed.
    void fit_custom() {
        const auto n = static_cast<std::size_t>(n_);
        if (custom_n_ == n && custom_.size() == n * n) return;
        std::vector<std::uint8_t> c(n * n, 1);
        const std::size_t keep = std::min(n, custom_n_);
        for (std::size_t i = 0; i < keep; ++i)
            for (std::size_t j = 0; j < keep; ++j) c[i * n + j] = custom_[i * custom_n_ + j];
        custom_ = std::move(c);
        custom_n_ = n;
    }

    // Switch to the custom mask; copy = start from the mask in use (so painting edits what is shown).
    void start_custom(bool copy) {
        const auto n = static_cast<std::size_t>(n_);
        if (mask_kind_ != kCustom) {
            custom_.assign(n * n, 1);
            custom_n_ = n;
            if (copy)
                for (std::size_t i = 0; i < n; ++i)
                    for (std::size_t j = 0; j < n; ++j) custom_[i * n + j] = mask_.allows(i, j) ? 1 : 0;
            mask_kind_ = kCustom;
        }
        fit_custom();
    }

    // Large n with one step per stage: S and α are uploaded once per recompute and, before the
    // step that computes them, replaced by a placeholder, so stepping uploads nothing (through
    // matrix_view every step would rebuild n² cell states and re-upload n² texels).
    void upload_big() {
        if (big_version_ == version_) return;
        const auto n = static_cast<std::size_t>(n_);
        big_state_.assign(n * n, CellState::shown);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j)
                if (!mask_.allows(i, j)) big_state_[i * n + j] = CellState::masked;
        scores_map_.set(result_.scores, big_state_);
        weights_map_.set(result_.weights, big_state_);
        big_version_ = version_;
    }

    void big_view(const char* label, Heatmap& map, std::size_t reveal_step, const LessonContext& ctx, ImVec2 size) {
        ImGui::TextUnformatted(label);
        if (ctx.step < reveal_step) {  // the heatmap's own size: one cell ≥ 0.25 px, as Heatmap::draw
            const float cell = std::max(0.25f, std::min(size.x, size.y) / static_cast<float>(n_));
            const ImVec2 a = ImGui::GetCursorScreenPos(),
                         b(a.x + cell * static_cast<float>(n_), a.y + cell * static_cast<float>(n_));
            ImGui::GetWindowDrawList()->AddRectFilled(a, b, IM_COL32(33, 36, 41, 255));
            ImGui::Dummy(ImVec2(b.x - a.x, b.y - a.y));
            ImGui::SetCursorScreenPos(ImVec2(a.x + 6, a.y + 6));
            ImGui::TextDisabled("computed at step %zu", reveal_step + 1);
            ImGui::SetCursorScreenPos(ImVec2(a.x, b.y));
            ImGui::Dummy(ImVec2(0, 0));
            return;
        }
        map.set_colormap(ctx.colormap);
        HeatmapOptions opt;
        opt.row_labels = &tokens_;
        opt.col_labels = &tokens_;
        map.draw(label, size, opt);
    }

    // The mask as 1 (may attend) / hatched (masked); click or drag toggles cells.
    void mask_view(const LessonContext& ctx, ImVec2 size) {
        const auto n = static_cast<std::size_t>(n_);
        char label[96];
        std::snprintf(label, sizeof label, "mask: %s (%.0f%% allowed)", mask_.describe().c_str(),
                      100.0 * static_cast<double>(allowed_) / static_cast<double>(n * n));
        ImGui::TextUnformatted(label);
        HeatmapOptions opt;
        opt.row_labels = &tokens_;
        opt.col_labels = cols_;
        const bool live = mask_kind_ == kCustom && custom_n_ == n;  // reflects painting before the recompute
        mask_painter_.draw(
            "mask", n,
            [&](std::size_t i, std::size_t j) { return live ? custom_[i * n + j] != 0 : mask_.allows(i, j); },
            ctx.colormap, size, opt);
        if (mask_painter_.stroke_starts()) start_custom(true);  // painting edits the mask as shown
        const MaskPainter::Paint paint = mask_painter_.paint(custom_, n);
        if (paint.painted) {
            if (n <= kLiveTokens)
                changed();
            else
                paint_pending_ = true;
        }
        if (paint.released) {
            if (paint_pending_) changed();
            paint_pending_ = false;
        }
    }

    // Multiply-adds and bytes as n grows, for the plain and the tiled path.
    void counters() {
        const double n = n_;
        const AttentionCost cost = attention_cost(n_, d_, kDefaultBlockQ, kDefaultBlockK);
        const float font = ImGui::GetFontSize();
        const float full = ImGui::GetContentRegionAvail().x;
        ImGui::BeginGroup();
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + std::max(full * 0.5f, font * 22));
        ImGui::Text("Work at n = %d, d = %d (multiply-adds)", n_, d_);
        if (ImGui::BeginTable("work", 3, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg)) {
            auto row = [](const char* a, const char* b, const std::string& c) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(a);
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(b);
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(c.c_str());
            };
            row("projections Q, K, V", "3·n·d²", count_text(cost.projections));
            row("scores Q·Kᵀ", "n²·d", count_text(cost.scores));
            row("output α·V", "n²·d", count_text(cost.output));
            row("total", "3·n·d² + 2·n²·d", count_text(cost.total));
            row("softmax", "n² exponentials", count_text(cost.exponentials));
            row("one n×n matrix (float32)", "4·n² bytes", bytes_text(cost.matrix_bytes));
            row("plain: Q, K, V, O + S and α", "16·n·d + 8·n² bytes", bytes_text(cost.plain_bytes));
            char tiled_formula[64];
            std::snprintf(tiled_formula, sizeof tiled_formula, "16·n·d + 8·n + 4·%zu·%zu", kDefaultBlockQ,
                          kDefaultBlockK);
            row("tiled: Q, K, V, O + m, l + a tile", tiled_formula, bytes_text(cost.tiled_bytes));
            ImGui::EndTable();
        }
        ImGui::Text(
            "The mask allows %.0f%% of the pairs: a kernel that skips masked tiles does about that share of "
            "the n² work.",
            100.0 * static_cast<double>(allowed_) / (n * n));
        ImGui::Text(
            "Measured here: plain path with its trace %.3g ms, tiled fast path %.3g ms, max |plain − tiled| = "
            "%.1e; whole recompute %.3g ms.",
            plain_ms_, tiled_ms_, max_diff_, recompute_ms_);
        ImGui::PopTextWrapPos();
        ImGui::EndGroup();
        ImGui::SameLine();
        ImGui::BeginGroup();
        ImGui::TextUnformatted("log₁₀ of bytes and multiply-adds against n");
        std::vector<float> xs, plain, tiled, work;
        for (int k = 2; k <= kMaxTokens; k *= 4) {  // 2, 8, … 2048: x labels that do not collide
            const AttentionCost at = attention_cost(k, d_, kDefaultBlockQ, kDefaultBlockK);
            xs.push_back(static_cast<float>(k));
            plain.push_back(static_cast<float>(std::log10(at.plain_bytes)));
            tiled.push_back(static_cast<float>(std::log10(at.tiled_bytes)));
            work.push_back(static_cast<float>(std::log10(at.total)));
        }
        const float w = std::max(font * 14, ImGui::GetContentRegionAvail().x);
        line_plot("cost", xs,
                  {{"bytes, plain", plain, IM_COL32(255, 150, 60, 255)},
                   {"bytes, tiled", tiled, IM_COL32(90, 170, 255, 255)},
                   {"multiply-adds", work, IM_COL32(140, 220, 120, 255)}},
                  ImVec2(w, font * 12), true, 0.0f, 12.0f, static_cast<float>(n_));
        ImGui::EndGroup();
    }

    int example_, n_, d_, seed_, mask_kind_, pad_, window_, detail_;  // values: the declarations in the constructor
    int effective_detail_ = kRows;
    bool positions_;
    std::vector<std::string> tokens_;
    const std::vector<std::string>* cols_ = nullptr;  // column labels of the n×n views this frame
    Matrix x_, pe_, q_, k_, v_, tiled_out_;
    Mask mask_;
    AttentionResult result_;
    TiledWorkspace tiled_ws_;
    double plain_ms_ = 0, tiled_ms_ = 0, recompute_ms_ = 0, max_diff_ = 0;
    std::size_t allowed_ = 0;
    // The painted mask (custom_n_ × custom_n_, 1 = may attend); custom_n_ = 0: never painted.
    std::vector<std::uint8_t> custom_;
    std::size_t custom_n_ = 0;
    MaskPainter mask_painter_;
    Heatmap scores_map_, weights_map_;
    std::vector<CellState> big_state_;
    std::uint64_t big_version_ = ~0ull;
    std::size_t scores_step_ = 0, weights_step_ = 0;  // first steps that write S and α
    bool paint_pending_ = false;                      // a stroke above kLiveTokens: recompute when it ends
    // The trained example.
    ModelAsset reverse_{kReverseModelPath, TaskKind::reverse};
    std::vector<int> predicted_;
    std::size_t trained_head_ = 0, trained_heads_ = 0;
    std::uint64_t trained_step_ = 0;
    double trained_diff_ = 0.0;
};

}  // namespace

std::unique_ptr<Lesson> make_self_lesson() { return std::make_unique<SelfLesson>(); }

}  // namespace attn::ui
