// train_tasks.cpp: the seeded toy tasks; see attn/train/tasks.hpp.
#include "attn/train/tasks.hpp"

#include <algorithm>
#include <cmath>

#include "attn/matrix.hpp"

namespace attn {
namespace {

std::string str(std::size_t x) { return std::to_string(x); }

}  // namespace

const char* task_name(TaskKind t) {
    switch (t) {
        case TaskKind::copy: return "copy";
        case TaskKind::reverse: return "reverse";
        case TaskKind::sort: return "sort";
        case TaskKind::induction: return "induction";
        case TaskKind::series: return "series";
    }
    return "?";
}

TaskKind parse_task(const std::string& name) {
    for (TaskKind t : {TaskKind::copy, TaskKind::reverse, TaskKind::sort, TaskKind::induction, TaskKind::series})
        if (name == task_name(t)) return t;
    throw Error("unknown task '" + name + "' (expected copy, reverse, sort, induction or series)");
}

void TaskConfig::check() const {
    if (length < 1 || length > 4096) throw Error("task length is " + str(length) + ", expected 1 to 4096");
    if (tokens() && (vocab < 2 || vocab > 65536)) throw Error("task vocab is " + str(vocab) + ", expected 2 to 65536");
    if (kind == TaskKind::induction) {
        if (k < 1) throw Error("induction k is 0, expected at least 1");
        if (length + 1 < 2 * k)
            throw Error("induction k is " + str(k) + ": a copy needs length + 1 ≥ 2k, and length is " + str(length));
    }
    if (kind == TaskKind::series && !(noise >= 0.0f && std::isfinite(noise)))
        throw Error("series noise must be a finite value ≥ 0");
}

void generate_batch(const TaskConfig& task, std::size_t B, Rng& rng, TaskBatch& batch) {
    task.check();
    if (B == 0) throw Error("batch size is 0, expected at least 1");
    const std::size_t n = task.length, N = B * n;
    batch.size = B;
    batch.length = n;
    batch.scored.assign(N, 1);
    if (task.kind == TaskKind::series) {
        batch.input.clear();
        batch.target.clear();
        batch.input_values.resize(N);
        batch.target_values.resize(N);
        const std::size_t max_period = std::max<std::size_t>(3, n / 2);
        for (std::size_t b = 0; b < B; ++b) {
            const double period = static_cast<double>(3 + rng.below(max_period - 2));
            const double phase = rng.uniform(0.0, 6.283185307179586);
            for (std::size_t t = 0; t <= n; ++t) {
                const float x = static_cast<float>(
                    std::sin(6.283185307179586 * static_cast<double>(t) / period + phase) + task.noise * rng.normal());
                if (t < n) batch.input_values[b * n + t] = x;
                if (t > 0) batch.target_values[b * n + t - 1] = x;
            }
        }
        return;
    }
    batch.input_values.clear();
    batch.target_values.clear();
    batch.input.resize(N);
    batch.target.resize(N);
    const auto V = static_cast<std::uint64_t>(task.vocab);
    for (std::size_t b = 0; b < B; ++b) {
        std::int32_t* in = batch.input.data() + b * n;
        std::int32_t* out = batch.target.data() + b * n;
        if (task.kind == TaskKind::induction) {
            // tokens[0..n] with tokens[q + i] = tokens[p + i] for i < k; in = tokens[:−1], out = tokens[1:]
            const std::size_t k = task.k;
            const std::size_t p = rng.below(n + 1 - 2 * k + 1);
            const std::size_t q = p + k + rng.below(n + 1 - k - (p + k) + 1);
            auto token = [&](std::size_t t) -> std::int32_t& { return t < n ? in[t] : out[n - 1]; };
            for (std::size_t t = 0; t <= n; ++t) token(t) = static_cast<std::int32_t>(rng.below(V));
            for (std::size_t i = 0; i < k; ++i) token(q + i) = token(p + i);
            for (std::size_t t = 0; t + 1 < n; ++t) out[t] = in[t + 1];
            std::uint8_t* s = batch.scored.data() + b * n;
            std::fill(s, s + n, std::uint8_t{0});
            for (std::size_t i = 1; i < k; ++i) s[q + i - 1] = 1;  // target q+i−1 predicts tokens[q+i]
            continue;
        }
        for (std::size_t t = 0; t < n; ++t) in[t] = static_cast<std::int32_t>(rng.below(V));
        std::copy(in, in + n, out);
        if (task.kind == TaskKind::reverse) std::reverse(out, out + n);
        if (task.kind == TaskKind::sort) std::sort(out, out + n);
    }
}

}  // namespace attn
