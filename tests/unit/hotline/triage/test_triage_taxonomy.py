"""The shipped taxonomy, lexicon, corpora and knowledge base are consistent with departments.yaml."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from yiwang.hotline.triage import services, taxonomy
from yiwang.hotline.triage.result import APPEAL_TYPES, URGENCIES


def test_every_leaf_routes_to_known_departments_and_limit_classes() -> None:
    tax = taxonomy.load_taxonomy()
    assert len(tax.leaves) >= 80
    for leaf in tax.leaves.values():
        assert leaf.department in tax.departments
        assert set(leaf.also) <= tax.departments.keys()
        assert leaf.department not in leaf.also
        assert leaf.limit in tax.limit_classes
        assert len(leaf.code) == 6
        assert leaf.code[:2] in tax.top_levels
        assert len(leaf.path) == 3
        assert leaf.keywords, f"{leaf.code} has no lexicon words"


def test_every_department_leads_some_leaf() -> None:
    tax = taxonomy.load_taxonomy()
    assert {leaf.department for leaf in tax.leaves.values()} == set(tax.departments)


def _jsonl(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("path", [taxonomy.SEED_FILE, taxonomy.HOLDOUT_FILE])
def test_corpora_use_valid_labels(path: Path) -> None:
    tax = taxonomy.load_taxonomy()
    for row in _jsonl(path):
        assert set(row) == {"text", "type", "category", "department", "urgency"}
        assert row["type"] in APPEAL_TYPES
        assert row["urgency"] in URGENCIES
        assert tax.leaf(row["category"]).department == row["department"]


def test_seed_corpus_covers_every_leaf_and_department_and_holdout_is_unseen() -> None:
    tax = taxonomy.load_taxonomy()
    seed = _jsonl(taxonomy.SEED_FILE)
    assert len(seed) >= 400
    per_leaf = Counter(row["category"] for row in seed)
    assert all(per_leaf[code] >= 5 for code in tax.leaves)
    assert {row["department"] for row in seed} == set(tax.departments)
    assert len({row["text"] for row in seed}) == len(seed)
    assert {row["text"] for row in seed}.isdisjoint(row["text"] for row in _jsonl(taxonomy.HOLDOUT_FILE))


def test_knowledge_base_articles_are_valid() -> None:
    tax = taxonomy.load_taxonomy()
    articles = services.shipped_articles()
    assert len(articles) >= 40
    assert len({a["slug"] for a in articles}) == len(articles)
    for article in articles:
        assert article["department"] in tax.departments
        assert article["category"] is None or str(article["category"]) in tax.leaves
        assert article["keywords"]
        assert all(isinstance(word, str) for word in article["keywords"])  # YAML reads 12315 as a number
        assert article["source"]


def test_lexicon_names_only_leaves() -> None:
    lexicon = yaml.safe_load(taxonomy.LEXICON_FILE.read_text(encoding="utf-8"))
    assert set(lexicon) == set(taxonomy.load_taxonomy().leaves)


def test_every_first_level_class_of_the_public_taxonomy_maps_to_ours(shared_dir: Path) -> None:
    path = shared_dir / "datasets" / "messages_taidi2020" / "label_taxonomy_附件1.csv"
    if not path.exists():
        pytest.skip("shared data sets are absent")
    with path.open(encoding="utf-8") as handle:
        theirs = {row["一级分类"] for row in csv.DictReader(handle)}
    tax = taxonomy.load_taxonomy()
    covered = {name: code for code, names in tax.aligns.items() for name in names}
    assert theirs <= covered.keys(), sorted(theirs - covered.keys())
