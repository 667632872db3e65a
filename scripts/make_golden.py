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

Weights files (attnlab compute --weights): one nn.MultiheadAttention (E = 8, 2 heads, biases) is
also saved as a PyTorch state_dict in the safetensors format, under the prefix
"encoder.layers.0.self_attn." next to a few unrelated tensors (a LayerNorm, an I64 buffer), in
four dtypes: mha_weights.safetensors (F32), mha_weights_f16/_bf16/_f64.safetensors. Debian has no
safetensors package, so write_safetensors() writes the format by hand (8-byte little-endian
header length, JSON header padded with spaces to 8 bytes, then the data). mha_weights.json is a
spec the CLI runs as is (attnlab compute mha_weights.json --weights mha_weights.safetensors); its
"_" fields (ignored by the CLI) hold, per file, PyTorch's float64 output and weights for exactly
the parameters that file stores (after rounding to its dtype), and for the float64 master.

Run:   /usr/bin/python3 scripts/make_golden.py        (Debian's python3-torch and numpy)
The outputs in tests/golden/ are committed; rerun only to change the cases. Seeds are fixed,
so a rerun with the same PyTorch reproduces the files.
"""

import json
import math
import os
import struct
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


# ---- Weights files (safetensors) ------------------------------------------------------------

WEIGHTS_PREFIX = "encoder.layers.0.self_attn."


def write_safetensors(path, tensors, metadata=None):
    """tensors: [(name, dtype, shape, little-endian bytes)] in data order. Returns the file size."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    offset = 0
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the format pads the header with spaces (0x20) to 8 bytes
    blob = struct.pack("<Q", len(text)) + text + b"".join(raw for _, _, _, raw in tensors)
    with open(path, "wb") as fh:
        fh.write(blob)
    return len(blob)


def encode(t, dtype):
    """float64 tensor -> (little-endian bytes in dtype, the float64 values those bytes hold)."""
    if dtype == "F64":
        a = t.detach().numpy().astype("<f8")
        return a.tobytes(), torch.from_numpy(a.astype(np.float64))
    if dtype == "F32":
        a = t.detach().to(torch.float32).numpy().astype("<f4")
        return a.tobytes(), torch.from_numpy(a.astype(np.float64))
    if dtype == "F16":
        a = t.detach().to(torch.float32).numpy().astype("<f2")  # numpy rounds to nearest even
        return a.tobytes(), torch.from_numpy(a.astype(np.float64))
    if dtype == "BF16":
        b = t.detach().to(torch.bfloat16)
        raw = b.view(torch.int16).numpy().astype("<i2").tobytes()
        return raw, b.to(torch.float64)
    if dtype == "I64":
        a = t.detach().numpy().astype("<i8")
        return a.tobytes(), None
    raise ValueError(dtype)


def mha_forward(params, q, k, v, E, h):
    """PyTorch's nn.MultiheadAttention in float64 with the given parameters (float64 tensors)."""
    mha = torch.nn.MultiheadAttention(E, h, dropout=0.0, bias=True, batch_first=True, dtype=torch.float64)
    mha.eval()
    with torch.no_grad():
        mha.in_proj_weight.copy_(params["in_proj_weight"])
        mha.in_proj_bias.copy_(params["in_proj_bias"])
        mha.out_proj.weight.copy_(params["out_proj.weight"])
        mha.out_proj.bias.copy_(params["out_proj.bias"])
        out, w = mha(q.unsqueeze(0), k.unsqueeze(0), v.unsqueeze(0), need_weights=True, average_attn_weights=False)
    return out[0], w[0]


def make_weights_files():
    E, h, L, S = 8, 2, 4, 6
    g = torch.Generator().manual_seed(201)
    wa = math.sqrt(3.0 / E)

    def uniform(*shape, a=1.0):
        return (torch.rand(*shape, generator=g, dtype=torch.float64) * 2 - 1) * a

    # The float64 master parameters (state_dict names); every file stores them rounded to its dtype.
    master = {
        "in_proj_weight": uniform(3 * E, E, a=wa),
        "in_proj_bias": uniform(3 * E, a=0.5),
        "out_proj.weight": uniform(E, E, a=wa),
        "out_proj.bias": uniform(E, a=0.5),
    }
    q = torch.randn(L, E, generator=g, dtype=torch.float32)
    k = torch.randn(S, E, generator=g, dtype=torch.float32)
    v = torch.randn(S, E, generator=g, dtype=torch.float32)
    qd, kd, vd = q.double(), k.double(), v.double()
    # Unrelated tensors of the same checkpoint: the CLI must pick the attention layer's by name.
    extra = {
        "encoder.layers.0.norm1.weight": torch.ones(E, dtype=torch.float64),
        "encoder.layers.0.norm1.bias": torch.zeros(E, dtype=torch.float64),
    }
    position_ids = torch.arange(S, dtype=torch.int64).reshape(1, S)

    master_out, master_w = mha_forward(master, qd, kd, vd, E, h)
    variants = {}
    total = 0
    for dtype, fname in [("F32", "mha_weights.safetensors"), ("F16", "mha_weights_f16.safetensors"),
                         ("BF16", "mha_weights_bf16.safetensors"), ("F64", "mha_weights_f64.safetensors")]:
        tensors, stored = [], {}
        for name, t in list(master.items()) + list(extra.items()):
            full = name if name.startswith("encoder.layers.0.norm1") else WEIGHTS_PREFIX + name
            raw, values = encode(t, dtype)
            tensors.append((full, dtype, tuple(t.shape), raw))
            stored[name] = values
        raw, _ = encode(position_ids, "I64")
        tensors.append(("embeddings.position_ids", "I64", tuple(position_ids.shape), raw))
        size = write_safetensors(os.path.join(OUT_DIR, fname), tensors, metadata={"format": "pt"})
        total += size
        out, w = mha_forward({n: stored[n] for n in master}, qd, kd, vd, E, h)
        d_out = float((out - master_out).abs().max())
        d_w = float((w - master_w).abs().max())
        variants[dtype] = {"file": fname, "expected_output": f64_list(out), "expected_weights": f64_list(w),
                           "max_diff_from_master_output": d_out, "max_diff_from_master_weights": d_w}
        print(f"{fname}: {dtype}, {size} bytes; PyTorch output with these rounded weights differs from the"
              f" float64 master's by {d_out:.3g} (weights {d_w:.3g})")
        if dtype == "F32":
            f32_params = {n: f32_list(stored[n].float()) for n in master}

    spec = {
        "_about": "Runs as is: attnlab compute mha_weights.json --weights mha_weights.safetensors. The in/out "
                  "projections come from the file (PyTorch state_dict names under _prefix). _variants: "
                  "PyTorch's float64 output and per-head weights for the parameters each file stores; "
                  "_master: for the float64 parameters before rounding. Made by scripts/make_golden.py.",
        "attention": "multi_head",
        "num_heads": h,
        "query": f32_list(q),
        "key": f32_list(k),
        "value": f32_list(v),
        "_prefix": WEIGHTS_PREFIX,
        "_variants": variants,
        "_master": {"expected_output": f64_list(master_out), "expected_weights": f64_list(master_w)},
        "_f32_parameters": {"in_proj_weight": f32_params["in_proj_weight"], "in_proj_bias": f32_params["in_proj_bias"],
                            "out_proj_weight": f32_params["out_proj.weight"],
                            "out_proj_bias": f32_params["out_proj.bias"]},
        "torch_version": torch.__version__,
    }
    spec["_torch_version"] = spec.pop("torch_version")
    text = json.dumps(spec, separators=(",", ":")) + "\n"
    with open(os.path.join(OUT_DIR, "mha_weights.json"), "w") as fh:
        fh.write(text)
    print(f"mha_weights.json: {len(text)} bytes")
    return total + len(text)


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

    total += make_weights_files()  # not in the index: the core tests do not read weights files

    index = {"torch_version": torch.__version__, "cases": files}
    text = json.dumps(index, indent=1) + "\n"
    with open(os.path.join(OUT_DIR, "index.json"), "w") as fh:
        fh.write(text)
    total += len(text)
    print(f"{len(files)} cases, {total} bytes total, torch {torch.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    sys.exit(main())
