"""Direct answers from the shipped knowledge base (no database)."""

from __future__ import annotations

import pytest

from yiwang.hotline.triage import kb, services


@pytest.mark.parametrize(
    ("question", "slug"),
    [
        ("请问居住证怎么办理", "residence-permit"),
        ("请问在成都租房可以提取公积金吗", "hfund-rent"),
        ("身份证丢了怎么补办？", "idcard-replace"),
        ("孩子明年上小学，划片范围在哪里查", "school-enrollment"),
        ("想问一下结婚登记需要带什么材料", "marriage-registration"),
        ("社保卡丢了在哪里补办", "social-security-card"),
    ],
)
def test_consultations_get_the_fitting_article(question: str, slug: str) -> None:
    answer = services.answer_for(None, question)
    assert answer is not None
    assert answer.slug == slug
    assert answer.score >= services.TriageSettings().kb_threshold
    assert answer.answer
    assert answer.source
    assert answer.article_id is None


@pytest.mark.parametrize(
    "text",
    [
        "楼下烧烤店油烟太大了，每天熏得不能开窗",  # a complaint, not a question
        "请问今天晚上吃什么好",
        "请问火星上有没有水",
        "",
    ],
)
def test_unrelated_or_non_questions_get_no_answer(text: str) -> None:
    assert services.answer_for(None, text) is None


def test_index_ranks_by_keywords_and_handles_empty_input() -> None:
    index = kb.KnowledgeIndex(
        [
            kb.IndexedArticle(key="a", title="社保卡补办", keywords=("社保卡",), answer="到银行网点补办社保卡。"),
            kb.IndexedArticle(key="b", title="护照办理", keywords=("护照",), answer="到出入境窗口办理护照。"),
        ]
    )
    hits = index.search("社保卡丢了怎么办")
    assert hits[0].key == "a"
    assert hits[0].matched == ("社保卡",)
    assert index.search("   ") == []
    assert kb.KnowledgeIndex([]).search("社保卡") == []


def test_question_detection() -> None:
    assert kb.is_question("公积金怎么提取")
    assert kb.is_question("可以网上办吗")
    assert not kb.is_question("路灯坏了三天了")
