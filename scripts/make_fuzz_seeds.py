#!/usr/bin/env python3
"""make_fuzz_seeds.py: the seed corpora of fuzz_model and fuzz_batch (tests/fuzz/corpus/).

model/: tiny model files (under the fuzzers' 4096-byte input limit) written by `attnlab train`
for every task, positions and activation, and broken variants edited here, each showing one
problem the reader must name (bad config key, wrong shape, missing tensor, non-float dtype,
metadata missing). batch/: BATCH.json files for token and series models, valid and broken.

Run from the repository root after building the native preset:
    python3 scripts/make_fuzz_seeds.py [path/to/attnlab]
(no PyTorch needed). The fuzz tests only read these files; a crash the fuzzer finds is added
there by hand as regression-<what>.
"""

import json
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ATTNLAB = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "native", "native", "attnlab")
MODEL_DIR = os.path.join(ROOT, "tests", "fuzz", "corpus", "model")
BATCH_DIR = os.path.join(ROOT, "tests", "fuzz", "corpus", "batch")

TINY = ["--d-model", "2", "--heads", "1", "--d-ff", "2", "--steps", "3"]
MODELS = {
    "copy_learned_relu": ["--task", "copy", "--length", "2", "--vocab", "2"] + TINY,
    "reverse_sinusoidal_gelu": ["--task", "reverse", "--length", "3", "--vocab", "3", "--positions", "sinusoidal",
                                "--activation", "gelu"] + TINY,
    "sort_two_layers": ["--task", "sort", "--length", "2", "--vocab", "2", "--layers", "2"] + TINY,
    "induction": ["--task", "induction", "--length", "4", "--vocab", "3", "--k", "2", "--d-model", "2", "--heads", "2",
                  "--d-ff", "2", "--steps", "3"],
    "series": ["--task", "series", "--length", "3", "--noise", "0.1"] + TINY,
    "dates_seq2seq": ["--task", "dates", "--emb", "1", "--enc-hidden", "1", "--dec-hidden", "1", "--attn-hidden", "1",
                      "--batch", "2", "--steps", "1"],
}


def split(blob):
    (n,) = struct.unpack("<Q", blob[:8])
    return json.loads(blob[8:8 + n]), blob[8 + n:]


def join(header, data):
    text = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + data


def write(folder, name, blob):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(blob)


def main():
    os.makedirs(MODEL_DIR, exist_ok=True)
    os.makedirs(BATCH_DIR, exist_ok=True)
    files = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in MODELS.items():
            path = os.path.join(tmp, name + ".safetensors")
            subprocess.run([ATTNLAB, "train"] + args + ["-o", path], check=True, capture_output=True)
            with open(path, "rb") as f:
                files[name] = f.read()
            write(MODEL_DIR, name + ".safetensors", files[name])

    header, data = split(files["copy_learned_relu"])
    config = json.loads(header["__metadata__"]["config"])

    def broken(name, edit):
        h = json.loads(json.dumps(header))
        c = json.loads(json.dumps(config))
        d = edit(h, c, data)
        h["__metadata__"]["config"] = json.dumps(c, separators=(",", ":"))
        write(MODEL_DIR, "broken_" + name + ".safetensors", join(h, d if d is not None else data))

    broken("heads_do_not_divide", lambda h, c, d: c.update(heads=3))
    broken("unknown_key", lambda h, c, d: c.update(dropout=0.1))
    broken("task_longer_than_max_len", lambda h, c, d: c["task"].update(length=9))
    broken("shape", lambda h, c, d: h["head.bias"].update(shape=[1, 2]))
    broken("dtype", lambda h, c, d: h["head.bias"].update(dtype="I32"))
    broken("missing_tensor", lambda h, c, d: c.update(layers=2))
    broken("step", lambda h, c, d: h["__metadata__"].update(step="-1"))
    h = json.loads(json.dumps(header))
    del h["__metadata__"]
    write(MODEL_DIR, "broken_no_metadata.safetensors", join(h, data))

    batches = {
        "tokens.json": {"input": [[1, 2, 3], [0, 6, 5]], "target": [[3, 2, 1], [5, -100, 0]]},
        "series.json": {"input": [[0.5, -0.25, 1e-3]], "target": [[-0.25, 1e-3, 0.75]]},
        "broken_vocab.json": {"input": [[1, 2, 7]], "target": [[1, 2, 3]]},
        "broken_ragged.json": {"input": [[1, 2, 3], [1]], "target": [[1, 2, 3], [1]]},
        "broken_ignored.json": {"input": [[1, 2]], "target": [[-100, -100]]},
        "broken_key.json": {"input": [[1]], "target": [[1]], "mask": [[1]]},
    }
    for name, b in batches.items():
        write(BATCH_DIR, name, json.dumps(b).encode())
    write(BATCH_DIR, "broken_syntax.json", b'{"input": [[1, 2]], "target": [[1, ')
    write(BATCH_DIR, "broken_huge_number.json", b'{"input": [[1e999]], "target": [[1]]}')
    print(f"{len(os.listdir(MODEL_DIR))} model seeds, {len(os.listdir(BATCH_DIR))} batch seeds")


if __name__ == "__main__":
    main()
