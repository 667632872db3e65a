// multihead.cpp — the lesson on multi-head attention.
//
// One self-attention layer with 1–16 heads in PyTorch's nn.MultiheadAttention layout
// (attn::multi_head_attention): the projections Q, K, V and their per-head column blocks, every
// head's weights in a grid, the concatenation and the output projection. A checkbox per head
// switches it off (MultiHeadOptions::head_enabled); the view then shows the output with every
// head, the output with the current heads, and their difference.
//
// What it deliberately does not do: cross-attention (query = key = value = X here) or masks
// other than causal (the self-attention lesson composes masks).
//
// [SECTION] Helpers     where a heatmap's cells landed on screen, which head a step is about
// [SECTION] Lesson      parameters, recompute, view, shown matrix
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "attn/multihead.hpp"
#include "examples.hpp"
#include "lesson.hpp"

namespace attn::ui {

namespace {

// ============================================================================================
// [SECTION] Helpers
// ============================================================================================

constexpr int kMaxHeads = 16;
constexpr int kMaxHeadDim = 32;
constexpr int kMaxTokens = 16;

// The cell area of the heatmap just drawn (the last item is its InvisibleButton, which spans
// the label gutters and the cells). Mirrors Heatmap::draw: label gutters exist only when the
// labels fit; the column gutter is 1.4 font heights tall; cells end at the item's corner.
struct CellArea {
    ImVec2 p0;
    float cell = 0.0f;
};
CellArea last_cell_area(std::size_t rows, std::size_t cols, ImVec2 avail, bool row_labels, bool col_labels) {
    const float font = ImGui::GetFontSize();
    const bool labels = (row_labels || col_labels) &&
                        std::min(avail.x / static_cast<float>(cols), avail.y / static_cast<float>(rows)) >= font * 1.1f;
    const float gutter_y = labels && col_labels ? font * 1.4f : 0.0f;
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    CellArea c;
    c.cell = (b.y - a.y - gutter_y) / static_cast<float>(rows);
    c.p0 = ImVec2(b.x - c.cell * static_cast<float>(cols), a.y + gutter_y);
    return c;
}

// Thin lines between the heads' column blocks of an (n, E) matrix, and an outline around one
// head's block (highlight < 0: none).
void head_blocks(const CellArea& c, std::size_t rows, std::size_t heads, std::size_t d, int highlight) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float h = c.cell * static_cast<float>(rows);
    for (std::size_t k = 1; k < heads; ++k) {
        const float x = c.p0.x + c.cell * static_cast<float>(k * d);
        dl->AddLine(ImVec2(x, c.p0.y), ImVec2(x, c.p0.y + h), IM_COL32(255, 255, 255, 150), 1.0f);
    }
    if (highlight >= 0) {
        const float x = c.p0.x + c.cell * static_cast<float>(static_cast<std::size_t>(highlight) * d);
        dl->AddRect(ImVec2(x, c.p0.y), ImVec2(x + c.cell * static_cast<float>(d), c.p0.y + h),
                    IM_COL32(255, 80, 60, 255), 0.0f, 0, std::max(2.0f, ImGui::GetFontSize() * 0.15f));
    }
}

double frobenius(ConstMatrixView m) {
    double s = 0;
    for (std::size_t i = 0; i < m.rows; ++i)
        for (std::size_t j = 0; j < m.cols; ++j) s += double(m(i, j)) * m(i, j);
    return std::sqrt(s);
}

// ============================================================================================
// [SECTION] Lesson
// ============================================================================================

class MultiheadLesson final : public Lesson {
public:
    MultiheadLesson() {
        params_.add_int("heads", &heads_, 1, kMaxHeads, 4).label("heads H");
        params_.add_int("dhead", &dhead_, 2, kMaxHeadDim, 4)
            .label("d per head")
            .note([this] { return "embedding E = H × d = " + std::to_string(heads_ * dhead_); }, false);
        params_.add_int("n", &n_, 2, kMaxTokens, 6).label("tokens n");
        params_.add_seed("seed", &seed_, 1);
        params_.add_int("off", &off_, 0, (1 << kMaxHeads) - 1, 0).hidden();  // bit h: head h off (checkboxes below)
        params_.add_bool("causal", &causal_, false).label("causal mask");
        params_.add_choice("detail", &detail_, {"coarse", "rows", "cells"}, 1)
            .label("step detail")
            .choice_labels({"coarse: one step per stage", "rows: one step per row", "cells: one step per cell"});
    }
    const char* id() const override { return "multihead"; }
    const char* title() const override { return "Multi-head"; }

    void explain() override {
        ImGui::TextUnformatted("Multi-head attention");
        ImGui::TextUnformatted(
            "Instead of one attention over the whole embedding of width E, the layer runs H smaller ones side by "
            "side. The projections Q = X·W_qᵀ, K = X·W_kᵀ, V = X·W_vᵀ are computed once at full width; head h then "
            "works on its own block of d = E/H columns of each. Every head has its own scores and its own softmax, "
            "so one head can follow the previous word while another follows a related noun. The total work is "
            "about the same as a single head of width E.");
        ImGui::TextUnformatted(
            "The head outputs are put back side by side (concat, width E again) and the output projection W_o "
            "mixes them. Because that last step is linear, switching a head off (its block of concat set to "
            "zero) changes the output by exactly minus that head's output times its slice of W_o: tick the boxes "
            "and watch the difference.");
        ImGui::TextUnformatted(
            "The parameters use PyTorch's nn.MultiheadAttention layout: in_proj_weight (3E×E) stacks W_q, W_k, "
            "W_v; in_proj_bias has 3E entries; out_proj.weight is E×E and out_proj.bias E. Weights can be copied "
            "between a PyTorch module and attnlab unchanged (batch_first, one sequence).");
        ImGui::TextUnformatted(
            "The step player records one step per row by default: with 16 heads of 16 tokens, a step per cell "
            "would be over 5000 steps. Choose 'cells' for a small example, 'coarse' for one step per stage.");
    }

    // The heads' on/off switches (the parameter "off").
    void controls() override {
        ImGui::TextUnformatted("Heads switched on:");
        for (int h = 0; h < heads_; ++h) {
            if (h % 8) ImGui::SameLine();
            head_checkbox(h, false);
        }
        if (ImGui::SmallButton("all on")) {
            off_ = 0;
            changed();
        }
    }

    void recompute() override {
        trace_.reset(detail_ == 0   ? Trace::Detail::coarse
                     : detail_ == 1 ? Trace::Detail::rows
                                    : Trace::Detail::cells,
                     50000);
        const auto n = static_cast<std::size_t>(n_), H = static_cast<std::size_t>(heads_),
                   d = static_cast<std::size_t>(dhead_), E = H * d;
        const auto seed = static_cast<std::uint32_t>(seed_) * 8;
        tokens_ = example_tokens(n);
        x_ = gaussian_matrix(n, E, seed + 1);
        // Weights ~ N(0, 1/E): each projected entry then has about unit variance. They depend on E
        // and the seed only, so switching heads on and off does not regenerate them (at E = 512
        // that is a million Gaussian draws).
        if (E != weights_e_ || seed_ != weights_seed_) {
            const float w_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(E)));
            mha_.in_proj_weight = gaussian_matrix(3 * E, E, seed + 2, w_scale);
            mha_.out_proj_weight = gaussian_matrix(E, E, seed + 3, w_scale);
            const Matrix b_in = gaussian_matrix(1, 3 * E, seed + 4, 0.1f),
                         b_out = gaussian_matrix(1, E, seed + 5, 0.1f);
            mha_.in_proj_bias.assign(b_in.row(0), b_in.row(0) + 3 * E);
            mha_.out_proj_bias.assign(b_out.row(0), b_out.row(0) + E);
            weights_e_ = E;
            weights_seed_ = seed_;
        }
        mha_.num_heads = H;
        mask_ = causal_ ? Mask::causal() : Mask::none();

        MultiHeadOptions opt;
        opt.head_enabled.resize(H);
        std::size_t off_count = 0;
        for (std::size_t h = 0; h < H; ++h) {
            opt.head_enabled[h] = !((off_ >> h) & 1);
            off_count += opt.head_enabled[h] ? 0 : 1;
        }
        trace_.set_matrix("X", x_);
        multi_head_attention(x_, x_, x_, mha_, mask_, opt, result_, &trace_);
        // The same layer with every head on, for the comparison (no trace: it is not stepped).
        multi_head_attention(x_, x_, x_, mha_, mask_, MultiHeadOptions{}, all_, nullptr);
        delta_.resize(n, E);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < E; ++j) delta_(i, j) = result_.output(i, j) - all_.output(i, j);
        const double all_norm = frobenius(all_.output);
        relative_change_ = all_norm > 0 ? frobenius(delta_) / all_norm : 0.0;
        trace_.set_matrix("output (all heads)", all_.output);
        trace_.set_matrix("delta", delta_);
        trace_
            .add(StepKind::note, "Effect of the heads switched off",
                 off_count == 0 ? std::string("Δ = output − output(all heads) = 0   (every head is on)")
                                : "Δ = output − output(all heads) = −Σ_(h off) head_h · W_o[:, block h]ᵀ",
                 {"output", "output (all heads)"}, {"delta"})
            .value("heads off", static_cast<double>(off_count))
            .value("‖Δ‖ / ‖output(all)‖", relative_change_);

        // The step that finishes each head (its block of concat), for the concat view.
        head_done_.assign(H, 0);
        for (const Step& s : trace_.steps())
            if ((s.kind == StepKind::head_output || s.kind == StepKind::head_off) && s.head >= 0 &&
                static_cast<std::size_t>(s.head) < H)
                head_done_[static_cast<std::size_t>(s.head)] = s.id;
        concat_step_ = ~std::size_t{0};
    }

    void view(const LessonContext& ctx) override {
        step_panel(ctx.step);
        const auto n = static_cast<std::size_t>(n_), H = static_cast<std::size_t>(heads_),
                   d = static_cast<std::size_t>(dhead_), E = H * d;
        const auto& steps = trace_.steps();
        const int current = ctx.step < steps.size() ? static_cast<int>(steps[ctx.step].head) : -1;
        if (current >= 0) selected_ = current;
        if (selected_ >= heads_) selected_ = 0;
        const float font = ImGui::GetFontSize(), gap = ImGui::GetStyle().ItemSpacing.x;
        const float full = ImGui::GetContentRegionAvail().x;

        // Pipeline: X → Q, K, V (head blocks outlined) → concat; five across, fewer when the
        // font is large (presenter mode).
        {
            const int per_row = std::clamp(static_cast<int>((full + gap) / (font * 8 + gap)), 1, 5);
            const float w = (full - gap * static_cast<float>(per_row)) / static_cast<float>(per_row);
            const ImVec2 sz(w, std::clamp(w * static_cast<float>(n) / static_cast<float>(E), font * 3, font * 7));
            const char* names[] = {"X (input, n×E)", "Q = X·W_qᵀ + b_q", "K = X·W_kᵀ + b_k", "V = X·W_vᵀ + b_v"};
            const char* trace_names[] = {"X", "Q", "K", "V"};
            const Matrix* ms[] = {&x_, &result_.q, &result_.k, &result_.v};
            for (int k = 0; k < 5; ++k) {
                if (k % per_row) ImGui::SameLine();
                ImGui::BeginGroup();
                if (k < 4) {
                    matrix_view(names[k], trace_names[k], *ms[k], ctx, sz, &tokens_, nullptr);
                    if (k > 0) head_blocks(last_cell_area(n, E, sz, true, false), n, H, d, current);
                } else {
                    concat_view(ctx, sz, current);
                }
                ImGui::EndGroup();
            }
        }
        ImGui::Spacing();

        // Head grid and the selected head in detail: side by side, or stacked when the font is large.
        const bool side_by_side = full >= font * 34;
        const float grid_w = side_by_side ? full * 0.56f : full, detail_w = side_by_side ? full - grid_w - gap : full;
        const float row_h = std::max(font * 14, ImGui::GetContentRegionAvail().y - font * 9.5f);
        ImGui::BeginChild("heads", ImVec2(grid_w, row_h), true);
        head_grid(ctx, current);
        ImGui::EndChild();
        if (side_by_side) ImGui::SameLine();
        ImGui::BeginChild("detail", ImVec2(detail_w, side_by_side ? row_h : std::max(row_h, font * 20)), false);
        head_detail(ctx, static_cast<std::size_t>(selected_));
        ImGui::EndChild();
        ImGui::Spacing();

        // Output with the current heads, with every head, and the difference.
        {
            const float w = std::max(font * 6, (full - 3 * gap) / 3.0f - font);
            const ImVec2 sz(w, std::clamp(w * static_cast<float>(n) / static_cast<float>(E), font * 3, font * 6));
            ImGui::BeginGroup();
            matrix_view("output = concat·W_oᵀ + b_o", "output", result_.output, ctx, sz, &tokens_, nullptr);
            ImGui::EndGroup();
            ImGui::SameLine();
            ImGui::BeginGroup();
            matrix_view("output, every head on", "delta", all_.output, ctx, sz, &tokens_, nullptr);
            ImGui::EndGroup();
            ImGui::SameLine();
            ImGui::BeginGroup();
            char label[96];
            std::snprintf(label, sizeof label, "Δ = difference (‖Δ‖ = %.0f%% of ‖output‖)", 100.0 * relative_change_);
            matrix_view("Δ = output − output(every head)", "delta", delta_, ctx, sz, &tokens_, nullptr);
            ImGui::TextDisabled("%s", off_ == 0 || (off_ & ((1 << heads_) - 1)) == 0
                                          ? "every head is on: Δ = 0; untick a head"
                                          : label);
            ImGui::EndGroup();
        }
        if (ImGui::CollapsingHeader("Parameters in PyTorch's layout")) {
            const float w = std::min(full * 0.3f, font * 16);
            ImGui::BeginGroup();
            matrix_view("in_proj_weight (3E×E): W_q; W_k; W_v", "in_proj_weight", mha_.in_proj_weight, ctx,
                        ImVec2(w, w * 3));
            ImGui::EndGroup();
            ImGui::SameLine();
            ImGui::BeginGroup();
            matrix_view("out_proj.weight (E×E)", "out_proj_weight", mha_.out_proj_weight, ctx, ImVec2(w, w));
            ImGui::EndGroup();
        }
    }

    ShownMatrix shown_matrix(std::size_t step) const override {
        const std::string name = step_matrix(step, "output");
        const std::vector<std::string> none;
        const auto H = static_cast<std::size_t>(heads_), d = static_cast<std::size_t>(dhead_);
        // A head's own step on concat: that head's block of it.
        if (step < trace_.steps().size()) {
            const Step& s = trace_.steps()[step];
            if ((s.kind == StepKind::head_output || s.kind == StepKind::head_off) && s.head >= 0 &&
                static_cast<std::size_t>(s.head) < H) {
                const auto h = static_cast<std::size_t>(s.head);
                return {name, Matrix::copy_of(result_.concat.view().block(0, h * d, result_.concat.rows(), d)), tokens_,
                        none};
            }
        }
        if (const Matrix* m = trace_.matrix(name)) {
            const bool square = m->rows() == m->cols() && m->rows() == tokens_.size();
            return {name, *m, tokens_, square ? tokens_ : none};
        }
        return {"output", result_.output, tokens_, none};
    }

private:
    // A checkbox that switches head h on or off (bit h of `off`).
    void head_checkbox(int h, bool long_label) {
        bool on = !((off_ >> h) & 1);
        char label[32];
        std::snprintf(label, sizeof label, long_label ? "head %d##on%d" : "%d##on%d", h, h);
        if (ImGui::Checkbox(label, &on)) {
            off_ = on ? (off_ & ~(1 << h)) : (off_ | (1 << h));
            changed();
        }
    }

    // concat: (n, E), head h's block filled when head h finishes.
    void concat_view(const LessonContext& ctx, ImVec2 size, int current) {
        const auto n = static_cast<std::size_t>(n_), H = static_cast<std::size_t>(heads_),
                   d = static_cast<std::size_t>(dhead_), E = H * d;
        if (concat_version_ != version_ || concat_step_ != ctx.step) {
            std::vector<CellState> state(n * E, CellState::shown);
            for (std::size_t h = 0; h < H; ++h)
                if (ctx.step < head_done_[h])
                    for (std::size_t i = 0; i < n; ++i)
                        std::fill_n(state.begin() + static_cast<std::ptrdiff_t>(i * E + h * d), d, CellState::pending);
            concat_map_.set(result_.concat, state);
            concat_version_ = version_;
            concat_step_ = ctx.step;
        }
        concat_map_.set_colormap(ctx.colormap);
        ImGui::TextUnformatted("concat (n×E)");
        HeatmapOptions opt;
        opt.row_labels = &tokens_;
        concat_map_.draw("concat", size, opt);
        head_blocks(last_cell_area(n, E, size, true, false), n, H, d, current);
    }

    // One card per head: its weights α_h and its blocks Q_h, K_h, V_h; a checkbox switches it.
    void head_grid(const LessonContext& ctx, int current) {
        const auto n = static_cast<std::size_t>(n_), H = static_cast<std::size_t>(heads_),
                   d = static_cast<std::size_t>(dhead_);
        const float font = ImGui::GetFontSize(), gap = ImGui::GetStyle().ItemSpacing.x;
        const float avail = ImGui::GetContentRegionAvail().x;
        // At most 4 cards a row, none narrower than 7 font heights; rows balanced (5 heads: 3 + 2).
        const int max_cols = std::clamp(static_cast<int>(avail / (font * 7)), 1, std::min(heads_, 4));
        const int rows = (heads_ + max_cols - 1) / max_cols, cols = (heads_ + rows - 1) / rows;
        // Token labels only on cards wide enough to read them (the tooltip still names the tokens).
        const bool labels = (avail / static_cast<float>(cols)) >= font * 12;
        const float card = (avail - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols);
        const float strip = (card - 2 * gap) / 3.0f;
        const ImVec2 ssz(strip,
                         std::min(card * 0.5f, strip * static_cast<float>(n) / static_cast<float>(d) + font * 0.5f));
        // α as tall as the child allows when the cards fit without scrolling, up to square.
        const float per_row = ImGui::GetContentRegionAvail().y / static_cast<float>(rows);
        const float alpha_h = std::clamp(per_row - ssz.y - font * 4.0f, card * 0.6f, card);
        for (std::size_t h = 0; h < H; ++h) {
            const int hi = static_cast<int>(h);
            if (h % static_cast<std::size_t>(cols)) ImGui::SameLine();
            if (hi == current && scrolled_to_ != current) {
                ImGui::SetScrollHereY(0.3f);
                scrolled_to_ = current;
            }
            ImGui::PushID(hi);
            ImGui::BeginGroup();
            const bool on = !((off_ >> h) & 1);
            head_checkbox(hi, true);
            if (!on) {
                ImGui::SameLine();
                ImGui::TextDisabled("(off)");
            }
            char label[48];
            std::snprintf(label, sizeof label, "α%zu", h);
            matrix_view(label, "head " + std::to_string(h) + ": weights", result_.weights[h], ctx,
                        ImVec2(card, alpha_h), labels ? &tokens_ : nullptr,
                        labels && std::min(card, alpha_h) / static_cast<float>(n) >= font * 2.2f ? &tokens_ : nullptr,
                        &mask_);
            if (ImGui::IsItemClicked()) selected_ = hi;
            const char* names[] = {"Q", "K", "V"};
            const Matrix* ms[] = {&result_.q, &result_.k, &result_.v};
            for (int k = 0; k < 3; ++k) {
                if (k) ImGui::SameLine();
                ImGui::BeginGroup();
                std::snprintf(label, sizeof label, "%s%zu", names[k], h);
                matrix_view(label, names[k], ms[k]->view().block(0, h * d, n, d), ctx, ssz);
                ImGui::EndGroup();
            }
            ImGui::EndGroup();
            const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
            ImDrawList* dl = ImGui::GetWindowDrawList();
            if (hi == current)
                dl->AddRect(ImVec2(a.x - 2, a.y - 2), ImVec2(b.x + 2, b.y + 2), IM_COL32(255, 80, 60, 255), 3.0f, 0,
                            2.0f);
            else if (hi == selected_)
                dl->AddRect(ImVec2(a.x - 2, a.y - 2), ImVec2(b.x + 2, b.y + 2), IM_COL32(200, 200, 200, 160), 3.0f);
            if (!on) {  // a switched-off head is crossed out
                dl->AddLine(a, b, IM_COL32(255, 80, 60, 160), 2.0f);
                dl->AddLine(ImVec2(a.x, b.y), ImVec2(b.x, a.y), IM_COL32(255, 80, 60, 160), 2.0f);
            }
            ImGui::PopID();
        }
        if (current < 0) scrolled_to_ = -1;
    }

    // Scores, weights and output of one head, large, with token labels.
    void head_detail(const LessonContext& ctx, std::size_t h) {
        const auto n = static_cast<std::size_t>(n_), d = static_cast<std::size_t>(dhead_);
        const float avail = ImGui::GetContentRegionAvail().x, gap = ImGui::GetStyle().ItemSpacing.x;
        const float font = ImGui::GetFontSize();
        const std::string p = "head " + std::to_string(h) + ": ";
        ImGui::Text("Head %zu%s: columns %zu..%zu of Q, K, V", h, (off_ >> h) & 1 ? " (switched off)" : "", h * d,
                    (h + 1) * d - 1);
        const Matrix* scores = trace_.matrix(p + "scores");
        const float w = (avail - gap) / 2.0f;
        const float hgt = std::min(w, (ImGui::GetContentRegionAvail().y - font * 4) / 2.0f);
        // Column labels (tokens) only when a cell is wide enough for a short word.
        const std::vector<std::string>* cols =
            std::min(w, hgt) / static_cast<float>(n) >= font * 2.2f ? &tokens_ : nullptr;
        ImGui::BeginGroup();
        if (scores) {
            char label[64];
            std::snprintf(label, sizeof label, "S%zu = Q%zu·K%zuᵀ / √%zu", h, h, h, d);
            matrix_view(label, p + "scores", *scores, ctx, ImVec2(w, hgt), &tokens_, cols, &mask_);
        }
        ImGui::EndGroup();
        ImGui::SameLine();
        ImGui::BeginGroup();
        char label[64];
        std::snprintf(label, sizeof label, "α%zu = softmax(S%zu)", h, h);
        matrix_view(label, p + "weights", result_.weights[h], ctx, ImVec2(w, hgt), &tokens_, cols, &mask_);
        ImGui::EndGroup();
        std::snprintf(label, sizeof label, "head_%zu = α%zu·V%zu (block %zu of concat)", h, h, h, h);
        matrix_view(label, p + "concat", result_.concat.view().block(0, h * d, n, d), ctx,
                    ImVec2(avail, std::max(font * 3, ImGui::GetContentRegionAvail().y - font * 1.5f)), &tokens_,
                    nullptr);
    }

    int heads_, dhead_, n_, seed_, off_, detail_;  // values: the declarations in the constructor
    bool causal_;
    int selected_ = 0, scrolled_to_ = -1;
    std::size_t weights_e_ = 0;  // E and seed the weights in mha_ were drawn for
    int weights_seed_ = -1;
    std::vector<std::string> tokens_;
    Matrix x_, delta_;
    MultiHeadParams mha_;
    Mask mask_;
    MultiHeadResult result_, all_;
    double relative_change_ = 0.0;
    std::vector<std::size_t> head_done_;
    Heatmap concat_map_;
    std::uint64_t concat_version_ = ~0ull;
    std::size_t concat_step_ = ~std::size_t{0};
};

}  // namespace

std::unique_ptr<Lesson> make_multihead_lesson() { return std::make_unique<MultiheadLesson>(); }

}  // namespace attn::ui
