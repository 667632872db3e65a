// train_seq2seq_trainer.cpp: training and evaluating the date translator; see
// attn/train/seq2seq_trainer.hpp.
#include "attn/train/seq2seq_trainer.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "attn/train/model_file.hpp"
#include "attn/train/trainer.hpp"

namespace attn {

DatesRecipe default_dates_recipe() {
    DatesRecipe r;
    r.model.source_vocab = dates::source_vocabulary().size();
    r.model.target_vocab = dates::target_vocabulary().size();
    r.model.emb = 16;
    r.model.enc_hidden = 32;
    r.model.dec_hidden = 64;
    r.model.attn_hidden = 32;
    r.optim = AdamConfig::adam(1e-2);
    r.optim.clip_norm = 1.0;
    r.batch = 64;
    r.steps = 400;
    return r;
}

namespace {
double span_mass(const float* alpha, dates::Span s) {
    double m = 0.0;
    for (std::size_t j = s.begin; j < s.end; ++j) m += alpha[j];
    return m;
}
}  // namespace

DatesEvaluation evaluate_dates(Seq2Seq& model, std::size_t examples, std::uint64_t seed, const dates::Vocabulary& sv,
                               const dates::Vocabulary& tv) {
    if (examples == 0) throw Error("examples", "is 0, expected at least 1");
    if (sv.size() != model.config().source_vocab || tv.size() != model.config().target_vocab)
        throw Error("vocabulary", "does not fit the model");
    Rng rng(seed);
    dates::Batch batch;
    DatesEvaluation e;
    e.examples = examples;
    std::size_t exact = 0, chars = 0;
    double loss = 0.0, year = 0.0, month = 0.0, day = 0.0;
    const std::size_t T = dates::kTargetSteps;
    for (std::size_t done = 0; done < examples;) {
        const std::size_t B = std::min<std::size_t>(250, examples - done);
        dates::generate_batch(B, rng, batch, sv, tv);
        model.forward(batch.source.data(), batch.lengths.data(), B, batch.source_length, batch.target.data(), T);
        loss += static_cast<double>(model.cross_entropy_loss()) * static_cast<double>(B);
        const auto& out = model.decode_again();  // the same dates, encoded once
        for (std::size_t b = 0; b < B; ++b) {
            bool all = out[b * T + dates::kTargetChars] == dates::kEos;
            for (std::size_t t = 0; t < dates::kTargetChars; ++t) {
                const bool right = out[b * T + t] == batch.target[b * T + t];
                chars += right;
                all = all && right;
            }
            exact += all;
            const dates::Example& ex = batch.examples[b];
            for (std::size_t t = 0; t < 4; ++t) year += span_mass(model.weights(t, b), ex.year) / 4;
            for (std::size_t t : {5, 6}) month += span_mass(model.weights(t, b), ex.month) / 2;
            for (std::size_t t : {8, 9}) day += span_mass(model.weights(t, b), ex.day) / 2;
        }
        done += B;
    }
    const double K = static_cast<double>(examples);
    e.exact_match = static_cast<double>(exact) / K;
    e.char_accuracy = static_cast<double>(chars) / (K * dates::kTargetChars);
    e.loss = loss / K;
    e.year_mass = year / K;
    e.month_mass = month / K;
    e.day_mass = day / K;
    return e;
}

DatesTrainer::DatesTrainer(Seq2Seq& model, const AdamConfig& optim, std::size_t batch, std::uint64_t data_seed)
    : model_(model), optimizer_(optim), batch_size_(batch), rng_(data_seed) {
    optim.check();
    if (batch == 0) throw Error("batch", "is 0, expected at least 1");
    if (model.config().source_vocab != dates::source_vocabulary().size() ||
        model.config().target_vocab != dates::target_vocabulary().size())
        throw Error("model", "vocabulary sizes are not the dates task's");
}

float DatesTrainer::step() {
    const std::size_t t = optimizer_.steps() + 1;
    const std::string at = " at step " + std::to_string(t);
    dates::generate_batch(batch_size_, rng_, batch_);
    model_.forward(batch_.source.data(), batch_.lengths.data(), batch_.size, batch_.source_length, batch_.target.data(),
                   batch_.target_length);
    const float loss = model_.cross_entropy_loss();
    if (!std::isfinite(loss))
        throw DivergedError(t, "the loss is " + std::string(std::isnan(loss) ? "NaN" : "infinite") + at);
    model_.backward();
    Parameters& p = model_.parameters();
    const double norm = grad_norm(p.grads(), p.total());
    if (!std::isfinite(norm))
        throw DivergedError(t, "the gradient norm is not finite" + at + " (loss " + shortest_float_text(loss) + ")");
    optimizer_.step(p);
    for (std::size_t i = 0; i < p.total(); ++i)
        if (!std::isfinite(p.values()[i]))
            throw DivergedError(t, "the update made " + p.describe_element(i) + " non-finite" + at);
    return loss;
}

}  // namespace attn
