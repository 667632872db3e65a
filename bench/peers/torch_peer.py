#!/usr/bin/python3
"""torch_peer.py: PyTorch (Debian python3-torch, CPU) as a peer of attnlab-bench.

  /usr/bin/python3 torch_peer.py --what core|mha --n N --heads H --d D [--causal] [--threads T]
                                 [--reps R] [--warmup W] [--dump FILE]

core: per-head softmax(Q_h K_hᵀ/√d + mask) V_h written as an engineer would with torch 1.13
(bmm, softmax, bmm; 1.13 has no scaled_dot_product_attention), with the head reshapes inside the
timed call. mha: torch.nn.MultiheadAttention (batch_first, eval, no grad, need_weights=False,
which takes its fused inference path). Inputs are bench/inputs.hpp's, bit for bit.
Prints one JSON line like attnlab-bench.
"""
import argparse
import json
import math
import time

import numpy as np
import torch


def input_matrix(rows, cols, seed, scale=1.0):
    i = np.arange(rows * cols, dtype=np.uint64)
    h = ((i + np.uint64(seed) * np.uint64(0x9E3779B9)) & np.uint64(0xFFFFFFFF)).astype(np.uint64)
    m = np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & m
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & m
    h ^= h >> np.uint64(16)
    v = (h >> np.uint64(8)).astype(np.float32) * np.float32(1.0 / 8388608.0) - np.float32(1.0)
    return (np.float32(scale) * v).reshape(rows, cols)


SEED = dict(Q=1, K=2, V=3, X=4, InW=5, InB=6, OutW=7, OutB=8)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--what", default="core")
    p.add_argument("--n", type=int, default=512)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--d", type=int, default=64)
    p.add_argument("--causal", action="store_true")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--dump", default="")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    n, H, d = a.n, a.heads, a.d
    E = H * d
    mask = None
    if a.causal:
        mask = torch.triu(torch.full((n, n), float("-inf")), diagonal=1)

    if a.what == "core":
        q, k, v = (torch.from_numpy(input_matrix(n, E, SEED[s])) for s in "QKV")
        scale = 1.0 / math.sqrt(d)

        def step():
            qh = q.view(n, H, d).transpose(0, 1)  # (H, n, d)
            kh = k.view(n, H, d).transpose(0, 1)
            vh = v.view(n, H, d).transpose(0, 1)
            s = torch.bmm(qh, kh.transpose(1, 2)) * scale
            if mask is not None:
                s = s + mask
            o = torch.bmm(torch.softmax(s, dim=-1), vh)
            return o.transpose(0, 1).reshape(n, E)
    else:
        x = torch.from_numpy(input_matrix(n, E, SEED["X"])).unsqueeze(0)
        mha = torch.nn.MultiheadAttention(E, H, batch_first=True)
        with torch.no_grad():
            mha.in_proj_weight.copy_(torch.from_numpy(input_matrix(3 * E, E, SEED["InW"], 0.0625)))
            mha.in_proj_bias.copy_(torch.from_numpy(input_matrix(1, 3 * E, SEED["InB"], 0.125)[0]))
            mha.out_proj.weight.copy_(torch.from_numpy(input_matrix(E, E, SEED["OutW"], 0.0625)))
            mha.out_proj.bias.copy_(torch.from_numpy(input_matrix(1, E, SEED["OutB"], 0.125)[0]))
        mha.eval()

        def step():
            out, _ = mha(x, x, x, attn_mask=mask, need_weights=False)
            return out[0]

    with torch.inference_mode():
        t0 = time.perf_counter()
        out = step()
        first = (time.perf_counter() - t0) * 1e3
        for _ in range(a.warmup):
            step()
        ms, cpu = [], []
        for _ in range(a.reps):
            c0 = time.process_time()  # CPU time of the process, all threads
            t0 = time.perf_counter()
            out = step()
            ms.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)

    def median_of(v):
        v = sorted(v)
        return v[len(v) // 2] if len(v) % 2 else 0.5 * (v[len(v) // 2 - 1] + v[len(v) // 2])

    median = median_of(ms)
    if a.dump:
        out.contiguous().numpy().astype(np.float32).tofile(a.dump)
    pairs = 0.5 * n * (n + 1) if a.causal else n * n
    flops = 4 * pairs * d * H + (8 * n * E * E if a.what == "mha" else 0)
    print(json.dumps(dict(what=a.what, peer="pytorch " + ("bmm-softmax-bmm" if a.what == "core" else "nn.MultiheadAttention"),
                          n=n, heads=H, d=d, causal=a.causal, threads=a.threads, reps=a.reps, ms_median=median,
                          ms_min=min(ms), cpu_ms_median=median_of(cpu), first_call_ms=first, gflops=flops / (median * 1e-3) * 1e-9, target="native",
                          version=torch.__version__)))


if __name__ == "__main__":
    main()
