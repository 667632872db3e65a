#!/usr/bin/python3
"""train_vs_torch.py: issue 11's and 12's training speed targets, in paired rounds.

  /usr/bin/python3 bench/train_vs_torch.py [--build build] [--rounds 3] [--tasks reverse,induction,dates]

For each task, each round runs attnlab-bench --what train natively, the wasm build in node and
PyTorch (peers/torch_train_peer.py, the twin module, one thread) back to back, in an order that
rotates between rounds; the figure is the median of the per-round ratios (PyTorch ms / attnlab
ms, > 1: attnlab is faster), with their range. The shapes are the issues' (issue 11: reverse and
induction; issue 12: dates at batch 64). Prints a Markdown table for bench/RESULTS.md. The machine
is shared: compare only figures of one run.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SHAPES = {
    "reverse": ["--task", "reverse", "--length", "8", "--vocab", "10", "--d-model", "32", "--heads", "2",
                "--d-ff", "64", "--layers", "1", "--batch", "64"],
    "induction": ["--task", "induction", "--length", "32", "--vocab", "16", "--d-model", "64", "--heads", "2",
                  "--d-ff", "128", "--layers", "2", "--batch", "32"],
    "dates": ["--task", "dates", "--batch", "64"],
}
GOALS = {"native": {"reverse": 3.0, "induction": 3.0, "dates": 5.0}, "wasm": {"reverse": 1.0, "induction": 1.0, "dates": 1.0}}


def run(cmd):
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    lines = [l for l in out.splitlines() if l.startswith("{")]
    if not lines:
        sys.exit(f"no JSON line from {' '.join(cmd)}")
    return json.loads(lines[-1])["ms_median"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tasks", default="reverse,induction,dates")
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    native = os.path.join(args.build, "native", "bench", "attnlab-bench")
    wasm = os.path.join(args.build, "wasm", "bench", "attnlab-bench.js")
    common = ["--what", "train", "--threads", "1", "--json", "--reps", str(args.reps), "--warmup", "3"]
    rows = []
    for task in args.tasks.split(","):
        shape = SHAPES[task]
        sides = {
            "native": [native] + common + shape,
            "wasm": ["node", "--no-experimental-fetch", "--no-liftoff", wasm] + common + shape,
            "torch": ["/usr/bin/python3", os.path.join("bench", "peers", "torch_train_peer.py"), "--threads", "1",
                      "--reps", str(max(5, args.reps // 2)), "--warmup", "2"] + shape,
        }
        order = list(sides)
        ms = {k: [] for k in sides}
        for r in range(args.rounds):
            for k in order[r % 3:] + order[:r % 3]:
                ms[k].append(run(sides[k]))
                print(f"# {task} round {r + 1}: {k} {ms[k][-1]:.2f} ms", file=sys.stderr)
        for side in ("native", "wasm"):
            ratios = [t / a for t, a in zip(ms["torch"], ms[side])]
            goal = GOALS[side][task]
            med = statistics.median(ratios)
            rows.append((task, side, statistics.median(ms[side]), statistics.median(ms["torch"]), med, min(ratios),
                         max(ratios), goal))
    load = os.getloadavg()[0]
    print(f"| task | attnlab | attnlab ms | PyTorch ms | PyTorch / attnlab | range | goal | |")
    print("|---|---|---|---|---|---|---|---|")
    for task, side, a, t, med, lo, hi, goal in rows:
        print(f"| {task} | {side} | {a:.2f} | {t:.2f} | {med:.2f}× | {lo:.2f}× – {hi:.2f}× | {goal:.0f}× | "
              f"{'met' if med >= goal else 'not met'} |")
    print(f"\n{args.rounds} rounds, load average {load:.1f} at the end.")


if __name__ == "__main__":
    main()
