// attnlab-bench: times attnlab's attention natively and in WebAssembly (attnlab-bench.js under
// node), built from this one source with the same flags as the core. Never part of the tests.
//
//   attnlab-bench --what core|mha|plain|blas|peak --n N --heads H --d D [--causal] [--threads T]
//                 [--reps R] [--warmup W] [--bq B] [--bk B] [--backend NAME] [--fresh-workspace]
//                 [--dump FILE] [--json]
//   attnlab-bench --what train --task T --length n --vocab V --d-model E --heads H --d-ff F
//                 --layers L --batch B [--threads T] [--reps R] [--warmup W] [--json]
//   attnlab-bench --what train --task dates [--emb E --enc-hidden H --dec-hidden D --attn-hidden A]
//                 --batch B [--reps R] [--warmup W] [--json]
//
// core   attention core (Q, K, V given, (N, H·D) each): attn::tiled_attention_heads
// mha    full multi-head self-attention (projections + core + output projection), tiled path
// plain  the core through the plain path (attn::attention per head: (N, N) scores materialised)
// blas   the OpenBLAS baseline (native): per head sgemm Q·Kᵀ, attnlab's SIMD softmax, sgemm P·V
// peak   the fp32 multiply-add peak of one core, for every architecture this build has
// train  one AdamW step of the attn/train Transformer on a batch of a task (train_bench.cpp);
//        ms_median is per optimizer step. With --threads T ≠ 1 the same run times 1 thread and
//        T threads in turn (three rounds each, the best round's median kept for each) and
//        prints both and their ratio (speedup = 1-thread ms ÷ T-thread ms). --task dates: one Adam step of the
//        seq2seq date translator (issue 12) on a batch of dates
//
// Prints one JSON object (--json) or a line of text: ms_median, ms_min over --reps timed
// repetitions after --warmup untimed ones, gflops (core 4·N²·D per head, or the causal half,
// 4·D·N(N+1)/2; projections add 8·N·E²), arch (the dispatched backend), peak_rss_mib, and
// first_call_ms (the first call, which grows the workspace). --fresh-workspace gives every
// repetition a new workspace, to show what allocation and first-touch of fresh pages cost
// (blocks of 128 KiB and more come straight from mmap then, as new pages every time).
// --dump writes the last output as raw little-endian float32 (N × H·D) for the peer checks.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#else
#include <sys/resource.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "attn/attention.hpp"
#include "attn/kernels.hpp"
#include "attn/multihead.hpp"
#include "attn/parallel.hpp"
#include "attn/tiled.hpp"
#include "inputs.hpp"
#include "train_bench.hpp"

#if defined(__EMSCRIPTEN__)
double fma_peak_simd128(double seconds);
#elif !defined(ATTN_SCALAR_ONLY)
double fma_peak_sse2(double seconds);
double fma_peak_avx2(double seconds);
double fma_peak_avx512(double seconds);
#endif
#if defined(ATTN_BENCH_HAVE_BLAS)
void blas_attention(const attn::Matrix& q, const attn::Matrix& k, const attn::Matrix& v, std::size_t heads, bool causal,
                    std::size_t threads, attn::Matrix& scores, attn::Matrix& out);
#endif

namespace {

struct Args {
    std::string what = "core", backend = "auto", dump;
    std::size_t n = 1024, heads = 8, d = 64, threads = 1, reps = 20, warmup = 3;
    std::size_t bq = attn::kDefaultBlockQ, bk = attn::kDefaultBlockK;
    bool causal = false, json = false, fresh = false;
    bench::TrainArgs train;
};

[[noreturn]] void usage(const std::string& problem) {
    std::fprintf(stderr,
                 "attnlab-bench: %s\nusage: attnlab-bench --what core|mha|plain|blas|peak|train --n N --heads H --d D "
                 "[--causal] [--threads T] [--reps R] [--warmup W] [--bq B] [--bk B] [--backend NAME] "
                 "[--fresh-workspace] [--dump FILE] [--json]\n",
                 problem.c_str());
    std::exit(2);
}

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string f = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(f + " needs a value");
            return argv[++i];
        };
        auto count = [&]() -> std::size_t {
            const std::string v = value();
            char* end = nullptr;
            const unsigned long long x = std::strtoull(v.c_str(), &end, 10);
            if (v.empty() || *end) usage(f + ": not a count: " + v);
            return static_cast<std::size_t>(x);
        };
        if (f == "--what")
            a.what = value();
        else if (f == "--n")
            a.n = count();
        else if (f == "--heads")
            a.heads = count();
        else if (f == "--d")
            a.d = count();
        else if (f == "--threads")
            a.threads = count();
        else if (f == "--reps")
            a.reps = count();
        else if (f == "--warmup")
            a.warmup = count();
        else if (f == "--bq")
            a.bq = count();
        else if (f == "--bk")
            a.bk = count();
        else if (f == "--backend")
            a.backend = value();
        else if (f == "--dump")
            a.dump = value();
        else if (f == "--causal")
            a.causal = true;
        else if (f == "--json")
            a.json = true;
        else if (f == "--fresh-workspace")
            a.fresh = true;
        else if (f == "--task")
            a.train.task = value();
        else if (f == "--length")
            a.train.length = count();
        else if (f == "--vocab")
            a.train.vocab = count();
        else if (f == "--d-model")
            a.train.d_model = count();
        else if (f == "--d-ff")
            a.train.d_ff = count();
        else if (f == "--layers")
            a.train.layers = count();
        else if (f == "--batch")
            a.train.batch = count();
        else if (f == "--emb")
            a.train.emb = count();
        else if (f == "--enc-hidden")
            a.train.enc_hidden = count();
        else if (f == "--dec-hidden")
            a.train.dec_hidden = count();
        else if (f == "--attn-hidden")
            a.train.attn_hidden = count();
        else
            usage("unknown option " + f);
    }
    if (a.n == 0 || a.heads == 0 || a.d == 0 || a.reps == 0) usage("--n, --heads, --d and --reps must be at least 1");
#if defined(__GLIBC__)
    // glibc raises its mmap threshold after the first large free and then serves every later
    // workspace from memory the previous one freed, already touched: "fresh" measured the same
    // as warm. A fixed threshold keeps large blocks on mmap, so each one is new pages.
    if (a.fresh) mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
    return a;
}

double peak_rss_mib() {
#if defined(__EMSCRIPTEN__)
    // wasm memory only grows, so its size is the peak of the heap (plus the static data).
    return static_cast<double>(__builtin_wasm_memory_size(0)) * 65536.0 / (1024.0 * 1024.0);
#else
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;  // KiB on Linux
#endif
}

std::string json_number(double x) {
    if (!std::isfinite(x)) return "null";
    std::ostringstream s;
    s.precision(6);
    s << x;
    return s.str();
}

struct Timing {
    double first_ms = 0, median_ms = 0, min_ms = 0;
    double cpu_median_ms = 0;  // CPU time of the process (all threads) per call: robust to a busy machine
    // The same over the whole timed loop ÷ reps. The kernel adds a running thread's CPU time to
    // the process clock at scheduler ticks, so with 2 threads one call's figure can miss most of
    // the worker's time (N = 512: 1.67 ms CPU for a 1.65 ms call); over the loop it cannot.
    double cpu_per_call_ms = 0;
};

double median_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

double cpu_ms() {
    return static_cast<double>(std::clock()) * 1000.0 / CLOCKS_PER_SEC;  // process CPU time
}

// Runs f once (first call), warmup more times, then reps timed times.
Timing time_it(std::size_t warmup, std::size_t reps, const std::function<void()>& f) {
    using clock = std::chrono::steady_clock;
    std::vector<double> ms(reps), cpu(reps);
    auto run = [&](std::size_t i) {
        const double c0 = cpu_ms();
        const auto t0 = clock::now();
        f();
        const double wall = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
        if (i < reps) cpu[i] = cpu_ms() - c0;
        return wall;
    };
    Timing t;
    t.first_ms = run(reps);
    for (std::size_t i = 0; i < warmup; ++i) run(reps);
    const double loop_cpu0 = cpu_ms();
    for (std::size_t i = 0; i < reps; ++i) ms[i] = run(i);
    t.cpu_per_call_ms = (cpu_ms() - loop_cpu0) / static_cast<double>(reps);
    t.min_ms = *std::min_element(ms.begin(), ms.end());
    t.median_ms = median_of(ms);
    t.cpu_median_ms = median_of(cpu);
    return t;
}

int run_peak(const Args& a) {
    std::vector<std::pair<std::string, double>> peaks;
#if defined(__EMSCRIPTEN__)
    peaks.emplace_back("simd128", fma_peak_simd128(1.0));
#elif !defined(ATTN_SCALAR_ONLY)
    for (const auto& name : attn::available_backends()) {
        if (name == "avx512") peaks.emplace_back(name, fma_peak_avx512(1.0));
        if (name == "avx2") peaks.emplace_back(name, fma_peak_avx2(1.0));
        if (name == "sse2") peaks.emplace_back(name, fma_peak_sse2(1.0));
    }
#endif
    if (a.json) {
        std::printf("{\"what\": \"peak\", \"threads\": 1");
        for (const auto& [name, g] : peaks) std::printf(", \"%s_gflops\": %s", name.c_str(), json_number(g).c_str());
        std::printf(", \"arch\": \"%s\"}\n", peaks.empty() ? "scalar" : peaks.front().first.c_str());
    } else {
        for (const auto& [name, g] : peaks) std::printf("%s: %.1f GFLOP/s (1 core, multiply-add)\n", name.c_str(), g);
    }
    return 0;
}

// --what train --threads T (T ≠ 1): 1 thread and T threads timed in the same run, in turn.
int run_train_threads(const Args& a, bench::TrainState& state, const std::function<void()>& step) {
    const bench::TrainArgs& r = a.train;
    const std::size_t threads = attn::resolve_threads(a.threads);
    Timing one, many;
    for (int round = 0; round < 3; ++round) {  // in turn, so a busy spell of the machine hits both
        state.model->set_threads(1);
        const Timing t1 = time_it(a.warmup, a.reps, step);
        state.model->set_threads(a.threads);
        const Timing tt = time_it(a.warmup, a.reps, step);
        if (round == 0 || t1.median_ms < one.median_ms) one = t1;
        if (round == 0 || tt.median_ms < many.median_ms) many = tt;
    }
    const double speedup = one.median_ms / many.median_ms;
    if (a.json)
        std::printf(
            "{\"what\": \"train\", \"task\": \"%s\", \"length\": %zu, \"vocab\": %zu, \"d_model\": %zu, "
            "\"heads\": %zu, \"d_ff\": %zu, \"layers\": %zu, \"batch\": %zu, \"threads\": %zu, \"reps\": %zu, "
            "\"ms_median\": %s, \"ms_median_1_thread\": %s, \"speedup\": %s, \"cpu_ms_per_step\": %s, "
            "\"cpu_ms_per_step_1_thread\": %s, \"arch\": \"%s\", \"target\": \"%s\"}\n",
            r.task.c_str(), r.length, r.vocab, r.d_model, r.heads, r.d_ff, r.layers, r.batch, threads, a.reps,
            json_number(many.median_ms).c_str(), json_number(one.median_ms).c_str(), json_number(speedup).c_str(),
            json_number(many.cpu_per_call_ms).c_str(), json_number(one.cpu_per_call_ms).c_str(), attn::active_backend(),
#if defined(__EMSCRIPTEN__)
            "wasm"  // one thread: T resolves to 1
#else
            "native"
#endif
        );
    else
        std::printf(
            "train %s n=%zu vocab=%zu d_model=%zu heads=%zu d_ff=%zu layers=%zu batch=%zu [%s]: median %.3f ms per "
            "step on 1 thread, %.3f ms on %zu threads: %.2fx (cpu per step %.3f ms, %.3f ms)\n",
            r.task.c_str(), r.length, r.vocab, r.d_model, r.heads, r.d_ff, r.layers, r.batch, attn::active_backend(),
            one.median_ms, many.median_ms, threads, speedup, one.cpu_per_call_ms, many.cpu_per_call_ms);
    return 0;
}

int run_train(Args a) {
    a.train.heads = a.heads;
    bench::TrainState state;
    if (a.train.task == "dates" && a.threads != 1) usage("--threads: the dates task trains on one thread");
    const std::function<void()> step = bench::train_step(a.train, state);
    if (a.threads != 1) return run_train_threads(a, state, step);
    const Timing t = time_it(a.warmup, a.reps, step);
    const bench::TrainArgs& r = a.train;  // train_step filled in the dates sizes
    if (r.task == "dates") {
        if (a.json)
            std::printf(
                "{\"what\": \"train\", \"task\": \"dates\", \"emb\": %zu, \"enc_hidden\": %zu, \"dec_hidden\": %zu, "
                "\"attn_hidden\": %zu, \"batch\": %zu, \"threads\": 1, \"reps\": %zu, \"ms_median\": %s, \"ms_min\": "
                "%s, "
                "\"cpu_ms_median\": %s, \"first_call_ms\": %s, \"loss\": %s, \"arch\": \"%s\", \"target\": \"%s\"}\n",
                r.emb, r.enc_hidden, r.dec_hidden, r.attn_hidden, r.batch, a.reps, json_number(t.median_ms).c_str(),
                json_number(t.min_ms).c_str(), json_number(t.cpu_median_ms).c_str(), json_number(t.first_ms).c_str(),
                json_number(state.loss).c_str(), attn::active_backend(),
#if defined(__EMSCRIPTEN__)
                "wasm"
#else
                "native"
#endif
            );
        else
            std::printf(
                "train dates emb=%zu enc_hidden=%zu dec_hidden=%zu attn_hidden=%zu batch=%zu [%s]: median %.3f ms "
                "per step, min %.3f ms, first %.3f ms, loss %.4f\n",
                r.emb, r.enc_hidden, r.dec_hidden, r.attn_hidden, r.batch, attn::active_backend(), t.median_ms,
                t.min_ms, t.first_ms, static_cast<double>(state.loss));
        return 0;
    }
    if (a.json) {
        std::printf(
            "{\"what\": \"train\", \"task\": \"%s\", \"length\": %zu, \"vocab\": %zu, \"d_model\": %zu, "
            "\"heads\": %zu, \"d_ff\": %zu, \"layers\": %zu, \"batch\": %zu, \"threads\": 1, \"reps\": %zu, "
            "\"ms_median\": %s, \"ms_min\": %s, \"cpu_ms_median\": %s, \"first_call_ms\": %s, \"loss\": %s, "
            "\"arch\": \"%s\", \"target\": \"%s\"}\n",
            r.task.c_str(), r.length, r.vocab, r.d_model, r.heads, r.d_ff, r.layers, r.batch, a.reps,
            json_number(t.median_ms).c_str(), json_number(t.min_ms).c_str(), json_number(t.cpu_median_ms).c_str(),
            json_number(t.first_ms).c_str(), json_number(state.loss).c_str(), attn::active_backend(),
#if defined(__EMSCRIPTEN__)
            "wasm"
#else
            "native"
#endif
        );
    } else {
        std::printf(
            "train %s n=%zu vocab=%zu d_model=%zu heads=%zu d_ff=%zu layers=%zu batch=%zu [%s]: "
            "median %.3f ms per step, min %.3f ms, first %.3f ms, loss %.4f\n",
            r.task.c_str(), r.length, r.vocab, r.d_model, r.heads, r.d_ff, r.layers, r.batch, attn::active_backend(),
            t.median_ms, t.min_ms, t.first_ms, static_cast<double>(state.loss));
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const Args a = parse(argc, argv);
    try {
        attn::set_backend(a.backend);
        if (a.what == "peak") return run_peak(a);
        if (a.what == "train") return run_train(a);

        const std::size_t N = a.n, H = a.heads, E = a.heads * a.d;
        const attn::Mask mask = a.causal ? attn::Mask::causal() : attn::Mask::none();
        attn::TileConfig tiles;
        tiles.block_q = a.bq;
        tiles.block_k = a.bk;
        tiles.threads = a.threads;
        const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(a.d)));
        const double pairs = a.causal ? 0.5 * double(N) * double(N + 1) : double(N) * double(N);
        double flops = 4.0 * pairs * double(a.d) * double(H);

        attn::Matrix out(N, E);
        std::function<void()> step;
        // inputs and state live here, outside the timed calls
        attn::Matrix q, k, v, x, scores;
        attn::TiledWorkspace ws;
        attn::MultiHeadParams params;
        attn::MultiHeadOptions options;
        attn::MultiHeadResult result;
        attn::AttentionResult plain;
        const attn::ScoreParams scaled_dot;

        if (a.what == "core" || a.what == "plain" || a.what == "blas") {
            q = bench::input_matrix(N, E, bench::kQ);
            k = bench::input_matrix(N, E, bench::kK);
            v = bench::input_matrix(N, E, bench::kV);
        }
        if (a.what == "core") {
            step = [&] {
                if (a.fresh) {
                    attn::TiledWorkspace fresh;
                    attn::tiled_attention_heads(q, k, v, H, scale, mask, out, tiles, &fresh);
                } else {
                    attn::tiled_attention_heads(q, k, v, H, scale, mask, out, tiles, &ws);
                }
            };
        } else if (a.what == "plain") {
            step = [&] {
                for (std::size_t h = 0; h < H; ++h) {
                    const auto cols = [&](const attn::Matrix& m) { return m.view().block(0, h * a.d, N, a.d); };
                    attn::attention(cols(q), cols(k), cols(v), scaled_dot, mask, plain);
                    for (std::size_t i = 0; i < N; ++i)
                        std::copy(plain.output.row(i), plain.output.row(i) + a.d, out.row(i) + h * a.d);
                }
            };
        } else if (a.what == "blas") {
#if defined(ATTN_BENCH_HAVE_BLAS)
            step = [&] { blas_attention(q, k, v, H, a.causal, a.threads, scores, out); };
#else
            usage("this build has no OpenBLAS baseline (native builds with libopenblas-dev only)");
#endif
        } else if (a.what == "mha") {
            x = bench::input_matrix(N, E, bench::kX);
            params.num_heads = H;
            params.in_proj_weight = bench::input_matrix(3 * E, E, bench::kInW, 0.0625f);
            params.out_proj_weight = bench::input_matrix(E, E, bench::kOutW, 0.0625f);
            const attn::Matrix in_b = bench::input_matrix(1, 3 * E, bench::kInB, 0.125f);
            const attn::Matrix out_b = bench::input_matrix(1, E, bench::kOutB, 0.125f);
            params.in_proj_bias.assign(in_b.row(0), in_b.row(0) + 3 * E);
            params.out_proj_bias.assign(out_b.row(0), out_b.row(0) + E);
            options.implementation = attn::Implementation::tiled;
            options.need_weights = false;
            options.tiles = tiles;
            flops += 8.0 * double(N) * double(E) * double(E);
            step = [&] {
                if (a.fresh) {
                    attn::MultiHeadResult fresh;
                    attn::multi_head_attention(x, x, x, params, mask, options, fresh);
                    out = fresh.output;
                } else {
                    attn::multi_head_attention(x, x, x, params, mask, options, result);
                }
            };
        } else {
            usage("--what must be core, mha, plain, blas or peak, got " + a.what);
        }

        const Timing t = time_it(a.warmup, a.reps, step);
        const attn::Matrix& final_out = a.what == "mha" && !a.fresh ? result.output : out;
        if (!a.dump.empty()) {
            std::ofstream f(a.dump, std::ios::binary);
            for (std::size_t i = 0; i < N; ++i)
                f.write(reinterpret_cast<const char*>(final_out.row(i)),
                        static_cast<std::streamsize>(E * sizeof(float)));
            if (!f) throw attn::Error("cannot write " + a.dump);
        }
        const double gflops = flops / (t.median_ms * 1e-3) * 1e-9;
        const std::size_t threads =
            a.what == "blas" ? std::max<std::size_t>(a.threads, 1) : attn::resolve_threads(a.threads);
        if (a.json) {
            std::printf(
                "{\"what\": \"%s\", \"n\": %zu, \"heads\": %zu, \"d\": %zu, \"causal\": %s, \"threads\": %zu, "
                "\"reps\": %zu, \"ms_median\": %s, \"ms_min\": %s, \"cpu_ms_median\": %s, \"cpu_ms_per_call\": %s, "
                "\"first_call_ms\": %s, "
                "\"gflops\": %s, "
                "\"arch\": \"%s\", \"fresh_workspace\": %s, \"bq\": %zu, \"bk\": %zu, \"peak_rss_mib\": %s, "
                "\"target\": \"%s\"}\n",
                a.what.c_str(), N, H, a.d, a.causal ? "true" : "false", threads, a.reps,
                json_number(t.median_ms).c_str(), json_number(t.min_ms).c_str(), json_number(t.cpu_median_ms).c_str(),
                json_number(t.cpu_per_call_ms).c_str(), json_number(t.first_ms).c_str(), json_number(gflops).c_str(),
                attn::active_backend(), a.fresh ? "true" : "false", a.bq, a.bk, json_number(peak_rss_mib()).c_str(),
#if defined(__EMSCRIPTEN__)
                "wasm"
#else
                "native"
#endif
            );
        } else {
            std::printf(
                "%s n=%zu heads=%zu d=%zu%s threads=%zu [%s]: median %.3f ms, min %.3f ms, cpu %.3f ms, "
                "%.1f GFLOP/s, first call %.3f ms, peak RSS %.1f MiB\n",
                a.what.c_str(), N, H, a.d, a.causal ? " causal" : "", threads, attn::active_backend(), t.median_ms,
                t.min_ms, t.cpu_median_ms, gflops, t.first_ms, peak_rss_mib());
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "attnlab-bench: %s\n", e.what());
        return 1;
    }
}
