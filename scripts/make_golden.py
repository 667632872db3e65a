#!/usr/bin/python3
"""make_golden.py: golden test cases for attn::multi_head_attention, made by PyTorch itself.

Each case runs torch.nn.MultiheadAttention (batch_first=True, a batch of one, kdim = vdim = E,
dropout 0, need_weights=True, average_attn_weights=False) and writes its inputs, parameters,
output and per-head attention weights to tests/golden/mha_<name>.json, plus the list of case
files to tests/golden/index.json (the C++ test reads the index, so it needs no directory
listing; that also works under Emscripten/node).

Precision: every input and parameter is drawn as float32 and stored with 9 significant digits,
which round-trips exactly to the same float32, so the C++ side sees bit-identical inputs. PyTorch
then computes in float64 on those values, and the expected output and weights are stored with
10 significant digits: the golden values are the exact answer (to ~1e-10) for the float32
inputs, and the C++ float computation is compared against them with an absolute tolerance.

Masks (PyTorch conventions, True = not allowed):
  "causal"               attn_mask = triu(ones(L, S), diagonal=1): query i attends keys j <= i
                         (the same rule when L != S)
  {"key_padding": [...]} key_padding_mask, True = padding key (never attended)
A fully masked row is not included: PyTorch returns NaN there, while attnlab returns zeros on
purpose (the script checks and prints what PyTorch does).

Run:   /usr/bin/python3 scripts/make_golden.py        (Debian's python3-torch and numpy)
The outputs in tests/golden/ are committed; rerun only to change the cases. Seeds are fixed,
so a rerun with the same PyTorch reproduces the files.
"""

import json
import math
import os
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "golden")


def f32_list(t):
    """float32 tensor -> nested lists of floats that round-trip exactly to float32."""
    a = t.detach().to(torch.float32).numpy()
    return _nest(a, lambda x: float(f"{float(x):.9g}"))


def f64_list(t):
    a = t.detach().to(torch.float64).numpy()
    return _nest(a, lambda x: float(f"{float(x):.10g}"))


def _nest(a, conv):
    if a.ndim == 0:
        return conv(a)
    return [_nest(x, conv) for x in a]


def make_case(name, seed, E, h, L, S, bias=True, mask="none", self_attention=False, input_scale=1.0):
    """Build one case. mask: "none", "causal" or a list of bools (key padding, True = pad)."""
    assert E % h == 0
    g = torch.Generator().manual_seed(seed)

    def uniform(*shape, a=1.0):
        return (torch.rand(*shape, generator=g, dtype=torch.float32) * 2 - 1) * a

    # Parameters: uniform with variance ~1/E (like xavier), so projections stay O(1) and the
    # softmax is neither flat nor saturated. Biases are random too (PyTorch initialises them to 0,
    # which would make the bias test vacuous).
    wa = math.sqrt(3.0 / E)
    in_w = uniform(3 * E, E, a=wa)
    in_b = uniform(3 * E, a=0.5) if bias else None
    out_w = uniform(E, E, a=wa)
    out_b = uniform(E, a=0.5) if bias else None

    if self_attention:
        assert L == S
        x = torch.randn(L, E, generator=g, dtype=torch.float32) * input_scale
        q = k = v = x
    else:
        q = torch.randn(L, E, generator=g, dtype=torch.float32) * input_scale
        k = torch.randn(S, E, generator=g, dtype=torch.float32) * input_scale
        v = torch.randn(S, E, generator=g, dtype=torch.float32) * input_scale

    mha = torch.nn.MultiheadAttention(E, h, dropout=0.0, bias=bias, batch_first=True, dtype=torch.float64)
    mha.eval()
    with torch.no_grad():
        mha.in_proj_weight.copy_(in_w.double())
        mha.out_proj.weight.copy_(out_w.double())
        if bias:
            mha.in_proj_bias.copy_(in_b.double())
            mha.out_proj.bias.copy_(out_b.double())
        else:
            assert mha.in_proj_bias is None and mha.out_proj.bias is None

        attn_mask = None
        key_padding_mask = None
        if mask == "causal":
            attn_mask = torch.triu(torch.ones(L, S, dtype=torch.bool), diagonal=1)
            mask_json = "causal"
        elif mask == "none":
            mask_json = "none"
        else:
            pad = list(mask)
            assert len(pad) == S
            key_padding_mask = torch.tensor([pad], dtype=torch.bool)
            mask_json = {"key_padding": [bool(p) for p in pad]}

        out, w = mha(q.double().unsqueeze(0), k.double().unsqueeze(0), v.double().unsqueeze(0),
                     key_padding_mask=key_padding_mask, need_weights=True, attn_mask=attn_mask,
                     average_attn_weights=False)
    out = out[0]  # (L, E)
    w = w[0]      # (h, L, S)
    assert out.shape == (L, E) and w.shape == (h, L, S)
    finite = bool(torch.isfinite(out).all() and torch.isfinite(w).all())

    # Independent check of the layout the C++ side assumes (multihead.hpp), in float64.
    d = E // h
    qd, kd, vd = q.double(), k.double(), v.double()
    Wq, Wk, Wv = in_w.double()[:E], in_w.double()[E:2 * E], in_w.double()[2 * E:]
    Q, K, V = qd @ Wq.T, kd @ Wk.T, vd @ Wv.T
    if bias:
        bq, bk, bv = in_b.double()[:E], in_b.double()[E:2 * E], in_b.double()[2 * E:]
        Q, K, V = Q + bq, K + bk, V + bv
    allowed = torch.ones(L, S, dtype=torch.bool)
    if attn_mask is not None:
        allowed &= ~attn_mask
    if key_padding_mask is not None:
        allowed &= ~key_padding_mask[0].unsqueeze(0)
    heads, ws = [], []
    max_score = 0.0
    for hh in range(h):
        s = Q[:, hh * d:(hh + 1) * d] @ K[:, hh * d:(hh + 1) * d].T / math.sqrt(d)
        max_score = max(max_score, float(s.abs().max()))
        s = s.masked_fill(~allowed, float("-inf"))
        p = torch.softmax(s, dim=-1)
        ws.append(p)
        heads.append(p @ V[:, hh * d:(hh + 1) * d])
    ref = torch.cat(heads, dim=1) @ out_w.double().T
    if bias:
        ref = ref + out_b.double()
    if finite:
        assert torch.allclose(ref, out, atol=1e-12, rtol=0), name
        assert torch.allclose(torch.stack(ws), w, atol=1e-12, rtol=0), name

    case = {
        "name": name,
        "num_heads": h,
        "query": f32_list(q),
        "key": f32_list(k),
        "value": f32_list(v),
        "in_proj_weight": f32_list(in_w),
        "in_proj_bias": f32_list(in_b) if bias else None,
        "out_proj_weight": f32_list(out_w),
        "out_proj_bias": f32_list(out_b) if bias else None,
        "mask": mask_json,
        "expected_output": f64_list(out),
        "expected_weights": f64_list(w),
        "torch_version": torch.__version__,
    }
    return case, finite, max_score


# name, seed, E, h, L, S, options
CASES = [
    ("e8_h2_bias_self", 101, 8, 2, 4, 4, dict(self_attention=True)),
    ("e8_h2_nobias_self", 102, 8, 2, 5, 5, dict(bias=False, self_attention=True)),
    ("e12_h3_causal_self", 103, 12, 3, 6, 6, dict(mask="causal", self_attention=True)),
    ("e16_h4_key_padding", 104, 16, 4, 5, 7, dict(mask=[False, False, True, False, True, True, False])),
    ("e6_h1_cross_L1_S5", 105, 6, 1, 1, 5, {}),
    ("e8_h2_causal_L7_S3", 106, 8, 2, 7, 3, dict(mask="causal")),
    ("e12_h3_causal_L3_S7", 107, 12, 3, 3, 7, dict(mask="causal")),
    ("e16_h4_nobias_key_padding_L7_S3", 108, 16, 4, 7, 3, dict(bias=False, mask=[True, False, False])),
    ("e6_h1_L1_S1", 109, 6, 1, 1, 1, {}),
    ("e8_h8_d1_cross_L5_S6", 110, 8, 8, 5, 6, {}),
    ("e15_h5_d3_cross_L4_S9", 111, 15, 5, 4, 9, {}),
    ("e5_h1_nobias_causal_self", 112, 5, 1, 5, 5, dict(bias=False, mask="causal", self_attention=True)),
    ("e12_h3_key_padding_L1_S5", 113, 12, 3, 1, 5, dict(mask=[False, True, True, True, True])),
    ("e12_h3_large_scores", 114, 12, 3, 6, 5, dict(input_scale=2.5)),
    ("e8_h2_causal_L18_S21", 115, 8, 2, 18, 21, dict(mask="causal")),
    ("e8_h2_key_padding_L20_S70", 116, 8, 2, 20, 70,
     dict(mask=[(j % 7 == 3) or j >= 66 for j in range(70)])),
    ("e20_h4_d5_self", 117, 20, 4, 9, 9, dict(self_attention=True)),
]


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for f in os.listdir(OUT_DIR):
        if f.startswith("mha_") and f.endswith(".json"):
            os.remove(os.path.join(OUT_DIR, f))
    files = []
    total = 0
    for name, seed, E, h, L, S, opts in CASES:
        case, finite, max_score = make_case(name, seed, E, h, L, S, **opts)
        assert finite, f"{name}: PyTorch gave a non-finite result"
        fname = f"mha_{name}.json"
        text = json.dumps(case, separators=(",", ":")) + "\n"
        with open(os.path.join(OUT_DIR, fname), "w") as fh:
            fh.write(text)
        files.append(fname)
        total += len(text)
        print(f"{fname}: E={E} h={h} L={L} S={S} mask={case['mask'] if isinstance(case['mask'], str) else 'key_padding'}"
              f" max|score|={max_score:.2f} {len(text)} bytes")

    # A fully masked row: PyTorch's answer, for the record (not written as a case when undefined).
    probe, finite, _ = make_case("probe_fully_masked", 999, 8, 2, 2, 3, mask=[True, True, True])
    if finite:
        print("note: PyTorch gives a finite answer for a fully masked row; not written (schema has no such case yet)")
    else:
        print("fully masked row: PyTorch gives NaN -> skipped (attnlab returns zeros by design)")

    index = {"torch_version": torch.__version__, "cases": files}
    text = json.dumps(index, indent=1) + "\n"
    with open(os.path.join(OUT_DIR, "index.json"), "w") as fh:
        fh.write(text)
    total += len(text)
    print(f"{len(files)} cases, {total} bytes total, torch {torch.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    sys.exit(main())
