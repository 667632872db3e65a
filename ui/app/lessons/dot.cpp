// dot.cpp — the lesson on dot-product attention.
//
// Q·Kᵀ built cell by cell (the focused q_i and k_j and their element-wise products shown),
// scaling by 1/√d_k on or off, a d_k slider and a temperature. A live plot of mean row entropy
// and mean max weight against d_k, with and without scaling, shows the softmax saturating when
// scores are not scaled: for unit-variance q and k, q·k has variance d_k.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "attn/attention.hpp"
#include "examples.hpp"
#include "lesson.hpp"
#include "widgets/charts.hpp"

namespace attn::ui {

namespace {

constexpr int kMaxDk = 512;

// Mean over rows of the softmax entropy (nats) and of the largest weight.
void saturation(const Matrix& w, float& entropy, float& max_weight) {
    double e = 0, m = 0;
    for (std::size_t i = 0; i < w.rows(); ++i) {
        double h = 0, mx = 0;
        for (std::size_t j = 0; j < w.cols(); ++j) {
            const double p = w(i, j);
            if (p > 0) h -= p * std::log(p);
            mx = std::max(mx, p);
        }
        e += h;
        m += mx;
    }
    entropy = static_cast<float>(e / static_cast<double>(w.rows()));
    max_weight = static_cast<float>(m / static_cast<double>(w.rows()));
}

class DotLesson final : public Lesson {
public:
    DotLesson() {
        params_.add_int("n", &n_, 2, 16, 5).label("tokens n");
        params_.add_int("dk", &dk_, 2, kMaxDk, 8).label("d_k").log();
        params_.add_bool("scaled", &scaled_, true).label("scale by 1/√d_k");
        params_.add_float("temperature", &temperature_, 0.05f, 20.0f, 1.0f).label("temperature T").log().format("%.2f");
        params_.add_seed("seed", &seed_, 1);
    }
    const char* id() const override { return "dot"; }
    const char* title() const override { return "Dot-product"; }

    void explain() override {
        ImGui::TextUnformatted("Dot-product attention");
        ImGui::TextUnformatted(
            "Each query q_i is compared with every key k_j by a dot product: the more the two vectors point the "
            "same way, the larger the score. A softmax over each row turns scores into weights that sum to 1, "
            "and the output o_i is the weighted average of the values.");
        ImGui::TextUnformatted(
            "Why divide by √d_k? If the entries of q and k have variance 1, q·k is a sum of d_k products and has "
            "variance d_k. Large scores push the softmax into saturation: one weight near 1, the rest near 0, and "
            "gradients that vanish. Dividing by √d_k brings the variance back to 1 whatever d_k is. Move d_k with "
            "scaling off and watch the entropy fall in the plot.");
    }

    void recompute() override {
        tokens_ = example_tokens(static_cast<std::size_t>(n_));
        const auto n = static_cast<std::size_t>(n_), d = static_cast<std::size_t>(dk_);
        q_ = gaussian_matrix(n, d, static_cast<std::uint32_t>(seed_) * 3 + 1);
        k_ = gaussian_matrix(n, d, static_cast<std::uint32_t>(seed_) * 3 + 2);
        v_ = gaussian_matrix(n, 4, static_cast<std::uint32_t>(seed_) * 3 + 3);
        ScoreParams p;
        p.kind = scaled_ ? Score::scaled_dot : Score::dot;
        p.temperature = temperature_;
        result_ = attention(q_, k_, v_, p, Mask::none(), &trace_);
        curve();
    }

    void view(const LessonContext& ctx) override {
        step_panel(ctx.step);
        focused_product(ctx.step);
        // Three side by side; on a narrow view (a phone) scores and weights, and the output below.
        const float avail = ImGui::GetContentRegionAvail().x;
        const bool narrow = avail < ImGui::GetFontSize() * 30.0f;
        const float w = narrow ? (avail - ImGui::GetFontSize()) / 2.0f : std::max(160.0f, (avail - 40) / 3.0f);
        const ImVec2 sz(w, w);
        ImGui::BeginGroup();
        matrix_view("scores S = Q·Kᵀ", "scores", result_.scores, ctx, sz, &tokens_, &tokens_);
        ImGui::EndGroup();
        ImGui::SameLine();
        ImGui::BeginGroup();
        matrix_view("weights α = softmax(S)", "weights", result_.weights, ctx, sz, &tokens_, &tokens_);
        ImGui::EndGroup();
        if (!narrow) ImGui::SameLine();
        ImGui::BeginGroup();
        matrix_view("output O = α·V", "output", result_.output, ctx, ImVec2(w * 0.5f, w), &tokens_, nullptr);
        ImGui::EndGroup();
        ImGui::Spacing();
        ImGui::TextUnformatted("Softmax saturation against d_k (random unit-variance q, k; n tokens)");
        const ImU32 c1 = IM_COL32(90, 170, 255, 255), c2 = IM_COL32(255, 150, 60, 255);
        const ImU32 c3 = IM_COL32(90, 170, 255, 140), c4 = IM_COL32(255, 150, 60, 140);
        line_plot("saturation", dks_,
                  {{"entropy, scaled", ent_scaled_, c1},
                   {"entropy, unscaled", ent_plain_, c2},
                   {"max weight, scaled", max_scaled_, c3},
                   {"max weight, unscaled", max_plain_, c4}},
                  ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 12), true, 0.0f,
                  std::max(1.0f, static_cast<float>(std::log(static_cast<double>(n_)))), static_cast<float>(dk_));
    }

    ShownMatrix shown_matrix(std::size_t step) const override {
        const std::string name = step_matrix(step, "weights");
        const Matrix& m = name == "scores" ? result_.scores : name == "output" ? result_.output : result_.weights;
        return {name, m, tokens_, name == "output" ? std::vector<std::string>{} : tokens_};
    }

private:
    // The curve uses the lesson's own seed so it moves with the example.
    void curve() {
        dks_.clear();
        ent_scaled_.clear();
        ent_plain_.clear();
        max_scaled_.clear();
        max_plain_.clear();
        // 64 queries against the lesson's n keys: enough rows for a smooth mean.
        const auto n = static_cast<std::size_t>(n_);
        for (int d = 2; d <= kMaxDk; d *= 2) {
            const Matrix q =
                gaussian_matrix(64, static_cast<std::size_t>(d), static_cast<std::uint32_t>(seed_) * 7 + 11);
            const Matrix k =
                gaussian_matrix(n, static_cast<std::size_t>(d), static_cast<std::uint32_t>(seed_) * 7 + 12);
            ScoreParams p;
            p.temperature = temperature_;
            float e = 0, m = 0;
            p.kind = Score::scaled_dot;
            saturation(attention(q, k, k, p).weights, e, m);
            ent_scaled_.push_back(e);
            max_scaled_.push_back(m);
            p.kind = Score::dot;
            saturation(attention(q, k, k, p).weights, e, m);
            ent_plain_.push_back(e);
            max_plain_.push_back(m);
            dks_.push_back(static_cast<float>(d));
        }
    }

    // q_i, k_j and q_i ⊙ k_j for the focused score cell.
    void focused_product(std::size_t step) {
        if (step >= trace_.steps().size()) return;
        const Focus& f = trace_.steps()[step].focus;
        if (f.kind != Focus::Kind::cell || f.matrix != "scores") return;
        const std::size_t i = f.row, j = f.col, d = q_.cols(), shown = std::min<std::size_t>(d, 12);
        if (ImGui::BeginTable("product", static_cast<int>(shown) + 2,
                              ImGuiTableFlags_Borders | ImGuiTableFlags_SizingFixedFit)) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted("c");
            for (std::size_t c = 0; c < shown; ++c) {
                ImGui::TableNextColumn();
                ImGui::Text("%zu", c);
            }
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(d > shown ? "… Σ" : "Σ");
            const char* names[] = {"q", "k", "q⊙k"};
            for (int r = 0; r < 3; ++r) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                if (r == 2)
                    ImGui::Text("q%zu⊙k%zu", i, j);
                else
                    ImGui::Text("%s%zu", names[r], r == 1 ? j : i);
                double sum = 0;
                for (std::size_t c = 0; c < d; ++c) {
                    const double v = r == 0 ? q_(i, c) : r == 1 ? k_(j, c) : double(q_(i, c)) * k_(j, c);
                    if (r == 2) sum += v;
                    if (c < shown) {
                        ImGui::TableNextColumn();
                        ImGui::Text("%.2f", v);
                    }
                }
                ImGui::TableNextColumn();
                if (r == 2) ImGui::Text("%.3f", sum);
            }
            ImGui::EndTable();
        }
        const double scale = (scaled_ ? std::sqrt(static_cast<double>(d)) : 1.0) * temperature_;
        ImGui::Text("score = Σ / %.3g = %.4f", scale, static_cast<double>(result_.scores(i, j)));
    }

    int n_, dk_, seed_;  // values: the declarations in the constructor
    bool scaled_;
    float temperature_;
    std::vector<std::string> tokens_;
    Matrix q_, k_, v_;
    AttentionResult result_;
    std::vector<float> dks_, ent_scaled_, ent_plain_, max_scaled_, max_plain_;
};

}  // namespace

std::unique_ptr<Lesson> make_dot_lesson() { return std::make_unique<DotLesson>(); }

}  // namespace attn::ui
