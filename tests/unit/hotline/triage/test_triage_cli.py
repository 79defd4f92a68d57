"""``yiwang hotline triage`` without a database: JSON Lines in, one JSON object per line out, errors per line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from yiwang.cli import app

REQUIRED = {
    "type",
    "category",
    "department",
    "also",
    "district_code",
    "street_code",
    "urgency",
    "redirect",
    "confidence",
}


def test_round_trip_with_bad_lines_in_between() -> None:
    lines = [
        json.dumps({"id": 1, "text": "武侯区玉林街道芳华街的路灯坏了三天了"}, ensure_ascii=False),
        "{not json",
        json.dumps({"text": ""}),
        json.dumps(["a list"]),
        json.dumps({"text": "锦江区一栋楼着火了", "lon": "东经"}, ensure_ascii=False),
        json.dumps({"text": "小区着火了，楼道全是烟", "lon": 104.06, "lat": 30.64}, ensure_ascii=False),
        "",
        json.dumps({"text": "路灯坏了", "lon": 500, "lat": 30}, ensure_ascii=False),
    ]
    result = CliRunner().invoke(app, ["hotline", "triage", "--no-database"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 7
    first = rows[0]
    assert first.keys() >= REQUIRED
    assert first["id"] == 1
    assert (first["department"], first["district_code"], first["street_code"]) == ("urban", "510107", "510107005")
    assert first["redirect"] is None
    assert "不是合法的 JSON" in rows[1]["error"]
    assert "text" in rows[2]["error"]
    assert "JSON 对象" in rows[3]["error"]
    assert rows[4]["error"] == "lon 应为数字"
    assert rows[5]["redirect"] == "119"
    assert rows[5]["district_code"] is not None
    assert rows[6]["field"] == "lon"
    assert "经度" in rows[6]["error"]
    assert "路灯" in result.stdout  # UTF-8, not \\u escapes


def test_without_any_database_file_the_seed_model_answers(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("YIWANG_DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    result = CliRunner().invoke(app, ["hotline", "triage"], input='{"text": "请问居住证怎么办理"}\n')
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout.splitlines()[-1])
    assert row["model_version"].startswith("seed-")
    assert row["type"] == "咨询"
    assert not (tmp_path / "absent.db").exists()  # looking did not create a database
