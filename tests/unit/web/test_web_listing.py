from typing import Annotated

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
