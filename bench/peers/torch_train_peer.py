#!/usr/bin/python3
"""torch_train_peer.py: PyTorch (Debian python3-torch, CPU) as the peer of attnlab-bench --what train.

  /usr/bin/python3 torch_train_peer.py --task T --length n --vocab V --d-model E --heads H --d-ff F
                                       --layers L --batch B [--reps R] [--warmup W] [--threads 1]
  /usr/bin/python3 torch_train_peer.py --task dates [--emb 16 --enc-hidden 32 --dec-hidden 64 --attn-hidden 32]
                                       --batch B [--reps R] [--warmup W] [--threads 1]

The module is the one issue 11 defines (tok_emb, pos_emb, nn.TransformerEncoderLayer with
dropout 0, batch_first, norm_first, a causal src_mask for induction and series, norm, head),
trained with torch.optim.AdamW(lr 1e-3) on 8 pre-drawn batches of random tokens, as
attnlab-bench does. One timed repetition is one optimizer step: zero_grad, forward,
cross-entropy (MSE for series), backward, step. Prints one JSON line like attnlab-bench.

--task dates: the seq2seq translator of issue 12 (Seq2SeqAdditive of scripts/make_seq2seq_golden.py:
bidirectional GRU over packed sources, additive attention, GRUCell decoder, teacher forcing over
10 characters and <eos>), torch.optim.Adam(lr 1e-2) with clip_grad_norm_(1), as attnlab train
--task dates; 8 pre-drawn batches of real dates in the task's 11 formats and 3 cases (the same
distribution of source lengths as attnlab's generator; not the same draws).
"""
import argparse
import datetime
import json
import os
import random
import sys
import time

import torch
from torch import nn


class Model(nn.Module):
    def __init__(self, series, vocab, d, heads, ff, layers, max_len, causal):
        super().__init__()
        self.series, self.causal = series, causal
        if series:
            self.in_proj = nn.Linear(1, d)
        else:
            self.tok_emb = nn.Embedding(vocab, d)
        self.pos_emb = nn.Embedding(max_len, d)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation="relu", batch_first=True, norm_first=True)
            for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 1 if series else vocab)

    def forward(self, x):
        n = x.shape[1]
        h = self.in_proj(x.unsqueeze(-1)) if self.series else self.tok_emb(x)
        h = h + self.pos_emb(torch.arange(n))
        mask = nn.Transformer.generate_square_subsequent_mask(n) if self.causal else None
        for layer in self.layers:
            h = layer(h, src_mask=mask)
        return self.head(self.norm(h))


def date_batch(rnd, B, sv, tv):
    """B random dates as the dates task draws them: (src ids padded, lengths, target ids with <eos>)."""
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"]
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    first = datetime.date(1900, 1, 1).toordinal()
    last = datetime.date(2099, 12, 31).toordinal()
    srcs, tgts = [], []
    for _ in range(B):
        d = datetime.date.fromordinal(rnd.randint(first, last))
        m, ab = months[d.month - 1], months[d.month - 1][:3]
        suf = "th" if d.day % 100 // 10 == 1 else {1: "st", 2: "nd", 3: "rd"}.get(d.day % 10, "th")
        forms = [f"{d.day} {ab} {d.year}", f"{d.day:02d} {ab} {d.year}", f"{d.day} {m} {d.year}",
                 f"{m} {d.day}, {d.year}", f"{ab} {d.day}, {d.year}", f"{d.day:02d}/{d.month:02d}/{d.year}",
                 f"{d.day}.{d.month}.{d.year}", f"{d.year}/{d.month:02d}/{d.day:02d}",
                 f"{days[d.weekday()]}, {d.day} {m} {d.year}", f"{d.day}{suf} {m} {d.year}",
                 f"the {d.day}{suf} of {m} {d.year}"]
        s = rnd.choice(forms)
        s = rnd.choice([s, s.lower(), s.upper()])
        srcs.append([sv.index(c) for c in s])
        tgts.append([tv.index(c) for c in d.isoformat()] + [2])
    n = max(len(x) for x in srcs)
    src = torch.zeros(B, n, dtype=torch.long)
    for b, x in enumerate(srcs):
        src[b, :len(x)] = torch.tensor(x)
    return src, torch.tensor([len(x) for x in srcs]), torch.tensor(tgts)


def dates_main(a):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
    from make_seq2seq_golden import Seq2SeqAdditive, date_vocabs
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    sv, tv = date_vocabs()
    model = Seq2SeqAdditive(len(sv), len(tv), a.emb, a.enc_hidden, a.dec_hidden, a.attn_hidden)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    rnd = random.Random(7)
    batches = [date_batch(rnd, a.batch, sv, tv) for _ in range(8)]

    def step(i):
        src, lens, tgt = batches[i % len(batches)]
        opt.zero_grad(set_to_none=True)
        logits, _ = model(src, lens, tgt)
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(tv)), tgt.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return float(loss)

    for i in range(a.warmup):
        step(i)
    times = []
    loss = 0.0
    for i in range(a.reps):
        t0 = time.perf_counter()
        loss = step(i)
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    print(json.dumps({"what": "train", "impl": "PyTorch " + torch.__version__, "task": "dates", "emb": a.emb,
                      "enc_hidden": a.enc_hidden, "dec_hidden": a.dec_hidden, "attn_hidden": a.attn_hidden,
                      "threads": a.threads, "batch": a.batch, "reps": a.reps, "ms_median": times[len(times) // 2],
                      "ms_min": times[0], "loss": loss}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--task", default="reverse")
    for name, default in [("length", 8), ("vocab", 10), ("d-model", 32), ("heads", 2), ("d-ff", 64), ("layers", 1),
                          ("batch", 64), ("reps", 50), ("warmup", 5), ("threads", 1), ("emb", 16),
                          ("enc-hidden", 32), ("dec-hidden", 64), ("attn-hidden", 32)]:
        p.add_argument("--" + name, type=int, default=default)
    a = p.parse_args()
    if a.task == "dates":
        dates_main(a)
        return
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    series = a.task == "series"
    causal = a.task in ("induction", "series")
    model = Model(series, a.vocab, a.d_model, a.heads, a.d_ff, a.layers, a.length, causal)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    if series:
        batches = [(torch.randn(a.batch, a.length), torch.randn(a.batch, a.length)) for _ in range(8)]
    else:
        batches = [(torch.randint(0, a.vocab, (a.batch, a.length)), torch.randint(0, a.vocab, (a.batch, a.length)))
                   for _ in range(8)]

    def step(i):
        x, y = batches[i % len(batches)]
        opt.zero_grad(set_to_none=True)
        out = model(x)
        if series:
            loss = nn.functional.mse_loss(out.squeeze(-1), y)
        else:
            loss = nn.functional.cross_entropy(out.reshape(-1, a.vocab), y.reshape(-1), ignore_index=-100)
        loss.backward()
        opt.step()
        return float(loss)

    for i in range(a.warmup):
        step(i)
    times = []
    loss = 0.0
    for i in range(a.reps):
        t0 = time.perf_counter()
        loss = step(i)
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    print(json.dumps({"what": "train", "impl": "PyTorch " + torch.__version__, "task": a.task, "threads": a.threads,
                      "batch": a.batch, "reps": a.reps, "ms_median": times[len(times) // 2], "ms_min": times[0],
                      "loss": loss}))


if __name__ == "__main__":
    main()
