"""``yiwang hotline triage`` / ``retrain`` on a migrated database: the current model version answers."""

from __future__ import annotations

import json

import pytest
from triage_actors import OPERATOR
from typer.testing import CliRunner

from yiwang.cli import app
from yiwang.db import make_engine, make_session_factory
from yiwang.hotline.triage import services

TEXT = "我们小区里面堆了好多废弃的共享单车，占着通道好久了"


def _triage(text: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["hotline", "triage"], input=json.dumps({"text": text}, ensure_ascii=False) + "\n")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def test_triage_uses_the_version_retrain_stored(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIWANG_DATABASE_URL", db_url)
    before = _triage(TEXT)
    assert str(before["model_version"]).startswith("seed-")
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        predicted = services.triage(session, TEXT)
        target = "110101" if predicted.category != "110101" else "010101"
        services.record_correction(session, text=TEXT, predicted=predicted, actor=OPERATOR, category=target)
    engine.dispose()

    retrained = CliRunner().invoke(app, ["hotline", "retrain"])
    assert retrained.exit_code == 0, retrained.output
    assert "已训练分拨模型版本" in retrained.stdout
    assert "纠错 1 条" in retrained.stdout

    after = _triage(TEXT)
    assert after["model_version"] != before["model_version"]
    assert after["category"] == target
