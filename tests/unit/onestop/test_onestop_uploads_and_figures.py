"""Upload checks (size, type by leading bytes, display name) and the 四个减 arithmetic."""

from __future__ import annotations

import pytest

from yiwang.kernel.errors import ValidationError
from yiwang.onestop import figures, uploads

PDF = b"%PDF-1.7\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 8
OFD = b"PK\x03\x04" + b"\x00" * 8


@pytest.mark.parametrize(
    ("content_type", "content"),
    [("application/pdf", PDF), ("image/png", PNG), ("image/jpeg", JPEG), ("application/ofd", OFD)],
)
def test_allowed_types_pass(content_type: str, content: bytes) -> None:
    uploads.check_upload(content_type, content)


@pytest.mark.parametrize(
    ("content_type", "content", "message"),
    [
        ("application/pdf", b"", "为空"),
        ("application/pdf", b"MZ\x90\x00", "不符"),  # an executable declared as PDF
        ("image/png", PDF, "不符"),
        ("application/x-msdownload", b"MZ", "只能上传"),
        ("text/html", b"<html>", "只能上传"),
        ("application/pdf", b"%PDF-" + b"0" * uploads.MAX_UPLOAD_BYTES, "10 MB"),
    ],
)
def test_bad_uploads_are_refused_with_a_chinese_message(content_type: str, content: bytes, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        uploads.check_upload(content_type, content)
    assert caught.value.field == "file"


def test_exactly_the_limit_is_accepted() -> None:
    uploads.check_upload("application/pdf", b"%PDF-" + b"0" * (uploads.MAX_UPLOAD_BYTES - 5))


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\王\\身份证.pdf", "身份证.pdf"),
        ('a<b>:"c|?*.pdf', "abc.pdf"),
        ("bad\x00name\n.pdf", "badname.pdf"),
        ("   ", "upload"),
        ("/", "upload"),
        ("x" * 300 + ".pdf", "x" * 200),
    ],
)
def test_safe_display_names(given: str, shown: str) -> None:
    assert uploads.safe_name(given) == shown


def test_saving_figures() -> None:
    figure = figures.saving_figure(20, [1.0, 2.0, 3.0])
    assert (figure.baseline, figure.actual, figure.reduction_percent) == (20, 2.0, 90.0)
    assert figures.saving_figure(0, [1.0]).reduction_percent == 0.0  # no baseline: nothing to claim
    assert figures.saving_figure(4, []).actual == 0.0
    assert figures.saving_figure(4, []).reduction_percent == 0.0  # no data: nothing to claim
    assert figures.saving_figure(2, [3.0]).reduction_percent == -50.0  # worse than the baseline shows as such


def test_steps_count_handling_actions_and_instant_once() -> None:
    assert figures.count_steps({"submit": 1, "instant_approve": 1, "start": 1, "upload": 3, "complete": 1}) == 2
    assert figures.count_steps({"submit": 1, "accept": 1, "request_correction": 1, "resubmit": 1, "approve": 1}) == 5
    assert figures.count_steps({"submit": 1, "instant_review": 2, "accept": 0}) == 2
    assert figures.count_steps({}) == 0
