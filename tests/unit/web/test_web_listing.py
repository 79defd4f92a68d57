from typing import Annotated
from urllib.parse import unquote

import pytest
from fastapi import Depends, FastAPI
from fastapi.responses import Response
from fastapi.testclient import TestClient

from yiwang.web import listing

app = FastAPI()
Paging = Annotated[listing.PageArgs, Depends(listing.paging(default_size=20, max_size=100, max_page=1000))]
UnboundedPaging = Annotated[listing.PageArgs, Depends(listing.paging(default_size=50, max_size=200))]


@app.get("/bounded")
def bounded(paging: Paging) -> dict[str, int]:
    return dict(paging)


@app.get("/unbounded")
def unbounded(paging: UnboundedPaging) -> dict[str, int]:
    return dict(paging)


@app.get("/text.csv")
def text_csv() -> Response:
    return listing.csv_download("\ufeff编号\r\n1\r\n", filename="text.csv")


@app.get("/rows.csv")
def rows_csv() -> Response:
    return listing.csv_download(iter(["\ufeff", "编号\r\n", "1\r\n"]), filename="rows.csv")


@app.get("/chinese.csv")
def chinese_csv() -> Response:
    return listing.csv_download(iter(["\ufeff编号\r\n"]), filename="电子证照.csv", fallback="certificates.csv")


client = TestClient(app)


def test_paging_defaults_and_values_pass_through():
    assert client.get("/bounded").json() == {"page": 1, "page_size": 20}
    assert client.get("/unbounded").json() == {"page": 1, "page_size": 50}
    assert client.get("/bounded", params={"page": 3, "page_size": 100}).json() == {"page": 3, "page_size": 100}
    assert client.get("/unbounded", params={"page": 10**6, "page_size": 200}).status_code == 200


def test_paging_out_of_range_is_a_422_on_the_parameter():
    for params, field in [
        ({"page": 0}, "page"),
        ({"page": 1001}, "page"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
    ]:
        response = client.get("/bounded", params=params)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", field]
    assert client.get("/unbounded", params={"page_size": 201}).status_code == 422


def test_paging_shows_in_openapi_with_its_bounds():
    parameters = {p["name"]: p["schema"] for p in app.openapi()["paths"]["/bounded"]["get"]["parameters"]}
    assert parameters["page"] == {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1, "title": "Page"}
    assert parameters["page_size"]["maximum"] == 100
    assert parameters["page_size"]["default"] == 20


def test_csv_download_of_a_text_and_of_streamed_rows():
    for path, name in [("/text.csv", "text.csv"), ("/rows.csv", "rows.csv")]:
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
        assert response.content.decode("utf-8") == "\ufeff编号\r\n1\r\n"
    assert "content-length" in client.get("/text.csv").headers  # a whole text is sent at once, not chunked


def test_csv_download_of_a_chinese_name_uses_rfc_6266_with_an_ascii_fallback():
    response = client.get("/chinese.csv")
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition == (
        "attachment; filename=\"certificates.csv\"; filename*=UTF-8''%E7%94%B5%E5%AD%90%E8%AF%81%E7%85%A7.csv"
    )
    assert unquote(disposition.rsplit("UTF-8''", 1)[1]) == "电子证照.csv"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        # ASCII names are sent exactly as before.
        ("hotline-appeals-20261130.csv", 'attachment; filename="hotline-appeals-20261130.csv"'),
        ("grants disclosure (2026).csv", 'attachment; filename="grants disclosure (2026).csv"'),
        # Non-ASCII: an ASCII fallback from what is left of the name, then the percent-encoded UTF-8 name.
        (
            "企业名录.csv",
            "attachment; filename=\"download.csv\"; filename*=UTF-8''%E4%BC%81%E4%B8%9A%E5%90%8D%E5%BD%95.csv",
        ),
        (
            "IMG_0012 副本.jpg",
            "attachment; filename=\"IMG_0012.jpg\"; filename*=UTF-8''IMG_0012%20%E5%89%AF%E6%9C%AC.jpg",
        ),
        ("说明", "attachment; filename=\"download\"; filename*=UTF-8''%E8%AF%B4%E6%98%8E"),
        # Quotes, semicolons and line breaks cannot break out of the header value.
        ('a"b\\c.csv', 'attachment; filename="a\\"b\\\\c.csv"'),
        ("x\r\nSet-Cookie: y.csv", 'attachment; filename="xSet-Cookie: y.csv"'),
        (
            '照片"; filename=evil.exe',
            (
                "attachment; filename=\"filenameevil.exe\"; filename*=UTF-8''"
                "%E7%85%A7%E7%89%87%22%3B%20filename%3Devil.exe"
            ),
        ),
    ],
)
def test_content_disposition(filename, expected):
    assert listing.content_disposition(filename) == expected


def test_content_disposition_inline_and_a_non_ascii_fallback():
    assert listing.content_disposition("现场照片.png", disposition="inline").startswith(
        'inline; filename="download.png"; '
    )
    # A fallback that is not ASCII itself is reduced like a name.
    assert listing.content_disposition("报告.pdf", fallback="报告 2026.pdf").startswith(
        'attachment; filename="2026.pdf"; '
    )
