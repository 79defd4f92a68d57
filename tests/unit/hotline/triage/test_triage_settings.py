"""Loading the triage settings: an invalid retention rule refuses to load, in Chinese, naming the variable."""

from __future__ import annotations

import pytest

from yiwang.hotline.triage import services


@pytest.mark.parametrize("value", ["0", "-1", "abc", "2.5", ""])
def test_an_invalid_keep_versions_refuses_to_load_with_a_chinese_message(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YIWANG_TRIAGE_KEEP_VERSIONS", value)
    with pytest.raises(ValueError, match="YIWANG_TRIAGE_KEEP_VERSIONS 应为不小于 1 的整数") as caught:
        services.TriageSettings()
    message = str(caught.value)
    assert f"当前为「{value}」" in message
    # Only the Chinese sentence: no pydantic report, no English.
    assert "validation error" not in message
    assert "\n" not in message


def test_a_valid_keep_versions_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIWANG_TRIAGE_KEEP_VERSIONS", "2")
    assert services.TriageSettings().keep_versions == 2
    monkeypatch.delenv("YIWANG_TRIAGE_KEEP_VERSIONS")
    assert services.TriageSettings().keep_versions == 5


def test_other_invalid_settings_name_their_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIWANG_TRIAGE_REVIEW_THRESHOLD", "高")
    with pytest.raises(ValueError, match="YIWANG_TRIAGE_REVIEW_THRESHOLD 应为数字，当前为「高」"):
        services.TriageSettings()


def test_an_invalid_value_passed_in_code_is_refused_the_same_way() -> None:
    with pytest.raises(ValueError, match="YIWANG_TRIAGE_KEEP_VERSIONS 应为不小于 1 的整数，当前为「0」"):
        services.TriageSettings(keep_versions=0)


def test_the_app_refuses_to_start_with_an_invalid_triage_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from yiwang.app import create_app
    from yiwang.config import Settings

    monkeypatch.setenv("YIWANG_TRIAGE_KEEP_VERSIONS", "0")
    with pytest.raises(ValueError, match="YIWANG_TRIAGE_KEEP_VERSIONS"):
        create_app(Settings(database_url="sqlite://"))
