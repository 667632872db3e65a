// train_head_scores.cpp: see attn/train/head_scores.hpp.
#include "attn/train/head_scores.hpp"

#include <algorithm>
#include <string>

#include "attn/train/transformer.hpp"

namespace attn {

namespace {

void require_square(ConstMatrixView w, const char* what) {
    if (w.rows != w.cols || w.rows == 0)
        throw Error(std::string(what) + ": the weights must be a non-empty square matrix, got " +
                    std::to_string(w.rows) + "×" + std::to_string(w.cols));
}

}  // namespace

double anti_diagonal_score(ConstMatrixView w) {
    require_square(w, "anti_diagonal_score");
    const std::size_t n = w.rows;
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += w(i, n - 1 - i);
    return sum / static_cast<double>(n);
}

double previous_token_score(ConstMatrixView w) {
    require_square(w, "previous_token_score");
    const std::size_t n = w.rows;
    if (n < 2) return 0.0;
    double sum = 0.0;
    for (std::size_t i = 1; i < n; ++i) sum += w(i, i - 1);
    return sum / static_cast<double>(n - 1);
}

double induction_score(ConstMatrixView w, const std::vector<std::int32_t>& ids) {
    require_square(w, "induction_score");
    const std::size_t n = w.rows;
    if (ids.size() != n)
        throw Error("induction_score: " + std::to_string(ids.size()) + " tokens for " + std::to_string(n) + "×" +
                    std::to_string(n) + " weights");
    double sum = 0.0;
    std::size_t counted = 0;
    for (std::size_t i = 2; i < n; ++i) {
        // The latest earlier occurrence c < i − 1 of this token: its successor c + 1 is before i.
        for (std::size_t c = i - 1; c-- > 0;)
            if (ids[c] == ids[i]) {
                sum += w(i, c + 1);
                ++counted;
                break;
            }
    }
    return counted ? sum / static_cast<double>(counted) : 0.0;
}

MultiHeadParams layer_attention_params(const Transformer& model, std::size_t layer) {
    if (layer >= model.config().layers)
        throw Error("layer " + std::to_string(layer) + " of a model with " + std::to_string(model.config().layers) +
                    " layers");
    const Parameters& P = model.parameters();
    const std::string prefix = "layers." + std::to_string(layer) + ".self_attn.";
    auto matrix_of = [&](const std::string& name) {
        const ConstMatrixView v = P.value_matrix(P.index(prefix + name));
        Matrix m(v.rows, v.cols);
        for (std::size_t r = 0; r < v.rows; ++r) std::copy(v.row(r), v.row(r) + v.cols, m.row(r));
        return m;
    };
    auto vector_of = [&](const std::string& name) {
        const std::size_t i = P.index(prefix + name);
        return std::vector<float>(P.value(i), P.value(i) + P.info(i).count);
    };
    MultiHeadParams p;
    p.num_heads = model.config().heads;
    p.in_proj_weight = matrix_of("in_proj_weight");
    p.in_proj_bias = vector_of("in_proj_bias");
    p.out_proj_weight = matrix_of("out_proj.weight");
    p.out_proj_bias = vector_of("out_proj.bias");
    return p;
}

}  // namespace attn
