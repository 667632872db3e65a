#!/usr/bin/python3
"""run_bench.py: runs attnlab-bench (native and wasm) and its peers on the same inputs, checks
their outputs against ours, and writes bench/RESULTS.md (and bench/results.json). Called by
scripts/bench, which builds and installs what this needs; never part of the tests.

Order: for every configuration, our run and every peer's run follow each other, so the
ratios compare runs made seconds apart on this shared machine. Each result is the median
of --reps timed calls after warm-up (20: ours and every peer, but for PyTorch and tfjs above
N = 1024, where one call takes seconds: --big-peer-reps; the count is in results.json). CPU time medians are shown beside
wall time for 1-thread rows: they do not count time the process spent waiting for a core.

The targets are judged on paired rounds instead of that single pass: the machine's slow
phases last minutes and move whole rows of the table. Each target's two sides (ours and a
peer; 1 and 2 threads; causal and not; ours and the measured peak) run back to back, in
alternating order, --rounds times; the figure is the median of the per-round ratios, shown
with their range. In a round, 1-thread runs are pinned to one CPU, the next CPU in the next
round: the two vCPUs of this machine differ by up to 18 % at times (N = 2048, 1 thread: 48 ms
on one, 56 ms on the other, same binary, minutes apart), which otherwise decides a ratio by
where each process happened to land.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
NODE = ["node", "--no-experimental-fetch", "--no-liftoff"]  # the same flags for every wasm run


def run_json(cmd, timeout=3600, cpu=None):
    """Runs cmd, returns the last JSON line it printed; cpu: pin the process (and its threads) to it."""
    env = dict(os.environ)
    # attnlab-bench links OpenBLAS (for --what blas); its worker threads start with the process and
    # spin for a while, stealing a core from our own runs. Start it with the threads the run uses
    # (the blas path sets the count again itself).
    threads = cmd[cmd.index("--threads") + 1] if "--threads" in cmd else "1"
    env["OPENBLAS_NUM_THREADS"] = threads if "blas" in cmd else "1"
    pin = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=HERE, env=env, preexec_fn=pin)
    if r.returncode != 0:
        print("FAILED:", " ".join(cmd), "\n", r.stderr[-2000:], file=sys.stderr)
        return None
    line = [l for l in r.stdout.splitlines() if l.startswith("{")][-1]
    return json.loads(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--native", required=True, help="native attnlab-bench")
    ap.add_argument("--wasm", required=True, help="attnlab-bench.js")
    ap.add_argument("--sizes", default="128,512,1024,2048,4096")
    ap.add_argument("--wasm-sizes", default="128,512,1024,2048")
    ap.add_argument("--wasm-peer-sizes", default="128,512,1024")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--big-peer-reps", type=int, default=5, help="PyTorch and tfjs repetitions for N ≥ 2048 (one call takes seconds)")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--rounds", type=int, default=5, help="paired rounds per target (0: none)")
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--report-only", default="", help="rewrite RESULTS.md from this results.json, running nothing")
    a = ap.parse_args()
    if a.report_only:
        j = json.load(open(a.report_only))
        res = j["results"]
        peak = next(r for r in res if r.get("impl") == "peak native")
        wpeak = next(r for r in res if r.get("impl") == "peak wasm")
        diffs = {tuple(k): v for k, v in j["diffs"]}
        write_report(a, res, j["memory"], j["workspace"], diffs, peak[peak["arch"] + "_gflops"],
                     wpeak["simd128_gflops"], peak, wpeak, j.get("paired", []))
        return
    sizes = [int(x) for x in a.sizes.split(",")]
    wsizes = [int(x) for x in a.wasm_sizes.split(",")]
    wpsizes = [int(x) for x in a.wasm_peer_sizes.split(",")]
    H, D = 8, 64
    tmp = "/tmp/attnlab-bench-check"
    os.makedirs(tmp, exist_ok=True)
    results = []

    def record(r, impl, extra=None):
        if r is None:
            return None
        r["impl"] = impl
        if extra:
            r.update(extra)
        results.append(r)
        print(json.dumps(r), flush=True)
        return r

    def peer_reps(n, name):
        slow = "PyTorch" in name or "tfjs" in name
        return a.big_peer_reps if slow and n > 1024 else a.reps

    def common(n, causal, threads, reps):
        c = ["--n", str(n), "--heads", str(H), "--d", str(D), "--threads", str(threads), "--reps", str(reps)]
        return c + (["--causal"] if causal else [])

    # ---- peaks
    peak = run_json([a.native, "--what", "peak", "--json"])
    wpeak = run_json(NODE + [a.wasm, "--what", "peak", "--json"])
    record(peak, "peak native")
    record(wpeak, "peak wasm")
    native_peak = peak.get(peak["arch"] + "_gflops")
    wasm_peak = wpeak.get("simd128_gflops")

    diffs = {}

    def compare(key, ours_path, peer_path):
        x, y = np.fromfile(ours_path, dtype=np.float32), np.fromfile(peer_path, dtype=np.float32)
        diffs[key] = float(np.abs(x - y).max()) if x.shape == y.shape else float("inf")

    # ---- native: core and mha, ours then peers, per configuration
    for what in ("core", "mha"):
        for n in sizes:
            for causal in (False, True):
                for threads in (1, 2):
                    tag = f"{what}-{n}-{int(causal)}-{threads}"
                    chk = n in (128, 512) and threads == 1  # outputs compared at these sizes
                    ours_dump = f"{tmp}/ours-{what}-{n}-{int(causal)}.bin"
                    cmd = [a.native, "--what", what, "--json"] + common(n, causal, threads, a.reps)
                    record(run_json(cmd + (["--dump", ours_dump] if chk else [])), "attnlab")
                    peers = []
                    if what == "core":
                        peers.append(("onnxruntime MultiHeadAttention op", ["node", "peers/ort_peer.mjs", "--runtime", "node", "--graph", "mha_op"]))
                        peers.append(("onnxruntime MatMul-Softmax-MatMul", ["node", "peers/ort_peer.mjs", "--runtime", "node", "--graph", "matmul_softmax"]))
                        peers.append(("OpenBLAS sgemm-softmax-sgemm", [a.native, "--what", "blas", "--json"]))
                        if not a.no_torch:
                            peers.append(("PyTorch bmm-softmax-bmm", ["/usr/bin/python3", "peers/torch_peer.py", "--what", "core"]))
                    else:
                        peers.append(("onnxruntime MatMul + MultiHeadAttention op", ["node", "peers/ort_peer.mjs", "--runtime", "node", "--graph", "mha_full"]))
                        if not a.no_torch:
                            peers.append(("PyTorch nn.MultiheadAttention", ["/usr/bin/python3", "peers/torch_peer.py", "--what", "mha"]))
                    for name, pcmd in peers:
                        dump = f"{tmp}/{abs(hash(name))}-{tag}.bin"
                        r = record(run_json(pcmd + common(n, causal, threads, peer_reps(n, name)) + (["--dump", dump] if chk else [])), name,
                                   {"what": what, "target": "native"})
                        if chk and r is not None:
                            compare((name, what, n, causal), ours_dump, dump)

    # ---- wasm: ours at every wasm size; peers at the smaller ones
    for what in ("core", "mha"):
        for n in wsizes:
            for causal in (False, True):
                chk = n in (128, 512)
                ours_dump = f"{tmp}/ours-{what}-{n}-{int(causal)}.bin"  # the native output: both must agree
                wdump = f"{tmp}/wasm-{what}-{n}-{int(causal)}.bin"
                record(run_json(NODE + [a.wasm, "--what", what, "--json"] + common(n, causal, 1, a.reps) +
                                (["--dump", wdump] if chk else [])), "attnlab wasm")
                if chk and os.path.exists(ours_dump):
                    compare(("attnlab wasm", what, n, causal), ours_dump, wdump)
                if n not in wpsizes:
                    continue
                peers = []
                if what == "core":
                    peers.append(("onnxruntime-web MultiHeadAttention op", NODE + ["peers/ort_peer.mjs", "--runtime", "web", "--graph", "mha_op"]))
                    peers.append(("onnxruntime-web MatMul-Softmax-MatMul", NODE + ["peers/ort_peer.mjs", "--runtime", "web", "--graph", "matmul_softmax"]))
                    peers.append(("tfjs-backend-wasm", NODE + ["peers/tfjs_peer.mjs"]))
                else:
                    peers.append(("onnxruntime-web MatMul + MultiHeadAttention op", NODE + ["peers/ort_peer.mjs", "--runtime", "web", "--graph", "mha_full"]))
                for name, pcmd in peers:
                    dump = f"{tmp}/{abs(hash(name))}-w-{what}-{n}-{int(causal)}.bin"
                    c = common(n, causal, 1, peer_reps(n, name))
                    if "tfjs" in name:  # always 1 thread: takes no --threads
                        c = c[:6] + c[8:]
                    r = record(run_json(pcmd + c + (["--dump", dump] if chk else [])), name, {"what": what, "target": "wasm"})
                    if chk and r is not None and os.path.exists(ours_dump):
                        compare((name, what, n, causal), ours_dump, dump)

    # ---- memory: peak RSS, tiled vs plain; workspace warm vs fresh
    mem = []
    for n in (2048, 4096):
        for what in ("core", "plain"):
            r = run_json([a.native, "--what", what, "--json", "--n", str(n), "--heads", str(H), "--d", str(D),
                          "--threads", "1", "--reps", "1", "--warmup", "0"])
            if r:
                mem.append(r)
    fresh = []
    for what in ("core", "mha"):
        for fw in (False, True):
            r = run_json([a.native, "--what", what, "--json", "--n", "2048", "--heads", str(H), "--d", str(D),
                          "--threads", "1", "--reps", str(a.reps)] + (["--fresh-workspace"] if fw else []))
            if r:
                fresh.append(r)

    paired = paired_rounds(a, H, D) if a.rounds > 0 else []

    json.dump({"results": results, "memory": mem, "workspace": fresh, "paired": paired,
               "diffs": [[list(k), v] for k, v in diffs.items()]}, open(os.path.join(HERE, "results.json"), "w"), indent=1)
    write_report(a, results, mem, fresh, diffs, native_peak, wasm_peak, peak, wpeak, paired)


def paired_rounds(a, H, D):
    """Every target as a ratio of two measurements taken back to back, --rounds times."""
    def args(n, threads, causal=False):
        c = ["--n", str(n), "--heads", str(H), "--d", str(D), "--threads", str(threads), "--reps", str(a.reps)]
        return c + (["--causal"] if causal else [])

    def ours(what, n, threads, causal=False):
        return ([a.native, "--what", what, "--json"] + args(n, threads, causal), "ms_median")

    def wasm(n):
        return (NODE + [a.wasm, "--what", "core", "--json"] + args(n, 1), "ms_median")

    def ort(graph, n, threads, runtime="node"):
        node = NODE if runtime == "web" else ["node"]
        return (node + ["peers/ort_peer.mjs", "--runtime", runtime, "--graph", graph] + args(n, threads),
                "ms_median")

    def blas(n):
        return ([a.native, "--what", "blas", "--json"] + args(n, 1),
                "ms_median")

    native_peak = ([a.native, "--what", "peak", "--json"], "peak")
    wasm_peak = (NODE + [a.wasm, "--what", "peak", "--json"], "simd128_gflops")

    def gflops(cmd):
        return (cmd[0], "gflops")

    # (label, goal, unit, numerator sides (the smallest is used), denominator side, factor)
    targets = []
    for n in (1024, 2048):
        targets.append((f"native 1 thread N={n}: vs ONNX Runtime MultiHeadAttention op", 1.15, "×",
                        [ort("mha_op", n, 1)], ours("core", n, 1), 1))
        targets.append((f"native 1 thread N={n}: vs OpenBLAS sgemm-softmax-sgemm", 1.5, "×",
                        [blas(n)], ours("core", n, 1), 1))
        targets.append((f"native 1 thread N={n}: % of the 1-core FMA peak", 75, "%",
                        [gflops(ours("core", n, 1))], native_peak, 100))
        targets.append((f"native 2 threads vs 1 thread, N={n}", 1.85, "×",
                        [ours("core", n, 1)], ours("core", n, 2), 1))
    for t in (1, 2):
        targets.append((f"causal vs not causal, N=2048, {t} thread{'s' if t > 1 else ''}", 1.8, "×",
                        [ours("core", 2048, t)], ours("core", 2048, t, True), 1))
    for n in (512, 1024):
        targets.append((f"wasm N={n}: vs onnxruntime-web (its faster graph)", 1.5, "×",
                        [ort("mha_op", n, 1, "web"), ort("matmul_softmax", n, 1, "web")], wasm(n), 1))
        targets.append((f"wasm N={n}: % of the SIMD128 mul+add peak", 70, "%", [gflops(wasm(n))], wasm_peak, 100))
    for t in (1, 2):
        for n in (1024, 2048):
            targets.append((f"full multi-head attention, {t} thread{'s' if t > 1 else ''}, N={n}: vs ONNX Runtime", 1.1,
                            "×", [ort("mha_full", n, t)], ours("mha", n, t), 1))

    # Training (issue 11): one AdamW step of the attn/train Transformer against the same PyTorch
    # module, batch and optimizer (peers/torch_train_peer.py), one thread. Issue 12 adds the
    # seq2seq date translator (Adam step of the twin module, default sizes), whose target is 5×.
    train_shapes = [
        ("reverse n=8 V=10 E=32 H=2 F=64 L=1 B=64",
         ["--task", "reverse", "--length", "8", "--vocab", "10", "--d-model", "32", "--heads", "2", "--d-ff", "64",
          "--layers", "1", "--batch", "64"], 3.0),
        ("induction n=32 V=16 E=64 H=2 F=128 L=2 B=32",
         ["--task", "induction", "--length", "32", "--vocab", "16", "--d-model", "64", "--heads", "2", "--d-ff", "128",
          "--layers", "2", "--batch", "32"], 3.0),
        ("dates seq2seq emb=16 enc=32 dec=64 attn=32 B=64", ["--task", "dates", "--batch", "64"], 5.0),
    ]
    if not a.no_torch:
        for label, shape, native_target in train_shapes:
            reps = ["--reps", str(a.reps)]
            torch_side = (["/usr/bin/python3", "peers/torch_train_peer.py", "--threads", "1"] + shape + reps, "ms_median")
            targets.append((f"training step, {label}: native vs PyTorch (1 thread)", native_target, "×", [torch_side],
                            ([a.native, "--what", "train", "--json"] + shape + reps, "ms_median"), 1))
            targets.append((f"training step, {label}: wasm (node) vs PyTorch native (1 thread)", 1.0, "×", [torch_side],
                            (NODE + [a.wasm, "--what", "train", "--json"] + shape + reps, "ms_median"), 1))

    cpus = sorted(os.sched_getaffinity(0))

    def measure(side, round_index):
        cmd, key = side
        one_thread = "--threads" not in cmd or cmd[cmd.index("--threads") + 1] == "1"
        r = run_json(cmd, cpu=cpus[round_index % len(cpus)] if one_thread else None)
        if r is None:
            return None
        return r[r["arch"] + "_gflops"] if key == "peak" else r.get(key)

    out = []
    for label, goal, unit, nums, den, factor in targets:
        ratios = []
        for i in range(a.rounds):
            sides = nums + [den]
            values = {}
            for j in (range(len(sides)) if i % 2 == 0 else reversed(range(len(sides)))):  # alternate the order
                values[j] = measure(sides[j], i)
            num = [values[j] for j in range(len(nums)) if values[j]]
            if num and values[len(nums)]:
                ratios.append(factor * min(num) / values[len(nums)])
        ratios.sort()
        r = {"target": label, "goal": goal, "unit": unit, "ratios": ratios,
             "median": statistics.median(ratios) if ratios else None}
        print(json.dumps(r), flush=True)
        out.append(r)
    return out


def machine():
    def sh(c):
        try:
            return subprocess.run(c, shell=True, capture_output=True, text=True, cwd=HERE).stdout.strip()
        except Exception:
            return "?"
    model = sh("lscpu | sed -n 's/^Model name: *//p'")
    flags = sh("grep -o -w -E 'avx512f|avx2|fma' /proc/cpuinfo | sort -u | tr '\\n' ' '").strip()
    mem = sh("free -g | awk '/Mem:/{print $2}'")
    osname = sh(". /etc/os-release; echo $PRETTY_NAME")
    gxx = sh("g++ --version | head -1")
    emcc = sh("NODE_PATH=/usr/share/nodejs emcc --version 2>/dev/null | head -1")
    node = sh("node --version")
    torch = sh("/usr/bin/python3 -c 'import torch; print(torch.__version__)'")
    blas = sh("dpkg-query -W -f='${Version}' libopenblas0-pthread")
    ort = sh("node -p \"require('./node_modules/onnxruntime-node/package.json').version\"")
    tfjs = sh("node -p \"require('./node_modules/@tensorflow/tfjs-backend-wasm/package.json').version\"")
    load = sh("cut -d' ' -f1-3 /proc/loadavg")
    flags_node = " ".join(NODE[1:])
    return [
        f"CPU: {model}, {os.cpu_count()} cores ({flags}), {mem} GiB RAM",
        f"OS: {osname}, kernel {platform.release()}",
        f"Compilers: {gxx}; {emcc}",
        f"node {node} (every wasm run: node {flags_node}), PyTorch {torch}, OpenBLAS {blas} (pthread), "
        f"onnxruntime-node/web {ort}, tfjs-backend-wasm {tfjs}",
        f"Load average when the run ended: {load} (a shared 2-core machine: other work was running)",
    ]


def write_report(a, results, mem, fresh, diffs, native_peak, wasm_peak, peak, wpeak, paired):
    def find(impl, what, n, causal, threads, target):
        for r in results:
            if (r.get("impl") == impl and r.get("what") == what and r.get("n") == n and r.get("causal") == causal
                    and r.get("threads") == threads and r.get("target") == target):
                return r
        return None

    L = []
    L.append("# attnlab benchmark results\n")
    L.append(f"Written by `scripts/bench` on {datetime.date.today()}. Heads = 8, d_head = 64 (E = 512); "
             "inputs and parameters are bench/inputs.hpp's, identical for every implementation. "
             f"ms = median wall time of {a.reps} timed calls after warm-up ({a.big_peer_reps} for PyTorch and tfjs "
             "above N = 1024, where one call takes seconds) (cpu = median CPU time of the process "
             "per call); GFLOP/s counts 4·N²·d per head for the core (causal: 4·d·N(N+1)/2) plus 8·N·E² "
             "for the projections of full multi-head attention. Ratios are peer ms / our ms (> 1: we are faster).\n")
    L.append("## Machine\n")
    for m in machine():
        L.append(f"- {m}")
    pk = ", ".join(f"{k[:-7]} {v:.1f}" for k, v in peak.items() if k.endswith("_gflops"))
    L.append(f"- Measured 1-core multiply-add peak (GFLOP/s): {pk}; wasm SIMD128 in node: {wasm_peak:.1f}\n")

    def table(title, what, target, peers, threads_list, sizes, peak_value):
        L.append(f"## {title}\n")
        head = "| N | causal | threads | attnlab ms | cpu ms | GFLOP/s | % peak | % peak (cpu) |"
        sep = "|---|---|---|---|---|---|---|---|"
        for p in peers:
            head += f" {p} ms | ratio |"
            sep += "---|---|"
        L.append(head)
        L.append(sep)
        ours_impl = "attnlab" if target == "native" else "attnlab wasm"
        for n in sizes:
            for causal in (False, True):
                for t in threads_list:
                    o = find(ours_impl, what, n, causal, t, target)
                    if not o:
                        continue
                    row = (f"| {n} | {'yes' if causal else 'no'} | {t} | {o['ms_median']:.2f} | "
                           f"{o.get('cpu_ms_per_call', o.get('cpu_ms_median', float('nan'))):.2f} | {o['gflops']:.1f} | "
                           f"{100 * o['gflops'] / peak_value / t:.0f}% | "
                           f"{100 * o['gflops'] * o['ms_median'] / o.get('cpu_ms_per_call', o['cpu_ms_median']) / peak_value:.0f}% |")
                    for p in peers:
                        r = find(p, what, n, causal, t, target)
                        if not r:
                            row += " – | – |"
                            continue
                        row += f" {r['ms_median']:.2f} | {r['ms_median'] / o['ms_median']:.2f}×"
                        if t == 1 and target == "native" and r.get("cpu_ms_median") and o.get("cpu_ms_median"):
                            row += f" (cpu {r['cpu_ms_median'] / o['cpu_ms_median']:.2f}×)"
                        row += " |"
                    L.append(row)
        L.append("")

    sizes = sorted({r["n"] for r in results if r.get("impl") == "attnlab"})
    wsizes = sorted({r["n"] for r in results if r.get("impl") == "attnlab wasm"})
    table("Native: attention core (Q, K, V given)", "core", "native",
          ["onnxruntime MultiHeadAttention op", "onnxruntime MatMul-Softmax-MatMul", "OpenBLAS sgemm-softmax-sgemm",
           "PyTorch bmm-softmax-bmm"], (1, 2), sizes, native_peak)
    table("Native: full multi-head attention (projections + core + output projection)", "mha", "native",
          ["onnxruntime MatMul + MultiHeadAttention op", "PyTorch nn.MultiheadAttention"], (1, 2), sizes, native_peak)
    table("WebAssembly in node, 1 thread: attention core", "core", "wasm",
          ["onnxruntime-web MultiHeadAttention op", "onnxruntime-web MatMul-Softmax-MatMul", "tfjs-backend-wasm"], (1,),
          wsizes, wasm_peak)
    table("WebAssembly in node, 1 thread: full multi-head attention", "mha", "wasm",
          ["onnxruntime-web MatMul + MultiHeadAttention op"], (1,), wsizes, wasm_peak)
    L.append("% peak = GFLOP/s ÷ (threads × the measured 1-core multiply-add peak of the dispatched ISA, or of "
             "SIMD128 in node). % peak (cpu) = the same work per CPU-second of the process ÷ the 1-core peak: the "
             "per-core efficiency, not inflated or deflated by waiting for a core on this shared machine (in node "
             "CPU time is wall time), from the CPU time of the whole timed loop (per-call CPU times miss a worker "
             "thread's time between scheduler ticks). The native peak is measured in CPU time too.\n")

    L.append("## Outputs checked equal before timing\n")
    L.append("Max |peer − attnlab native| over the (N, 512) output, N = 128 and 512:\n")
    L.append("| implementation | what | N | causal | max abs diff |")
    L.append("|---|---|---|---|---|")
    for (name, what, n, causal), v in sorted(diffs.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], kv[0][3])):
        L.append(f"| {name} | {what} | {n} | {'yes' if causal else 'no'} | {v:.2e} |")
    L.append("")

    L.append("## Memory: peak RSS, tiled (fast path) vs plain ((N, N) scores per head)\n")
    L.append("| N | path | peak RSS MiB | ms (1 call) |")
    L.append("|---|---|---|---|")
    for r in mem:
        L.append(f"| {r['n']} | {'tiled' if r['what'] == 'core' else 'plain'} | {r['peak_rss_mib']:.1f} | {r['ms_median']:.1f} |")
    L.append("\nThe inputs (Q, K, V, output: 4 × N × 512 floats) are 32 MiB at N = 4096; the tiled path adds "
             "per thread one head's packed K and V (O(N·d)) and its tiles, the plain path an (N, N) score and "
             "weight matrix.\n")

    L.append("## Workspace: warm (reused across calls) vs fresh (allocated and first touched every call), N = 2048, 1 thread\n")
    L.append("| what | workspace | ms median | first call ms |")
    L.append("|---|---|---|---|")
    for r in fresh:
        L.append(f"| {r['what']} | {'fresh' if r['fresh_workspace'] else 'warm'} | {r['ms_median']:.2f} | {r['first_call_ms']:.2f} |")
    L.append("")

    # ---- targets
    L.append("## Targets (paired rounds)\n")
    rounds = max((len(p["ratios"]) for p in paired), default=0)
    L.append(f"Each target's two sides ran back to back, in alternating order, {rounds} times (`--rounds`); "
             "the figure is the median of the per-round ratios, with their range. 1-thread runs of a round are "
             "pinned to one CPU, alternating between rounds (the two vCPUs differ by up to 18 % at times). The "
             "tables above are one pass and move with the machine's slow phases; these pairs do not.\n")
    L.append("| target | median | range | goal | |")
    L.append("|---|---|---|---|---|")
    for p in paired:
        f = (lambda v: f"{v:.0f}%") if p["unit"] == "%" else (lambda v: f"{v:.2f}×")
        if p["median"] is None:
            L.append(f"| {p['target']} | not measured | | {f(p['goal'])} | |")
            continue
        verdict = "met" if p["median"] >= p["goal"] else "MISSED"
        L.append(f"| {p['target']} | {f(p['median'])} | {f(p['ratios'][0])} – {f(p['ratios'][-1])} | "
                 f"{f(p['goal'])} | {verdict} |")
    L.append("")
    open(a.out, "w").write("\n".join(L) + "\n")
    print("wrote", a.out)


if __name__ == "__main__":
    main()
