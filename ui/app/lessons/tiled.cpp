// tiled.cpp — the lesson on tiled attention with an online softmax (FlashAttention's algorithm).
//
// The player walks attn::tiled_attention's traced path tile by tile: tile scores, running max m
// and rescale factor α = e^(m − m'), exponentials and running sum l, partial output O, and the
// final O / l per query block. Beside the full weight matrix (computed separately by
// attn::attention, for display only: the tiled pass never holds it) the view shows the current
// tile and the running m, α, l and O of the current query block, read from the trace's
// snapshots. A last step compares the tiled output with the plain softmax output, live.
//
// [SECTION] helpers: snapshots of the current query block
// [SECTION] the lesson
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "attn/attention.hpp"
#include "attn/tiled.hpp"
#include "cost.hpp"
#include "examples.hpp"
#include "lesson.hpp"

namespace attn::ui {

namespace {

// Sizes stay small enough that every tile is a handful of steps: n = 64 with 1×1 tiles is the
// worst case, 64 blocks × (64 tiles × 4 + 1) ≈ 16.5k steps, under the trace's 50k cap.
constexpr int kMaxN = 64;
constexpr int kMaxD = 64;
// Name under which small snapshot heatmaps are drawn: no trace step writes it, so they are
// never dimmed as "not computed yet".
const char* const kLive = "(snapshot)";

// [SECTION] helpers

// What the trace says about the query block of a step, as of that step: the snapshots of
// the latest step that recorded each name, going back to the block's first tile.
struct BlockState {
    bool valid = false;
    bool skipped = false;     // the step is a skipped (fully masked) tile
    bool normalised = false;  // the step is the block's final O / l
    std::size_t i0 = 0, nq = 0, j0 = 0, nk = 0;
    const Matrix* s_tile = nullptr;  // current tile only
    const Matrix* p = nullptr;       // current tile only
    const Matrix* m = nullptr;
    const Matrix* alpha = nullptr;  // rescale factors of the latest max update
    const Matrix* l = nullptr;
    const Matrix* o = nullptr;
};

const Matrix* find_snapshot(const Step& s, const char* name) {
    for (const auto& [n, m] : s.snapshots)
        if (n == name) return &m;
    return nullptr;
}

BlockState block_state(const Trace& trace, std::size_t step) {
    BlockState b;
    const auto& steps = trace.steps();
    if (step >= steps.size()) return b;
    const Focus& f = steps[step].focus;
    if (f.kind != Focus::Kind::tile) return b;
    b.valid = true;
    b.i0 = f.row;
    b.nq = f.rows;
    b.normalised = steps[step].kind == StepKind::tile_normalise;
    b.skipped = steps[step].kind == StepKind::tile_skipped;
    if (!b.normalised) {
        b.j0 = f.col;
        b.nk = f.cols;
    }
    for (std::size_t k = step + 1; k-- > 0;) {
        const Step& s = steps[k];
        if (s.focus.kind != Focus::Kind::tile || s.focus.row != b.i0) break;
        const bool same_tile = !b.normalised && s.kind != StepKind::tile_normalise && s.focus.col == b.j0;
        if (same_tile) {
            if (!b.s_tile) b.s_tile = find_snapshot(s, "S_tile");
            if (!b.p) b.p = find_snapshot(s, "P");
        }
        if (!b.m) b.m = find_snapshot(s, "m");
        if (!b.alpha) b.alpha = find_snapshot(s, "alpha");
        if (!b.l) b.l = find_snapshot(s, "l");
        if (!b.o) b.o = find_snapshot(s, "O");
    }
    return b;
}

// Cells that are −∞ (masked scores, a max over nothing yet) drawn hatched instead of as 0.
Mask finite_mask(const Matrix& m) {
    std::vector<std::uint8_t> ok(m.size());
    for (std::size_t i = 0; i < m.rows(); ++i)
        for (std::size_t j = 0; j < m.cols(); ++j) ok[i * m.cols() + j] = std::isfinite(m(i, j)) ? 1 : 0;
    return Mask::matrix(m.rows(), m.cols(), std::move(ok));
}

std::vector<std::string> index_labels(const char* prefix, std::size_t first, std::size_t n) {
    std::vector<std::string> l;
    for (std::size_t i = 0; i < n; ++i) l.push_back(prefix + std::to_string(first + i));
    return l;
}

double max_abs_diff(const Matrix& a, const Matrix& b) {
    double d = 0;
    for (std::size_t i = 0; i < a.rows(); ++i)
        for (std::size_t j = 0; j < a.cols(); ++j) d = std::max(d, std::fabs(double(a(i, j)) - double(b(i, j))));
    return d;
}

// [SECTION] the lesson

class TiledLesson final : public Lesson {
public:
    TiledLesson() {
        params_.add_int("n", &n_, 4, kMaxN, 16).label("tokens n");
        params_.add_int("d", &d_, 2, kMaxD, 8);
        params_.add_int("block_q", &block_q_, 1, kMaxN, 4);
        params_.add_int("block_k", &block_k_, 1, kMaxN, 4);
        params_.add_bool("causal", &causal_, false).label("causal mask");
        params_.add_seed("seed", &seed_, 1);
    }
    const char* id() const override { return "tiled"; }
    const char* title() const override { return "Tiled (online softmax)"; }

    void explain() override {
        ImGui::TextUnformatted("Tiled attention with an online softmax");
        ImGui::TextUnformatted(
            "A softmax row needs its maximum and its sum over every key, yet this method only ever looks at one "
            "block_q × block_k tile of scores. For each query row it carries three running quantities: m, the "
            "largest score seen so far; l, the sum of e^(s − m) over the keys seen; and O, the sum of "
            "e^(s − m)·v_j over the same keys.");
        ImGui::TextUnformatted(
            "When a tile brings a larger maximum m', every term already inside l and O was measured against the "
            "old m. Multiplying by α = e^(m − m') moves it to the new reference, because "
            "e^(s − m)·e^(m − m') = e^(s − m'). New terms are added as e^(s − m'). So after the last tile, l is "
            "exactly Σ_j e^(s_j − max) and O / l is the softmax-weighted average of the values: the same result "
            "as the plain method, up to float rounding.");
        ImGui::TextUnformatted(
            "Memory: the n × n score matrix never exists. Besides Q, K, V and the output (n × d each) the pass "
            "keeps m and l (n numbers) and one tile, so memory grows as O(n·d) instead of O(n²). The work is "
            "still O(n²·d). With a causal mask, tiles above the diagonal are skipped outright.");
        ImGui::TextUnformatted(
            "The colours of the weight matrix are the final weights, computed by the plain method for display; a "
            "tile lights up when the tiled pass visits it.");
    }

    void recompute() override {
        const auto n = static_cast<std::size_t>(n_), d = static_cast<std::size_t>(d_);
        q_ = gaussian_matrix(n, d, static_cast<std::uint32_t>(seed_) * 3 + 1);
        k_ = gaussian_matrix(n, d, static_cast<std::uint32_t>(seed_) * 3 + 2);
        v_ = gaussian_matrix(n, d, static_cast<std::uint32_t>(seed_) * 3 + 3);
        mask_ = causal_ ? Mask::causal() : Mask::none();
        // Bare indices on the big matrices: "q12"/"k12" would not fit 16+ columns.
        queries_ = index_labels("", 0, n);
        keys_ = queries_;
        const float scale = 1.0f / std::sqrt(static_cast<float>(d));

        // The plain method, for display and for the check: scores · 1/√d, masked softmax, · V.
        ScoreParams p;
        p.kind = Score::scaled_dot;
        full_ = attention(q_, k_, v_, p, mask_);

        TileConfig tiles;
        tiles.block_q = static_cast<std::size_t>(block_q_);
        tiles.block_k = static_cast<std::size_t>(block_k_);
        tiles.threads = 1;
        tiled_.resize(n, d);
        tiled_attention(q_, k_, v_, scale, mask_, tiled_, tiles, &trace_, &workspace_);
        // The fast path (SIMD kernels, no trace) as a second witness.
        fast_.resize(n, d);
        tiled_attention(q_, k_, v_, scale, mask_, fast_, tiles, nullptr, &workspace_);
        diff_ = max_abs_diff(tiled_, full_.output);
        diff_fast_ = max_abs_diff(fast_, full_.output);
        trace_.set_matrix("weights", full_.weights);

        char buf[160];
        std::snprintf(buf, sizeof buf, "max_ij |O_tiled − softmax(Q Kᵀ/√%d) V|_ij = %.3g", d_, diff_);
        trace_.add(StepKind::note, "Check: the tiled output equals the full softmax output", buf, {"output"}, {})
            .value("max |difference|", diff_)
            .value("fast path", diff_fast_);
    }

    void view(const LessonContext& ctx) override {
        step_panel(ctx.step);
        const float font = ImGui::GetFontSize();
        const float avail = ImGui::GetContentRegionAvail().x;
        // Side by side when there is room; stacked at large font scales (projectors).
        const bool wide = avail >= font * 40.0f;
        const float big = wide ? std::clamp(avail * 0.42f, font * 10.0f, font * 24.0f) : std::min(avail, font * 18.0f);
        const BlockState b = block_state(trace_, ctx.step);

        ImGui::BeginGroup();
        matrix_view("weights α (tiles appear once visited)", "weights", full_.weights, ctx, ImVec2(big, big), &queries_,
                    &keys_, &mask_);
        ImGui::EndGroup();
        if (wide) ImGui::SameLine(0, font);
        ImGui::BeginGroup();
        block_panel(b, ctx, std::max(font * 14.0f, ImGui::GetContentRegionAvail().x));
        ImGui::EndGroup();

        ImGui::Spacing();
        const float col = std::max(font * 8.0f, (ImGui::GetContentRegionAvail().x - 2 * font) / (wide ? 3.0f : 2.0f));
        const float h = std::clamp(col * static_cast<float>(n_) / static_cast<float>(d_), font * 6.0f, font * 12.0f);
        ImGui::BeginGroup();
        matrix_view("tiled output O / l", "output", tiled_, ctx, ImVec2(col, h), &queries_, nullptr);
        ImGui::EndGroup();
        ImGui::SameLine(0, font);
        ImGui::BeginGroup();
        matrix_view("full softmax output", kLive, full_.output, ctx, ImVec2(col, h), &queries_, nullptr);
        ImGui::EndGroup();
        if (wide) ImGui::SameLine(0, font);
        ImGui::BeginGroup();
        check_panel(ctx.step, wide ? col : ImGui::GetContentRegionAvail().x);
        ImGui::EndGroup();
    }

    ShownMatrix shown_matrix(std::size_t step) const override {
        const BlockState b = block_state(trace_, step);
        const bool last = step + 1 >= trace_.steps().size();
        if (!b.valid || b.normalised || last) return {"output", tiled_, queries_, {}};
        if (b.skipped) return {"weights", full_.weights, queries_, keys_};
        // The matrix this step wrote: its first snapshot.
        const Step& s = trace_.steps()[step];
        if (s.snapshots.empty()) return {"weights", full_.weights, queries_, keys_};
        const auto& [name, m] = s.snapshots.front();
        const auto rows = index_labels("q", b.i0, b.nq);
        if (name == "S_tile" || name == "P") return {name, m, rows, index_labels("k", b.j0, b.nk)};
        if (name == "O") return {name, m, rows, {}};
        return {name, m, {}, rows};  // m, l: one value per query of the block
    }

private:
    // The current tile and the running state of its query block, in two columns:
    // left  S tile, then m, α, l (one value per query row);  right  P, then the partial output O.
    void block_panel(const BlockState& b, const LessonContext& ctx, float width) {
        const float font = ImGui::GetFontSize();
        if (!b.valid) {
            ImGui::TextWrapped("All tiles done. The check below compares the two outputs.");
            return;
        }
        const std::size_t i1 = b.i0 + b.nq - 1;
        if (b.normalised)
            ImGui::Text("Query block q%zu..q%zu: divide O by l", b.i0, i1);
        else
            ImGui::Text("Query block q%zu..q%zu, key tile k%zu..k%zu", b.i0, i1, b.j0, b.j0 + b.nk - 1);
        if (b.skipped) ImGui::TextWrapped("Every pair in this tile is masked: no scores, no exponentials, no update.");
        tile_labels(b);
        block_labels(b);
        const float col = std::max(font * 7.0f, (width - font * 2.5f) * 0.5f);
        const float tile_h =
            std::clamp(col * static_cast<float>(b.nq) / static_cast<float>(std::max<std::size_t>(b.nk, 1)), font * 3.0f,
                       font * 8.0f);
        const float strip_h = font * 2.8f + font * 1.4f;
        const bool tile = !b.skipped && !b.normalised;

        ImGui::BeginGroup();
        if (tile && b.s_tile) {
            const Mask mk = finite_mask(*b.s_tile);
            matrix_view("tile scores S", kLive, *b.s_tile, ctx, ImVec2(col, tile_h), &tile_rows_, &tile_cols_, &mk);
        }
        auto vector_view = [&](const char* label, const Matrix* m, const char* missing) {
            if (!m) {
                ImGui::TextUnformatted(label);
                ImGui::TextDisabled("%s", missing);
                return;
            }
            const Mask mk = finite_mask(*m);
            matrix_view(label, kLive, *m, ctx, ImVec2(col, strip_h), nullptr, &block_rows_, &mk);
        };
        vector_view("running max m", b.m, "−∞ for every row (no tile yet)");
        vector_view("rescale α = e^(m − m')", b.alpha, "not computed yet");
        vector_view("running sum l", b.l, "0 for every row");
        ImGui::EndGroup();
        ImGui::SameLine(0, font);
        ImGui::BeginGroup();
        if (tile && b.p) matrix_view("P = e^(S − m')", kLive, *b.p, ctx, ImVec2(col, tile_h), &tile_rows_, &tile_cols_);
        if (b.o) {
            const float h =
                std::clamp(col * static_cast<float>(b.nq) / static_cast<float>(d_), font * 3.0f, font * 9.0f);
            matrix_view(b.normalised ? "O before ÷ l" : "partial output O", kLive, *b.o, ctx, ImVec2(col, h),
                        &block_rows_, nullptr);
        } else {
            ImGui::TextUnformatted("partial output O");
            ImGui::TextDisabled("0 (no tile yet)");
        }
        ImGui::EndGroup();
    }

    void check_panel(std::size_t step, float width) {
        const bool at_end = step + 1 >= trace_.steps().size();
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
        if (at_end) {
            const bool ok = diff_ < 1e-4;
            ImGui::TextColored(ok ? ImVec4(0.4f, 0.9f, 0.45f, 1) : ImVec4(1, 0.4f, 0.35f, 1),
                               ok ? "Tiled = full softmax" : "Tiled and full differ");
        } else {
            ImGui::TextDisabled("Check (final step)");
        }
        ImGui::TextWrapped("max |O_tiled − O_full| = %.3g", diff_);
        ImGui::TextWrapped("fast SIMD path: %.3g", diff_fast_);
        ImGui::TextDisabled("(float32 rounding is about 1e−7)");
        ImGui::Spacing();
        const double n = n_, bq = std::min(block_q_, n_), bk = std::min(block_k_, n_);
        ImGui::TextWrapped("Extra memory: m, l and one tile = %s", bytes_text(tiled_extra_bytes(n, bq, bk)).c_str());
        ImGui::TextWrapped("The n × n matrix would take %s",
                           bytes_text(attention_cost(n, d_, 0, 0).matrix_bytes).c_str());
        ImGui::PopTextWrapPos();
    }

    void tile_labels(const BlockState& b) {
        // Bare indices: "k12k13…" runs together in small cells; the heading names the ranges.
        tile_rows_ = index_labels("", b.i0, b.nq);
        tile_cols_ = index_labels("", b.j0, b.nk);
    }
    void block_labels(const BlockState& b) { block_rows_ = index_labels("q", b.i0, b.nq); }

    int n_, d_, block_q_, block_k_, seed_;  // values: the declarations in the constructor
    bool causal_;
    Matrix q_, k_, v_, tiled_, fast_;
    Mask mask_;
    AttentionResult full_;
    TiledWorkspace workspace_;
    double diff_ = 0, diff_fast_ = 0;
    std::vector<std::string> queries_, keys_, tile_rows_, tile_cols_, block_rows_;
};

}  // namespace

std::unique_ptr<Lesson> make_tiled_lesson() { return std::make_unique<TiledLesson>(); }

}  // namespace attn::ui
