// date_translation.hpp: one typed text through a trained date translator (attn/train/seq2seq.hpp),
// with every decoder step's numbers kept for the Basic lesson, and the reasons the model is out
// of its depth on this input.
//
// The text is encoded with the model's own source vocabulary (any character it does not know is
// <unk>), decoded greedily for up to kMaxSteps steps (the ten characters of YYYY-MM-DD and <eos>,
// plus room for a model that runs on), and each step's scores e_tj, weights α_tj, context c_t,
// state s_t and output distribution are copied out, so the lesson draws them without touching
// the model again.
// Out of depth: unknown characters, a source longer than any the model was trained on, no <eos>,
// an output that is not a date, or a step whose chosen character has a probability below
// kLowConfidence. None of these stops the translation: the numbers are still shown, with the
// reasons above them.
// Deliberately not here: drawing, fetching the model (ui/logic/shipped_models.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "attn/matrix.hpp"
#include "attn/train/dates.hpp"
#include "attn/train/seq2seq.hpp"

namespace attn::ui {

struct DateTranslation {
    static constexpr std::size_t kMaxSteps = dates::kTargetSteps + 5;
    // The longest source of the dates task ("Wednesday, 23 September 2026").
    static constexpr std::size_t kLongestTrained = 28;
    static constexpr float kLowConfidence = 0.5f;
    static constexpr std::size_t kAlternatives = 3;

    std::string input;
    // Why there is no translation ("type a date, e.g. 23 Nov 2026", "the text has 70 characters,
    // the limit is 64"); empty when the fields below hold one.
    std::string error;

    std::vector<std::string> source;  // the characters, as typed
    std::vector<bool> unknown;        // per source character: read as <unk>
    std::size_t unknown_count = 0;

    std::vector<std::string> tokens;  // per decoder step: the character written ("<eos>" last when it ended)
    std::string output;               // the characters without <eos>
    std::vector<float> probability;   // per step: p of the chosen character
    // per step: the most likely characters after the chosen one, with their probabilities
    std::vector<std::vector<std::pair<std::string, float>>> alternatives;
    Matrix encoder;                     // (n, 2He) h_j = [h→_j; h←_j]
    Matrix scores, weights;             // (steps, n)  e_tj, α_tj
    Matrix context;                     // (steps, 2He) c_t
    Matrix states;                      // (steps + 1, Hd) s₀ … s_steps
    bool ended = false;                 // the model wrote <eos>
    bool valid_date = false;            // the output is a date YYYY-MM-DD from 1900 to 2099
    std::vector<std::string> warnings;  // out-of-depth reasons, in words

    std::size_t steps() const { return tokens.size(); }
    bool out_of_depth() const { return !warnings.empty(); }
};

// Translates text with model (vocabularies from its file). Never throws on bad text: error says why.
DateTranslation translate_date(Seq2Seq& model, const dates::Vocabulary& source_vocab,
                               const dates::Vocabulary& target_vocab, const std::string& text);

}  // namespace attn::ui
