// example.cpp: "the cat sat on the mat" through one head of causal self-attention.
//
// Each word gets a 4-number embedding whose features a reader can check by eye:
//   [function word, noun, verb, place]
// Self-attention uses the embeddings as queries, keys and values (Q = K = V = X), so a word
// attends most to the earlier words that share its features: "mat" (a noun that is a place)
// looks at itself, "cat" and "on"; the second "the" splits its attention between the two "the"s.
#include "example.hpp"

#include "output.hpp"

namespace attn::cli {

namespace {
struct Word {
    const char* text;
    float features[4];  // function word, noun, verb, place
};

constexpr Word kSentence[] = {
    {"the", {2.0f, 0.2f, 0.0f, 0.0f}}, {"cat", {0.2f, 2.0f, 0.5f, 0.0f}}, {"sat", {0.0f, 0.5f, 2.0f, 0.5f}},
    {"on", {0.5f, 0.0f, 0.5f, 2.0f}},  {"the", {2.0f, 0.2f, 0.0f, 0.0f}}, {"mat", {0.2f, 1.5f, 0.0f, 1.0f}},
};
}  // namespace

Spec example_spec() {
    Spec spec;
    spec.kind = SpecKind::single_head;
    spec.attention = "scaled_dot";
    spec.score.kind = Score::scaled_dot;
    const std::size_t n = std::size(kSentence);
    spec.query = Matrix(n, 4);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t c = 0; c < 4; ++c) spec.query(i, c) = kSentence[i].features[c];
        spec.query_labels.emplace_back(kSentence[i].text);
    }
    spec.key = spec.query;
    spec.value = spec.query;
    spec.key_labels = spec.query_labels;
    spec.mask = Mask::causal();
    return spec;
}

std::string example_report(const Spec& spec, const ComputeResult& result) {
    std::string sentence;
    for (const std::string& w : spec.query_labels) sentence += (sentence.empty() ? "" : " ") + w;
    std::string out;
    out += "Causal scaled dot-product self-attention over \"" + sentence + "\"\n";
    out += "  Q = K = V = 4-number word embeddings (features: function word, noun, verb, place)\n";
    out += "  weights = softmax(Q·Kᵀ / √4), causal mask: a word attends only to itself and earlier words\n\n";
    out += "Attention weights (row = query word, column = key word; each row sums to 1; · = masked):\n\n";
    const std::string table = weights_table(result.weights.at(0), spec.query_labels, spec.key_labels, spec.mask);
    std::size_t start = 0;  // indented like the lines above
    while (start < table.size()) {
        const std::size_t end = table.find('\n', start);
        out += "  " + table.substr(start, end - start) + "\n";
        start = end == std::string::npos ? table.size() : end + 1;
    }
    out += "\nTry: attnlab compute --example --png weights.png    attnlab compute --help (the JSON spec)\n";
    return out;
}

}  // namespace attn::cli
