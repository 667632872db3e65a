#!/usr/bin/python3
"""make_seq2seq_golden.py: golden cases for the additive-attention encoder-decoder
(attn/train/seq2seq.hpp), made by PyTorch's autograd on the module it mirrors (Seq2SeqAdditive
below, issue 12).

Writes tests/golden/seq2seq/<case>.json, tests/golden/seq2seq/index.json, and
tests/golden/seq2seq/torch_model.safetensors (a model file written here, by PyTorch's
state_dict, in the layout of attn/train/seq2seq_file.hpp: the C++ test loads it and must give
the logits stored in torch_model.json).

Each case: the config, every parameter by its state_dict name (float32 values), a batch of
sources of mixed lengths (padded with <pad> = 0) and targets, and PyTorch's logits (B, T, Vt),
attention weights (B, T, n), loss (mean cross-entropy over all B*T targets) and the gradient of
every parameter. Parameters are drawn as float32 and written with 9 significant digits (exact);
PyTorch computes in float64 and expected values carry 10 significant digits.

shipped_dates.json: the shipped models/dates.safetensors (attnlab's own training) run by the
twin module: logits, attention weights and greedy outputs on five dates.

With --check-model FILE: loads a model file written by attnlab (our writer) into the module
with load_state_dict (strict) and prints its greedy translation of a few dates, so a file of
ours is seen to load in PyTorch unchanged.

Run:   /usr/bin/python3 scripts/make_seq2seq_golden.py   (Debian's python3-torch)
"""

import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "golden", "seq2seq")
DT = torch.float64


class Attn(nn.Module):
    def __init__(self, dec_hidden, enc2, attn_hidden):
        super().__init__()
        self.W_s = nn.Linear(dec_hidden, attn_hidden, bias=False)
        self.W_h = nn.Linear(enc2, attn_hidden)
        self.v = nn.Linear(attn_hidden, 1, bias=False)


class Seq2SeqAdditive(nn.Module):
    """The twin of attn::Seq2Seq (issue 12)."""

    def __init__(self, vs, vt, emb, enc_hidden, dec_hidden, attn_hidden):
        super().__init__()
        e2 = 2 * enc_hidden
        self.src_emb = nn.Embedding(vs, emb)
        self.encoder = nn.GRU(emb, enc_hidden, batch_first=True, bidirectional=True)
        self.init = nn.Linear(e2, dec_hidden)
        self.tgt_emb = nn.Embedding(vt, emb)
        self.attn = Attn(dec_hidden, e2, attn_hidden)
        self.decoder = nn.GRUCell(emb + e2, dec_hidden)
        self.out = nn.Linear(dec_hidden + e2, vt)

    def encode(self, src, lengths):
        x = self.src_emb(src)
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        h, _ = self.encoder(packed)
        h, _ = pad_packed_sequence(h, batch_first=True, total_length=src.shape[1])
        mask = torch.arange(src.shape[1])[None, :] < lengths[:, None]  # (B, n)
        mean = (h * mask[..., None]).sum(1) / lengths[:, None].to(h.dtype)
        s = torch.tanh(self.init(mean))
        return h, mask, s

    def step(self, y_prev, s, h, wh, mask):
        e = self.attn.v(torch.tanh(self.attn.W_s(s)[:, None, :] + wh)).squeeze(-1)  # (B, n)
        e = e.masked_fill(~mask, float("-inf"))
        a = torch.softmax(e, dim=1)
        c = torch.bmm(a[:, None, :], h).squeeze(1)
        s = self.decoder(torch.cat([self.tgt_emb(y_prev), c], dim=1), s)
        return self.out(torch.cat([s, c], dim=1)), a, s

    def forward(self, src, lengths, tgt, bos=1):
        """Teacher forcing: logits (B, T, Vt) and attention weights (B, T, n)."""
        h, mask, s = self.encode(src, lengths)
        wh = self.attn.W_h(h)
        logits, weights = [], []
        y = torch.full((src.shape[0],), bos, dtype=torch.long)
        for t in range(tgt.shape[1]):
            z, a, s = self.step(y, s, h, wh, mask)
            logits.append(z)
            weights.append(a)
            y = tgt[:, t]
        return torch.stack(logits, 1), torch.stack(weights, 1)

    def greedy(self, src, lengths, steps, bos=1):
        h, mask, s = self.encode(src, lengths)
        wh = self.attn.W_h(h)
        y = torch.full((src.shape[0],), bos, dtype=torch.long)
        out = []
        for _ in range(steps):
            z, a, s = self.step(y, s, h, wh, mask)
            y = z.argmax(1)
            out.append(y)
        return torch.stack(out, 1)


def f9(x):
    return float(f"{float(x):.9g}")


def tensor32(t):
    t = t.detach().to(torch.float32)
    return {"shape": list(t.shape), "data": [f9(x) for x in t.reshape(-1)]}


def tensor64(t):
    t = t.detach().to(DT)
    return {"shape": list(t.shape), "data": [float(f"{float(x):.10g}") for x in t.reshape(-1)]}


def make_model(cfg, seed, scale=1.0):
    torch.manual_seed(seed)
    m = Seq2SeqAdditive(cfg["vs"], cfg["vt"], cfg["emb"], cfg["enc_hidden"], cfg["dec_hidden"], cfg["attn_hidden"])
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(((torch.rand(p.shape, generator=g) * 2 - 1) * scale).to(torch.float32))
    return m.to(DT)


def batch(cfg, lengths, seed, T):
    g = torch.Generator().manual_seed(seed + 1)
    n = max(lengths)
    src = torch.zeros(len(lengths), n, dtype=torch.long)
    for b, L in enumerate(lengths):
        src[b, :L] = torch.randint(4, cfg["vs"], (L,), generator=g)
    tgt = torch.randint(2, cfg["vt"], (len(lengths), T), generator=g)
    return src, torch.tensor(lengths), tgt


def make_case(name, cfg, lengths, T, seed):
    m = make_model(cfg, seed)
    src, lens, tgt = batch(cfg, lengths, seed, T)
    logits, weights = m(src, lens, tgt)
    loss = F.cross_entropy(logits.reshape(-1, cfg["vt"]), tgt.reshape(-1))
    m.zero_grad()
    loss.backward()
    return {
        "name": name,
        "config": cfg,
        "source": src.reshape(-1).tolist(),
        "lengths": lens.tolist(),
        "source_length": int(src.shape[1]),
        "target": tgt.reshape(-1).tolist(),
        "target_length": T,
        "parameters": {k: tensor32(v) for k, v in m.state_dict().items()},
        "logits": tensor64(logits),
        "weights": tensor64(weights),
        "loss": float(f"{float(loss):.10g}"),
        "grads": {k: tensor64(p.grad) for k, p in m.named_parameters()},
    }


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, float32 tensor); the header padded with spaces to 8 bytes."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors:
        raw = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    buf = data[8 + n :]
    out = {}
    for name, e in header.items():
        a, b = e["data_offsets"]
        assert e["dtype"] == "F32", name
        out[name] = torch.frombuffer(bytearray(buf[a:b]), dtype=torch.float32).reshape(e["shape"])
    return out, meta


def date_vocabs():
    src = ["<pad>", "<bos>", "<eos>", "<unk>"] + list(" ,./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    tgt = ["<pad>", "<bos>", "<eos>", "<unk>"] + list("-0123456789")
    return src, tgt


def make_torch_model_file():
    """A dates model with random weights, written from PyTorch's state_dict, and its logits."""
    sv, tv = date_vocabs()
    cfg = {"vs": len(sv), "vt": len(tv), "emb": 6, "enc_hidden": 5, "dec_hidden": 7, "attn_hidden": 4}
    m = make_model(cfg, 77, scale=0.4)
    config = {"model": "seq2seq_additive", "emb": 6, "enc_hidden": 5, "dec_hidden": 7, "attn_hidden": 4,
              "source_vocab": sv, "target_vocab": tv, "task": {"name": "dates"}}
    write_safetensors(os.path.join(OUT_DIR, "torch_model.safetensors"),
                      list(m.to(torch.float32).state_dict().items()),
                      {"step": "12", "config": json.dumps(config, separators=(",", ":"))})
    m = m.to(DT)
    sources = ["23 Nov 2026", "the 1st of may 1999", "2026/11/23"]
    ids = [[sv.index(c) for c in s] for s in sources]
    n = max(len(x) for x in ids)
    src = torch.zeros(len(ids), n, dtype=torch.long)
    for b, x in enumerate(ids):
        src[b, : len(x)] = torch.tensor(x)
    lens = torch.tensor([len(x) for x in ids])
    tgt = torch.tensor([[tv.index(c) for c in t] + [2] for t in ["2026-11-23", "1999-05-01", "2026-11-23"]])
    logits, weights = m(src, lens, tgt)
    with open(os.path.join(OUT_DIR, "torch_model.json"), "w") as f:
        json.dump({"sources": sources, "targets": ["2026-11-23", "1999-05-01", "2026-11-23"],
                   "logits": tensor64(logits), "weights": tensor64(weights),
                   "greedy": m.greedy(src, lens, 11).tolist()}, f, separators=(",", ":"))


def make_shipped_golden():
    """The shipped models/dates.safetensors (made by attnlab train) in the twin module: its
    teacher-forced logits and attention weights and greedy outputs on a few dates."""
    path = os.path.join(ROOT, "models", "dates.safetensors")
    if not os.path.exists(path):
        print("no models/dates.safetensors: shipped_dates.json not written (run scripts/make_models)")
        return
    tensors, meta = read_safetensors(path)
    cfg = json.loads(meta["config"])
    sv, tv = cfg["source_vocab"], cfg["target_vocab"]
    m = Seq2SeqAdditive(len(sv), len(tv), cfg["emb"], cfg["enc_hidden"], cfg["dec_hidden"], cfg["attn_hidden"])
    m.load_state_dict(tensors, strict=True)
    m = m.to(DT)
    sources = ["23 Nov 2026", "the 23rd of November 2026", "MONDAY, 23 NOVEMBER 2026", "1.2.1903", "2099/12/31"]
    targets = ["2026-11-23", "2026-11-23", "2026-11-23", "1903-02-01", "2099-12-31"]
    ids = [[sv.index(c) for c in s] for s in sources]
    n = max(len(x) for x in ids)
    src = torch.zeros(len(ids), n, dtype=torch.long)
    for b, x in enumerate(ids):
        src[b, : len(x)] = torch.tensor(x)
    lens = torch.tensor([len(x) for x in ids])
    tgt = torch.tensor([[tv.index(c) for c in t] + [2] for t in targets])
    logits, weights = m(src, lens, tgt)
    with open(os.path.join(OUT_DIR, "shipped_dates.json"), "w") as f:
        json.dump({"model_step": int(meta["step"]), "sources": sources, "targets": targets,
                   "logits": tensor64(logits), "weights": tensor64(weights),
                   "greedy": m.greedy(src, lens, 11).tolist()}, f, separators=(",", ":"))


def check_model(path):
    tensors, meta = read_safetensors(path)
    cfg = json.loads(meta["config"])
    sv, tv = cfg["source_vocab"], cfg["target_vocab"]
    m = Seq2SeqAdditive(len(sv), len(tv), cfg["emb"], cfg["enc_hidden"], cfg["dec_hidden"], cfg["attn_hidden"])
    m.load_state_dict(tensors, strict=True)
    sources = sys.argv[3:] or ["23 Nov 2026", "the 3rd of march 1901", "MONDAY, 23 NOVEMBER 2026", "1.2.2099"]
    for s in sources:
        ids = torch.tensor([[sv.index(c) if c in sv else 3 for c in s]])
        out = m.greedy(ids, torch.tensor([ids.shape[1]]), 11)[0].tolist()
        text = "".join(tv[i] if i > 3 else "" for i in out[: out.index(2) if 2 in out else len(out)])
        print(f"{s!r} -> {text}")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--check-model":
        check_model(sys.argv[2])
        return
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    cases = [
        ("seq2seq_small", {"vs": 9, "vt": 7, "emb": 3, "enc_hidden": 4, "dec_hidden": 5, "attn_hidden": 3},
         [5, 2, 7, 1], 4, 11),
        ("seq2seq_wide", {"vs": 12, "vt": 8, "emb": 6, "enc_hidden": 5, "dec_hidden": 8, "attn_hidden": 7},
         [3, 9, 6], 5, 12),
        ("seq2seq_one", {"vs": 6, "vt": 6, "emb": 2, "enc_hidden": 2, "dec_hidden": 3, "attn_hidden": 2},
         [4], 3, 13),
    ]
    names = []
    for name, cfg, lengths, T, seed in cases:
        case = make_case(name, cfg, lengths, T, seed)
        with open(os.path.join(OUT_DIR, name + ".json"), "w") as f:
            json.dump(case, f, separators=(",", ":"))
        names.append(name + ".json")
    make_torch_model_file()
    make_shipped_golden()
    with open(os.path.join(OUT_DIR, "index.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": names}, f, indent=1)


if __name__ == "__main__":
    main()
