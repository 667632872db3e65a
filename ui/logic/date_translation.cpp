// date_translation.cpp: see date_translation.hpp.
#include "date_translation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include <exception>

namespace attn::ui {

namespace {

std::string percent(float p) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.0f%%", 100.0 * static_cast<double>(p));
    return buf;
}

}  // namespace

DateTranslation translate_date(Seq2Seq& model, const dates::Vocabulary& sv, const dates::Vocabulary& tv,
                               const std::string& text) {
    DateTranslation r;
    r.input = text;
    const std::vector<std::string> chars = dates::split_characters(text);
    bool blank = true;
    for (const std::string& c : chars) blank = blank && c == " ";
    if (blank) {
        r.error = "type a date, e.g. 23 Nov 2026";
        return r;
    }
    if (chars.size() > dates::kMaxSourceLength) {
        r.error = "the text has " + std::to_string(chars.size()) + " characters, the limit is " +
                  std::to_string(dates::kMaxSourceLength);
        return r;
    }
    std::vector<std::int32_t> ids;
    try {
        ids = dates::encode_source(text, sv);
    } catch (const std::exception& e) {
        r.error = e.what();
        return r;
    }
    const std::size_t n = ids.size();
    r.source = chars;
    r.source.resize(n);
    for (std::int32_t id : ids) {
        r.unknown.push_back(id == dates::kUnk);
        r.unknown_count += id == dates::kUnk;
    }

    const std::size_t len = n, T = DateTranslation::kMaxSteps;
    const std::vector<std::int32_t> out = model.decode(ids.data(), &len, 1, n, T);
    std::size_t steps = T;
    for (std::size_t t = 0; t < T; ++t)
        if (out[t] == dates::kEos) {
            steps = t + 1;
            r.ended = true;
            break;
        }
    const std::size_t Vt = tv.size(), C = model.config().enc_hidden * 2, Hd = model.config().dec_hidden;
    r.encoder.resize(n, C);
    for (std::size_t j = 0; j < n; ++j)
        std::copy(model.encoder_output(0, j), model.encoder_output(0, j) + C, r.encoder.row(j));
    r.scores.resize(steps, n);
    r.weights.resize(steps, n);
    r.context.resize(steps, C);
    r.states.resize(steps + 1, Hd);
    std::copy(model.initial_state(0), model.initial_state(0) + Hd, r.states.row(0));
    std::vector<float> probs(Vt);
    std::vector<std::size_t> order(Vt);
    float lowest = 1.0f;
    std::size_t lowest_at = 0;
    for (std::size_t t = 0; t < steps; ++t) {
        std::copy(model.scores(t, 0), model.scores(t, 0) + n, r.scores.row(t));
        std::copy(model.weights(t, 0), model.weights(t, 0) + n, r.weights.row(t));
        std::copy(model.context(t, 0), model.context(t, 0) + C, r.context.row(t));
        std::copy(model.state(t, 0), model.state(t, 0) + Hd, r.states.row(t + 1));
        model.probabilities(t, 0, probs.data());
        const auto chosen = static_cast<std::size_t>(out[t]);
        r.tokens.push_back(tv.token(out[t]));
        if (out[t] > dates::kUnk) r.output += tv.token(out[t]);
        r.probability.push_back(probs[chosen]);
        if (probs[chosen] < lowest) lowest = probs[chosen], lowest_at = t;
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return probs[a] > probs[b]; });
        std::vector<std::pair<std::string, float>> alts;
        for (std::size_t k = 0; k < Vt && alts.size() < DateTranslation::kAlternatives; ++k)
            if (order[k] != chosen) alts.emplace_back(tv.token(static_cast<std::int32_t>(order[k])), probs[order[k]]);
        r.alternatives.push_back(std::move(alts));
    }
    dates::Date parsed;
    r.valid_date = dates::parse_iso(r.output, parsed);

    if (r.unknown_count)
        r.warnings.push_back(std::to_string(r.unknown_count) +
                             (r.unknown_count == 1 ? " character is" : " characters are") +
                             " not in the model's vocabulary and read as <unk>");
    if (n > DateTranslation::kLongestTrained)
        r.warnings.push_back("the text has " + std::to_string(n) +
                             " characters; the longest date it was trained on has " +
                             std::to_string(DateTranslation::kLongestTrained));
    if (!r.ended)
        r.warnings.push_back("it wrote no <eos> within " + std::to_string(T) + " steps");
    else if (!r.valid_date)
        r.warnings.push_back("its output is not a date from 1900-01-01 to 2099-12-31");
    if (lowest < DateTranslation::kLowConfidence)
        r.warnings.push_back("it is unsure: step " + std::to_string(lowest_at + 1) + " picked «" + r.tokens[lowest_at] +
                             "» with only " + percent(lowest));
    return r;
}

}  // namespace attn::ui
