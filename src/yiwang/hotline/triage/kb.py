"""The knowledge base's search index (直接答复): pure, built from article texts, no database.

Character bigrams carry the meaning of short Chinese questions better than single characters (which every text
shares); an article's title and keywords are repeated so they outweigh its long answer. A keyword found verbatim
in the question adds a bonus, because callers usually name the service (``居住证``, ``公积金提取``). The score is
cosine similarity plus that bonus, in 0..1.3; below the threshold the text gets no answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

from yiwang.hotline.triage.model import normalize

KEYWORD_BONUS = 0.15
"""Added per keyword of the article found verbatim in the question (at most two count)."""

_QUESTION = re.compile(
    r"(请问|咨询|想问|想了解|问一下|怎么|怎样|如何|哪里|哪个|多少|什么|是否|能否|能不能|可以|可不可以|吗|么|[?？])"
)


@dataclass(frozen=True, slots=True)
class IndexedArticle:
    """What the index needs of an article."""

    key: str
    title: str
    keywords: tuple[str, ...]
    answer: str


@dataclass(frozen=True, slots=True)
class Hit:
    """One article matching a text, with its score and the keywords that matched."""

    key: str
    score: float
    matched: tuple[str, ...]


def is_question(text: str) -> bool:
    """Whether the text asks something (a consultation) rather than reports a problem."""
    return bool(_QUESTION.search(text))


class KnowledgeIndex:
    """Ranks articles for a question by bigram TF-IDF cosine plus keyword bonuses."""

    def __init__(self, articles: Sequence[IndexedArticle]) -> None:
        self.articles = list(articles)
        self._vectorizer: TfidfVectorizer | None = None
        if not self.articles:
            return
        documents = [
            normalize(" ".join([a.title, a.title, *a.keywords, *a.keywords, a.answer[:200]])) for a in self.articles
        ]
        self._vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True)
        self._matrix = self._vectorizer.fit_transform(documents)

    def search(self, text: str, *, limit: int = 5) -> list[Hit]:
        """The best articles for ``text``, best first (scores may be low: the caller applies a threshold)."""
        if self._vectorizer is None or not text.strip():
            return []
        query = normalize(text)
        similarity = np.asarray((self._vectorizer.transform([query]) @ self._matrix.T).toarray()).ravel()
        hits = []
        for i, article in enumerate(self.articles):
            matched = tuple(k for k in article.keywords if normalize(k) in query)
            score = float(similarity[i]) + KEYWORD_BONUS * min(2, len(matched))
            if score > 0:
                hits.append(Hit(key=article.key, score=round(score, 4), matched=matched))
        hits.sort(key=lambda hit: hit.score, reverse=True)
        return hits[:limit]
