#!/usr/bin/python3
"""make_train_golden.py: golden cases for the training engine (attn/train/*), made by PyTorch.

Writes tests/golden/train/<case>.json and tests/golden/train/index.json (the list of cases, so
the C++ test needs no directory listing; that works the same under Emscripten/node).

Cases
  op_*     one operation alone: its inputs and parameters, an upstream gradient R, PyTorch's
           output and the autograd gradients of sum(output * R) (R = 1 for the losses) for the
           input and every parameter. Ops: embedding, learned positions, the sinusoidal table,
           LayerNorm, linear, ReLU, GELU (erf), multi-head self-attention (nn.MultiheadAttention,
           causal and not, with its per-head weights), cross-entropy (ignore_index -100), MSE.
  model_*  the whole model of attn/train/transformer.hpp as the PyTorch module it mirrors
           (tok_emb / in_proj, pos_emb or sinusoidal, nn.TransformerEncoderLayer(norm_first=True,
           batch_first=True, dropout=0) x 2, norm, head): parameters by their state_dict names,
           a batch, the logits, the loss and the gradient of every parameter.
  optim_*  torch.optim.Adam / AdamW (with clip_grad_norm_ and a LambdaLR linear warm-up) on two
           small tensors fed a fixed sequence of gradients: the parameters after every step.
  train_*  a few AdamW steps (clipping, warm-up) of a small model on a fixed batch: the loss
           before each step and every parameter at the end.

Precision: inputs and parameters are drawn as float32 and written with 9 significant digits
(which round-trips to the same float32); PyTorch then computes in float64, and expected values
are written with 10 significant digits. The golden values are thus the exact answer (to ~1e-10)
for the float32 inputs; the C++ tests compare their float32 results with stated tolerances.
Tensors are {"shape": [...], "data": [flat row-major values]}.

Run:   /usr/bin/python3 scripts/make_train_golden.py   (Debian's python3-torch and numpy)
Seeds are fixed, so a rerun with the same PyTorch reproduces the files.
"""

import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "golden", "train")
DT = torch.float64


def f32(t):
    """A float32-representable tensor as {"shape", "data"} with 9 significant digits."""
    t = t.detach().to(torch.float32).reshape(-1)
    return {"shape": None, "data": [float(f"{float(x):.9g}") for x in t]}


def tensor32(t):
    d = f32(t)
    d["shape"] = list(t.shape)
    return d


def tensor64(t):
    a = t.detach().to(DT)
    return {"shape": list(a.shape), "data": [float(f"{float(x):.10g}") for x in a.reshape(-1)]}


def ints(t):
    return {"shape": list(t.shape), "data": [int(x) for x in t.reshape(-1)]}


class Draw:
    """float32 draws (exact in float64) from a seeded torch generator."""

    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def uniform(self, *shape, a=1.0, center=0.0):
        x = (torch.rand(*shape, generator=self.g, dtype=torch.float32) * 2 - 1) * a + center
        return x.to(torch.float32).to(DT)

    def ints(self, *shape, high):
        return torch.randint(0, high, shape, generator=self.g)


def sinusoidal(n, d):
    """PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(p / 10000^(2i/d)), float64."""
    pe = torch.zeros(n, d, dtype=DT)
    for p in range(n):
        for j in range(d):
            angle = p / (10000.0 ** ((j - j % 2) / d))
            pe[p, j] = math.sin(angle) if j % 2 == 0 else math.cos(angle)
    return pe


def round32(t):
    """Round to float32 values (kept in float64): inputs edited after drawing stay exact."""
    return t.to(torch.float32).to(DT)


def causal_mask(n):
    return torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)  # True = not allowed


CASES = []


def write(name, case):
    case["name"] = name
    case["torch_version"] = torch.__version__
    path = os.path.join(OUT_DIR, name + ".json")
    with open(path, "w") as f:
        json.dump(case, f, separators=(",", ":"))
        f.write("\n")
    CASES.append(name + ".json")
    print(f"{name}: {os.path.getsize(path)} bytes")


def leaf(t):
    return t.clone().requires_grad_(True)


# ---- ops --------------------------------------------------------------------------------

def op_embedding():
    r = Draw(101)
    V, d, N = 6, 5, 9
    table = leaf(r.uniform(V, d))
    ids = r.ints(N, high=V)
    ids[0], ids[1] = 3, 3  # a repeated id: its gradient rows add up
    out = F.embedding(ids, table)
    R = r.uniform(N, d)
    (out * R).sum().backward()
    write("op_embedding", {"op": "embedding", "ids": ints(ids), "table": tensor32(table), "grad_output": tensor32(R),
                           "expected_output": tensor64(out), "expected_grads": {"table": tensor64(table.grad)}})


def op_positions():
    r = Draw(102)
    B, n, d, max_len = 2, 4, 6, 7
    x = leaf(r.uniform(B * n, d))
    pos = leaf(r.uniform(max_len, d))
    out = (x.view(B, n, d) + pos[:n]).reshape(B * n, d)
    R = r.uniform(B * n, d)
    (out * R).sum().backward()
    write("op_positions_learned", {"op": "positions", "length": n, "x": tensor32(x), "pos": tensor32(pos),
                                   "grad_output": tensor32(R), "expected_output": tensor64(out),
                                   "expected_grads": {"x": tensor64(x.grad), "pos": tensor64(pos.grad)}})


def op_sinusoidal():
    for (n, d) in [(12, 8), (5, 7)]:
        write(f"op_sinusoidal_{n}x{d}", {"op": "sinusoidal", "max_len": n, "d": d,
                                          "expected_output": tensor64(sinusoidal(n, d))})


def op_layer_norm():
    r = Draw(103)
    N, d = 6, 7
    x = r.uniform(N, d, a=2.0)
    x[1] = x[1] * 0.01 + 3.0  # a row of small spread far from 0
    x = leaf(round32(x))
    w = leaf(r.uniform(d, a=0.5, center=1.0))
    b = leaf(r.uniform(d, a=0.3))
    out = F.layer_norm(x, (d,), w, b, eps=1e-5)
    R = r.uniform(N, d)
    (out * R).sum().backward()
    write("op_layer_norm", {"op": "layer_norm", "x": tensor32(x), "weight": tensor32(w), "bias": tensor32(b),
                            "grad_output": tensor32(R), "expected_output": tensor64(out),
                            "expected_grads": {"x": tensor64(x.grad), "weight": tensor64(w.grad),
                                               "bias": tensor64(b.grad)}})


def op_linear():
    r = Draw(104)
    N, i, o = 5, 6, 4
    x = leaf(r.uniform(N, i))
    w = leaf(r.uniform(o, i, a=1 / math.sqrt(i)))
    b = leaf(r.uniform(o, a=0.5))
    out = F.linear(x, w, b)
    R = r.uniform(N, o)
    (out * R).sum().backward()
    write("op_linear", {"op": "linear", "x": tensor32(x), "weight": tensor32(w), "bias": tensor32(b),
                        "grad_output": tensor32(R), "expected_output": tensor64(out),
                        "expected_grads": {"x": tensor64(x.grad), "weight": tensor64(w.grad),
                                           "bias": tensor64(b.grad)}})


def op_activation(kind):
    r = Draw(105)
    x = r.uniform(4, 9, a=3.0)
    x[0, 0] = 0.0  # PyTorch's convention at the kink: relu'(0) = 0
    x = leaf(x)
    out = F.relu(x) if kind == "relu" else F.gelu(x)  # gelu: approximate='none' (erf)
    R = r.uniform(4, 9)
    (out * R).sum().backward()
    write(f"op_{kind}", {"op": kind, "x": tensor32(x), "grad_output": tensor32(R), "expected_output": tensor64(out),
                         "expected_grads": {"x": tensor64(x.grad)}})


def op_self_attention(name, seed, B, n, E, H, causal):
    r = Draw(seed)
    mha = nn.MultiheadAttention(E, H, batch_first=True, dropout=0.0).to(DT)
    with torch.no_grad():
        mha.in_proj_weight.copy_(r.uniform(3 * E, E, a=1.5 / math.sqrt(E)))
        mha.in_proj_bias.copy_(r.uniform(3 * E, a=0.3))
        mha.out_proj.weight.copy_(r.uniform(E, E, a=1 / math.sqrt(E)))
        mha.out_proj.bias.copy_(r.uniform(E, a=0.3))
    x = leaf(r.uniform(B, n, E))
    out, weights = mha(x, x, x, attn_mask=causal_mask(n) if causal else None, need_weights=True,
                       average_attn_weights=False)
    R = r.uniform(B, n, E)
    (out * R).sum().backward()
    write(name, {"op": "self_attention", "length": n, "heads": H, "causal": causal,
                 "x": tensor32(x.reshape(B * n, E)), "in_proj_weight": tensor32(mha.in_proj_weight),
                 "in_proj_bias": tensor32(mha.in_proj_bias), "out_proj_weight": tensor32(mha.out_proj.weight),
                 "out_proj_bias": tensor32(mha.out_proj.bias), "grad_output": tensor32(R.reshape(B * n, E)),
                 "expected_output": tensor64(out.reshape(B * n, E)), "expected_weights": tensor64(weights),
                 "expected_grads": {"x": tensor64(x.grad.reshape(B * n, E)),
                                    "in_proj_weight": tensor64(mha.in_proj_weight.grad),
                                    "in_proj_bias": tensor64(mha.in_proj_bias.grad),
                                    "out_proj_weight": tensor64(mha.out_proj.weight.grad),
                                    "out_proj_bias": tensor64(mha.out_proj.bias.grad)}})


def op_cross_entropy():
    r = Draw(107)
    N, V = 7, 5
    z = r.uniform(N, V, a=3.0)
    z[2] = z[2] + 40.0  # large logits: the log-sum-exp must subtract the max
    z = leaf(round32(z))
    t = r.ints(N, high=V)
    t[1] = -100
    t[4] = -100
    loss = F.cross_entropy(z, t, ignore_index=-100)  # mean over the targets not ignored
    loss.backward()
    write("op_cross_entropy", {"op": "cross_entropy", "logits": tensor32(z), "targets": ints(t),
                               "expected_loss": float(f"{loss.item():.10g}"),
                               "expected_grads": {"logits": tensor64(z.grad)}})


def op_mse():
    r = Draw(108)
    N = 9
    p = leaf(r.uniform(N, 1, a=2.0))
    t = r.uniform(N, a=2.0)
    loss = F.mse_loss(p.reshape(N), t)
    loss.backward()
    write("op_mse", {"op": "mse", "pred": tensor32(p), "target": tensor32(t),
                     "expected_loss": float(f"{loss.item():.10g}"), "expected_grads": {"pred": tensor64(p.grad)}})


# ---- the model --------------------------------------------------------------------------

class Model(nn.Module):
    """The PyTorch twin of attn::Transformer (attn/train/transformer.hpp)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        E = cfg["d_model"]
        if cfg["input"] == "tokens":
            self.tok_emb = nn.Embedding(cfg["vocab"], E)
        else:
            self.in_proj = nn.Linear(1, E)
        if cfg["positions"] == "learned":
            self.pos_emb = nn.Embedding(cfg["max_len"], E)
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(E, cfg["heads"], cfg["d_ff"], dropout=0.0, activation=cfg["activation"],
                                       batch_first=True, norm_first=True) for _ in range(cfg["layers"])])
        self.norm = nn.LayerNorm(E)
        self.head = nn.Linear(E, cfg["vocab"] if cfg["input"] == "tokens" else 1)

    def forward(self, x):
        n = x.shape[1]
        h = self.tok_emb(x) if self.cfg["input"] == "tokens" else self.in_proj(x.unsqueeze(-1))
        if self.cfg["positions"] == "learned":
            h = h + self.pos_emb(torch.arange(n))
        else:
            h = h + sinusoidal(n, self.cfg["d_model"])
        mask = causal_mask(n) if self.cfg["causal"] else None
        for layer in self.layers:
            h = layer(h, src_mask=mask)
        return self.head(self.norm(h))


def randomize(model, r):
    """Random float32 parameters of a sensible scale (not PyTorch's init: zero biases and unit
    norms would leave their gradient paths half-tested)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm1.weight") or name.endswith("norm2.weight") or name == "norm.weight":
                p.copy_(r.uniform(*p.shape, a=0.3, center=1.0))
            elif p.dim() == 1:
                p.copy_(r.uniform(*p.shape, a=0.2))
            elif "emb" in name:
                p.copy_(r.uniform(*p.shape, a=1.0))
            elif name.endswith("in_proj_weight"):
                p.copy_(r.uniform(*p.shape, a=1.5 / math.sqrt(p.shape[1])))
            else:
                p.copy_(r.uniform(*p.shape, a=1.0 / math.sqrt(p.shape[1])))


def make_batch(cfg, r, B, n):
    if cfg["input"] == "tokens":
        x = r.ints(B, n, high=cfg["vocab"])
        t = r.ints(B, n, high=cfg["vocab"])
        t[0, 1] = -100
        t[B - 1, n - 1] = -100
        return x, t
    return r.uniform(B, n, a=1.5), r.uniform(B, n, a=1.5)


def loss_of(cfg, out, t):
    if cfg["input"] == "tokens":
        return F.cross_entropy(out.reshape(-1, cfg["vocab"]), t.reshape(-1), ignore_index=-100)
    return F.mse_loss(out.reshape(-1), t.reshape(-1))


def batch_json(cfg, x, t):
    if cfg["input"] == "tokens":
        return {"input": ints(x), "target": ints(t)}
    return {"input": tensor32(x), "target": tensor32(t)}


def model_case(name, seed, **over):
    cfg = {"input": "tokens", "vocab": 7, "d_model": 8, "heads": 2, "d_ff": 16, "layers": 2, "max_len": 6,
           "positions": "learned", "activation": "relu", "causal": False}
    cfg.update(over)
    torch.manual_seed(0)
    model = Model(cfg).to(DT)
    r = Draw(seed)
    randomize(model, r)
    B, n = 2, 5
    x, t = make_batch(cfg, r, B, n)
    out = model(x)
    loss = loss_of(cfg, out, t)
    loss.backward()
    case = {"config": cfg, "batch": B, "length": n}
    case.update(batch_json(cfg, x, t))
    case["parameters"] = {k: tensor32(v) for k, v in model.state_dict().items()}
    case["expected_output"] = tensor64(out.reshape(B * n, -1))
    case["expected_loss"] = float(f"{loss.item():.10g}")
    case["expected_grads"] = {k: tensor64(p.grad) for k, p in model.named_parameters()}
    write(name, case)


# ---- optimizers -------------------------------------------------------------------------

def optim_case(name, seed, kind, steps=5, lr=0.01, weight_decay=None, clip=0.0, warmup=0, grad_scale=1.0):
    r = Draw(seed)
    p1 = nn.Parameter(r.uniform(3, 4))
    p2 = nn.Parameter(r.uniform(5))
    params = [p1, p2]
    kw = {"lr": lr}
    if weight_decay is not None:
        kw["weight_decay"] = weight_decay
    opt = torch.optim.Adam(params, **kw) if kind == "adam" else torch.optim.AdamW(params, **kw)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warmup)) if warmup else None
    init = [tensor32(p1), tensor32(p2)]
    grads, after, norms, lrs = [], [], [], []
    for k in range(steps):
        g1 = r.uniform(3, 4, a=grad_scale)
        g2 = r.uniform(5, a=grad_scale)
        if k == 2:
            g1[0, 0] = 0.0  # a zero gradient: only the moments (and AdamW's decay) move it
        grads.append([tensor32(g1), tensor32(g2)])
        p1.grad = g1.clone()
        p2.grad = g2.clone()
        norm = torch.nn.utils.clip_grad_norm_(params, clip) if clip > 0 else torch.sqrt(
            sum((g.double() ** 2).sum() for g in (g1, g2)))
        norms.append(float(f"{float(norm):.10g}"))
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        if sched:
            sched.step()
        after.append([tensor64(p1), tensor64(p2)])
    g = opt.param_groups[0]
    write(name, {"optimizer": kind, "lr": lr, "betas": list(g["betas"]), "eps": g["eps"],
                 "weight_decay": g["weight_decay"], "clip": clip, "warmup": warmup, "initial": init, "grads": grads,
                 "expected_grad_norms": norms, "expected_lrs": lrs, "expected_after": after})


def train_case(name, seed, steps=4, lr=0.01, clip=1.0, warmup=2, **over):
    cfg = {"input": "tokens", "vocab": 7, "d_model": 8, "heads": 2, "d_ff": 16, "layers": 2, "max_len": 6,
           "positions": "learned", "activation": "gelu", "causal": True}
    cfg.update(over)
    torch.manual_seed(0)
    model = Model(cfg).to(DT)
    r = Draw(seed)
    randomize(model, r)
    B, n = 2, 5
    x, t = make_batch(cfg, r, B, n)
    case = {"config": cfg, "batch": B, "length": n, "optimizer": "adamw", "lr": lr, "weight_decay": 0.01,
            "clip": clip, "warmup": warmup, "steps": steps}
    case.update(batch_json(cfg, x, t))
    case["parameters"] = {k: tensor32(v) for k, v in model.state_dict().items()}
    opt = torch.optim.AdamW(model.parameters(), lr=lr)  # betas (0.9, 0.999), eps 1e-8, weight_decay 0.01
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warmup))
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_of(cfg, model(x), t)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        sched.step()
        losses.append(float(f"{loss.item():.10g}"))
    case["expected_losses"] = losses
    case["expected_parameters"] = {k: tensor64(v) for k, v in model.state_dict().items()}
    write(name, case)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.set_num_threads(1)
    op_embedding()
    op_positions()
    op_sinusoidal()
    op_layer_norm()
    op_linear()
    op_activation("relu")
    op_activation("gelu")
    op_self_attention("op_self_attention", 106, B=2, n=5, E=8, H=2, causal=False)
    op_self_attention("op_self_attention_causal", 116, B=2, n=6, E=6, H=3, causal=True)
    op_self_attention("op_self_attention_1head", 126, B=1, n=3, E=4, H=1, causal=False)
    op_cross_entropy()
    op_mse()
    model_case("model_relu_learned", 201)
    model_case("model_gelu_learned_causal", 202, activation="gelu", causal=True)
    model_case("model_relu_sinusoidal_causal", 203, positions="sinusoidal", causal=True)
    model_case("model_gelu_sinusoidal", 204, activation="gelu", positions="sinusoidal")
    model_case("model_series_causal", 205, input="series", vocab=1, causal=True)
    optim_case("optim_adam", 301, "adam")
    optim_case("optim_adam_l2", 302, "adam", weight_decay=0.1)
    optim_case("optim_adamw", 303, "adamw")  # default weight_decay 0.01
    optim_case("optim_adamw_clip_warmup", 304, "adamw", lr=0.05, weight_decay=0.05, clip=0.5, warmup=3,
               steps=6, grad_scale=2.0)
    train_case("train_adamw_clip_warmup", 401)
    with open(os.path.join(OUT_DIR, "index.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": CASES}, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT_DIR, c)) for c in CASES)
    print(f"{len(CASES)} cases, {total} bytes")


if __name__ == "__main__":
    main()
