#!/usr/bin/python3
"""run_bench.py: runs attnlab-bench (native and wasm) and its peers on the same inputs, checks
their outputs against ours, and writes bench/RESULTS.md (and bench/results.json). Called by
scripts/bench, which builds and installs what this needs; never part of the tests.

Order: for every configuration, our run and every peer's run follow each other, so the
ratios compare runs made seconds apart on this shared machine. Each result is the median
of --reps timed calls after warm-up (ours: always ≥ 20; peers: 20 up to N = 1024, fewer above,
where one call takes seconds; the count is in results.json). CPU time medians are shown beside
wall time for 1-thread rows: they do not count time the process spent waiting for a core.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
NODE = ["node", "--no-experimental-fetch", "--no-liftoff"]  # the same flags for every wasm run


def run_json(cmd, timeout=3600):
    env = dict(os.environ)
    # attnlab-bench links OpenBLAS (for --what blas); its worker threads start with the process and
    # spin for a while, stealing a core from our own runs. Start it with the threads the run uses
    # (the blas path sets the count again itself).
    threads = cmd[cmd.index("--threads") + 1] if "--threads" in cmd else "1"
    env["OPENBLAS_NUM_THREADS"] = threads if "blas" in cmd else "1"
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=HERE, env=env)
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
    ap.add_argument("--big-peer-reps", type=int, default=5, help="peer repetitions for N ≥ 2048")
    ap.add_argument("--no-torch", action="store_true")
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
                     wpeak["simd128_gflops"], peak, wpeak)
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

    def peer_reps(n):
        return a.reps if n <= 1024 else a.big_peer_reps

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
                    pr = peer_reps(n)
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
                        r = record(run_json(pcmd + common(n, causal, threads, pr) + (["--dump", dump] if chk else [])), name,
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
                    c = common(n, causal, 1, peer_reps(n))
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

    json.dump({"results": results, "memory": mem, "workspace": fresh,
               "diffs": [[list(k), v] for k, v in diffs.items()]}, open(os.path.join(HERE, "results.json"), "w"), indent=1)
    write_report(a, results, mem, fresh, diffs, native_peak, wasm_peak, peak, wpeak)


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


def write_report(a, results, mem, fresh, diffs, native_peak, wasm_peak, peak, wpeak):
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
             "ms = median wall time of the timed calls after warm-up (cpu = median CPU time of the process "
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
                           f"{o.get('cpu_ms_median', float('nan')):.2f} | {o['gflops']:.1f} | "
                           f"{100 * o['gflops'] / peak_value / t:.0f}% | "
                           f"{100 * o['gflops'] * o['ms_median'] / o['cpu_ms_median'] / peak_value:.0f}% |")
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
             "CPU time is wall time). The native peak is measured in CPU time too.\n")

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
             "packed K and V (O(N·d)) and per-thread tiles, the plain path an (N, N) score and weight matrix.\n")

    L.append("## Workspace: warm (reused across calls) vs fresh (allocated and first touched every call), N = 2048, 1 thread\n")
    L.append("| what | workspace | ms median | first call ms |")
    L.append("|---|---|---|---|")
    for r in fresh:
        L.append(f"| {r['what']} | {'fresh' if r['fresh_workspace'] else 'warm'} | {r['ms_median']:.2f} | {r['first_call_ms']:.2f} |")
    L.append("")

    # ---- targets
    L.append("## Targets\n")

    def ratio(peer, what, n, causal, t, target, key="ms_median"):
        o = find("attnlab" if target == "native" else "attnlab wasm", what, n, causal, t, target)
        p = find(peer, what, n, causal, t, target)
        return (p[key] / o[key]) if (o and p and p.get(key) and o.get(key)) else None

    L.append("Ratios are given in wall time and, for native 1-thread runs, in CPU time (the process's "
             "CPU-seconds per call, which a busy machine does not inflate); a target is met when the "
             "figure named reaches it.\n")

    def line(text, value, goal, fmt="{:.2f}×"):
        if value is None:
            L.append(f"- {text}: not measured")
        else:
            L.append(f"- {text}: {fmt.format(value)} (target {fmt.format(goal)}) — {'met' if value >= goal else 'MISSED'}")

    for n in (1024, 2048):
        for key, label in (("ms_median", "wall"), ("cpu_ms_median", "CPU time")):
            line(f"native 1 thread N={n}: vs ONNX Runtime MultiHeadAttention op ({label})",
                 ratio("onnxruntime MultiHeadAttention op", "core", n, False, 1, "native", key), 1.15)
            line(f"native 1 thread N={n}: vs OpenBLAS baseline ({label})",
                 ratio("OpenBLAS sgemm-softmax-sgemm", "core", n, False, 1, "native", key), 1.5)
        o = find("attnlab", "core", n, False, 1, "native")
        if o:
            line(f"native 1 thread N={n}: % of 1-core FMA peak (wall)", 100 * o["gflops"] / native_peak, 75, "{:.0f}%")
            cpu_g = o["gflops"] * o["ms_median"] / o["cpu_ms_median"]
            line(f"native 1 thread N={n}: % of 1-core FMA peak (CPU time)", 100 * cpu_g / native_peak, 75, "{:.0f}%")
    for n in [s for s in sizes if s >= 1024]:
        o1, o2 = find("attnlab", "core", n, False, 1, "native"), find("attnlab", "core", n, False, 2, "native")
        line(f"native 2 threads vs 1 thread, N={n}", o1["ms_median"] / o2["ms_median"] if o1 and o2 else None, 1.85)
    for t in (1, 2):
        nc, c = find("attnlab", "core", 2048, False, t, "native"), find("attnlab", "core", 2048, True, t, "native")
        line(f"causal vs not causal, N=2048, {t} thread(s) (wall)", nc["ms_median"] / c["ms_median"] if nc and c else None, 1.8)
        if t == 1:
            line("causal vs not causal, N=2048, 1 thread (CPU time)",
                 nc["cpu_ms_median"] / c["cpu_ms_median"] if nc and c else None, 1.8)
    for n in (512, 1024):
        best = [ratio(p, "core", n, False, 1, "wasm") for p in ("onnxruntime-web MultiHeadAttention op", "onnxruntime-web MatMul-Softmax-MatMul")]
        best = [b for b in best if b is not None]
        line(f"wasm N={n}: vs onnxruntime-web (its faster graph)", min(best) if best else None, 1.5)
        o = find("attnlab wasm", "core", n, False, 1, "wasm")
        if o:
            line(f"wasm N={n}: % of SIMD128 mul+add peak", 100 * o["gflops"] / wasm_peak, 70, "{:.0f}%")
    for t in (1, 2):
        for n in (1024, 2048):
            for key, label in (("ms_median", "wall"), ("cpu_ms_median", "CPU time")):
                if t == 2 and key == "cpu_ms_median":
                    continue
                line(f"full multi-head attention, {t} thread(s), N={n}: vs ONNX Runtime ({label})",
                     ratio("onnxruntime MatMul + MultiHeadAttention op", "mha", n, False, t, "native", key), 1.1)
    L.append("")
    open(a.out, "w").write("\n".join(L) + "\n")
    print("wrote", a.out)


if __name__ == "__main__":
    main()
