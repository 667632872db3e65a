#!/usr/bin/python3
"""make_model_golden.py: model files exchanged with PyTorch, both ways (tests/golden/model/).

The model is issue 11's PyTorch module (Twin below): tok_emb = nn.Embedding(vocab, d_model) (series:
in_proj = nn.Linear(1, d_model)), pos_emb = nn.Embedding(max_len, d_model) or the fixed sinusoidal
table (a non-persistent buffer: no tensor), layers = nn.ModuleList of nn.TransformerEncoderLayer(
d_model, heads, d_ff, dropout=0.0, activation, batch_first=True, norm_first=True) called with a
causal src_mask when causal, norm = nn.LayerNorm(d_model), head = nn.Linear(d_model, vocab or 1).

1. PyTorch writes, the core reads: for each case in TORCH_CASES a Twin with random float32
   parameters (every tensor, LayerNorms and biases included, so no path is trivially zero) is
   saved as torch_<case>.safetensors: its state_dict in state_dict order, F32, __metadata__
   {"format": "pt", "step": "0", "config": <the config JSON>}, written by hand (Debian has no
   safetensors package). torch_<case>.json holds fixed inputs and the logits PyTorch computes for
   them in float64 from the float32 parameters.
2. The core writes, PyTorch reads: for every core_<case>.safetensors already in the folder (made
   by `attnlab train`, see CORE_CASES for the commands), the file is read here, its config turned
   into a Twin, and load_state_dict(strict=True) must accept its tensors unchanged; the logits
   PyTorch computes for fixed inputs go to core_<case>.json.
index.json lists every case for the C++ test (tests/core/test_model_golden.cpp), which loads each
file with attn::read_model_file and compares its logits with PyTorch's.

Run:   /usr/bin/python3 scripts/make_model_golden.py   (Debian's python3-torch and numpy)
Seeds are fixed, so a rerun with the same PyTorch reproduces the files.
"""

import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "golden", "model")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_train_golden import Draw, causal_mask, randomize, sinusoidal, tensor64  # noqa: E402

DT = torch.float64

# The commands that made the core-written files (run from the repository root after a build).
CORE_CASES = {
    "core_reverse": "build/native/native/attnlab train --task reverse --length 6 --vocab 7 --d-model 16 --heads 2 "
                    "--d-ff 32 --steps 150 --seed 1 -o tests/golden/model/core_reverse.safetensors",
    "core_induction": "build/native/native/attnlab train --task induction --length 10 --vocab 8 --k 3 --d-model 8 "
                      "--heads 2 --d-ff 16 --layers 2 --positions sinusoidal --activation gelu --steps 40 --seed 2 "
                      "-o tests/golden/model/core_induction.safetensors",
    "core_series": "build/native/native/attnlab train --task series --length 8 --d-model 8 --heads 2 --d-ff 16 "
                   "--steps 30 --seed 3 -o tests/golden/model/core_series.safetensors",
}


class Twin(nn.Module):
    """Issue 11's module, built from a model file's config."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        E = cfg["d_model"]
        self.tokens = cfg["task"]["name"] != "series"
        if self.tokens:
            self.tok_emb = nn.Embedding(cfg["vocab"], E)
        else:
            self.in_proj = nn.Linear(1, E)
        if cfg["positions"] == "learned":
            self.pos_emb = nn.Embedding(cfg["max_len"], E)
        else:
            self.register_buffer("pe", sinusoidal(cfg["max_len"], E), persistent=False)
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(E, cfg["heads"], cfg["d_ff"], dropout=0.0, activation=cfg["activation"],
                                       batch_first=True, norm_first=True) for _ in range(cfg["layers"])])
        self.norm = nn.LayerNorm(E)
        self.head = nn.Linear(E, cfg["vocab"] if self.tokens else 1)

    def forward(self, x):
        n = x.shape[1]
        h = self.tok_emb(x) if self.tokens else self.in_proj(x.unsqueeze(-1))
        h = h + (self.pos_emb(torch.arange(n)) if self.cfg["positions"] == "learned" else self.pe[:n].to(h.dtype))
        mask = causal_mask(n) if self.cfg["causal"] else None
        for layer in self.layers:
            h = layer(h, src_mask=mask)
        return self.head(self.norm(h))


def config(task, vocab, d_model, heads, d_ff, layers, max_len, positions, activation, causal):
    """The config object of a model file: exactly issue 11's keys, in its order."""
    return {"model": "transformer", "vocab": vocab, "d_model": d_model, "heads": heads, "d_ff": d_ff,
            "layers": layers, "max_len": max_len, "positions": positions, "activation": activation,
            "causal": causal, "task": task}


TORCH_CASES = {
    "torch_reverse": config({"name": "reverse", "length": 6, "vocab": 7}, 7, 8, 2, 16, 2, 6, "learned", "relu",
                            False),
    "torch_induction": config({"name": "induction", "length": 9, "vocab": 6, "k": 3}, 6, 12, 3, 20, 2, 9,
                              "sinusoidal", "gelu", True),
    "torch_series": config({"name": "series", "length": 7, "noise": 0.05}, 1, 8, 2, 16, 1, 7, "learned", "gelu",
                           True),
}


# ---- safetensors, by hand -----------------------------------------------------------------

def write_safetensors(path, state_dict, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in state_dict.items():
        raw = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    """{name: float64 tensor}, metadata. Reads F32 only (what the core writes)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", (name, info["dtype"])
        b, e = info["data_offsets"]
        a = np.frombuffer(data[b:e], dtype="<f4").astype(np.float64).reshape(info["shape"])
        tensors[name] = torch.from_numpy(a.copy())
    return tensors, meta


# ---- cases --------------------------------------------------------------------------------

def inputs_for(cfg, r):
    """Two fixed inputs: a batch of 2 at max_len, and one shorter sequence."""
    n = cfg["max_len"]
    if cfg["task"]["name"] == "series":
        return [r.uniform(2, n, a=1.2), r.uniform(1, max(1, n - 3), a=1.2)]
    return [r.ints(2, n, high=cfg["task"]["vocab"]), r.ints(1, max(1, n - 3), high=cfg["vocab"])]


def logits_case(model, cfg, r):
    model.train()  # dropout is 0; train mode keeps PyTorch 1.13 off its fused inference fast path
    out = []
    for x in inputs_for(cfg, r):
        y = model(x if cfg["task"]["name"] != "series" else x.to(DT))
        B, n = x.shape
        data = [[int(v) for v in row] for row in x] if cfg["task"]["name"] != "series" else \
            [[float(f"{float(v):.9g}") for v in row] for row in x]
        out.append({"input": data, "expected_logits": tensor64(y.reshape(B * n, -1))})
    return out


def torch_case(name, cfg, seed):
    torch.manual_seed(seed)
    model = Twin(cfg).to(DT)
    r = Draw(seed)
    randomize(model, r)
    path = os.path.join(OUT_DIR, name + ".safetensors")
    write_safetensors(path, model.state_dict(),
                      {"format": "pt", "step": "0", "config": json.dumps(cfg, separators=(",", ":"))})
    case = {"name": name, "file": name + ".safetensors", "written_by": "pytorch", "config": cfg,
            "cases": logits_case(model, cfg, r), "torch_version": torch.__version__}
    print(f"{name}: {os.path.getsize(path)} bytes")
    return case


def core_case(name, seed):
    path = os.path.join(OUT_DIR, name + ".safetensors")
    tensors, meta = read_safetensors(path)
    cfg = json.loads(meta["config"])
    model = Twin(cfg).to(DT)
    model.load_state_dict(tensors, strict=True)  # the core's names and shapes, unchanged
    r = Draw(seed)
    case = {"name": name, "file": name + ".safetensors", "written_by": "attnlab", "command": CORE_CASES[name],
            "step": int(meta["step"]), "config": cfg, "cases": logits_case(model, cfg, r),
            "torch_version": torch.__version__}
    print(f"{name}: loaded into PyTorch with load_state_dict(strict=True): {len(tensors)} tensors, "
          f"step {meta['step']}")
    return case


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.set_num_threads(1)
    index = []
    for i, (name, cfg) in enumerate(TORCH_CASES.items()):
        case = torch_case(name, cfg, 501 + i)
        write_json(name, case)
        index.append(name + ".json")
    for i, name in enumerate(CORE_CASES):
        if not os.path.exists(os.path.join(OUT_DIR, name + ".safetensors")):
            print(f"{name}: no {name}.safetensors; make it with\n  {CORE_CASES[name]}")
            continue
        write_json(name, core_case(name, 601 + i))
        index.append(name + ".json")
    with open(os.path.join(OUT_DIR, "index.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": index}, f, indent=1)
        f.write("\n")


def write_json(name, case):
    with open(os.path.join(OUT_DIR, name + ".json"), "w") as f:
        json.dump(case, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
