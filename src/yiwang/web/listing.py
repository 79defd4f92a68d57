"""What list endpoints share: the ``page`` and ``page_size`` query parameters, and CSV downloads.

``content_disposition`` builds the ``Content-Disposition`` header of any download, Chinese file names included
(RFC 6266 with the RFC 5987 ``filename*`` form, plus a plain ASCII ``filename`` for clients that ignore it).

A list route declares its own filters and passes them on by name; paging comes from one dependency per default
and bound (``Annotated[PageArgs, Depends(paging(default_size=20, max_size=100))]``) and goes on as ``**paging``.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the paging parameters' annotations at runtime, and
# they close over the bounds given to ``paging``, which a string annotation could not see.

import re
from collections.abc import Callable, Iterable
from typing import Annotated, Literal, TypedDict
from urllib.parse import quote

from fastapi import Query
from fastapi.responses import Response, StreamingResponse

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
DEFAULT_FALLBACK_STEM = "download"
"""The ASCII name a download falls back to when none of its own name is ASCII (``电子证照.csv`` → ``download.csv``)."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOT_FALLBACK = re.compile(r"[^A-Za-z0-9._ ()\[\]-]")


class PageArgs(TypedDict):
    """One page of a list as the list services take it (``page`` from 1, ``page_size`` rows)."""

    page: int
    page_size: int


def paging(*, default_size: int, max_size: int, max_page: int | None = None) -> Callable[..., PageArgs]:
    """A dependency reading ``page`` (1 to ``max_page``) and ``page_size`` (1 to ``max_size``) from the query.

    A value out of range is a 422 on that parameter before the service runs, as with a plain ``Query``.
    """

    def page_args(
        page: Annotated[int, Query(ge=1, le=max_page)] = 1,
        page_size: Annotated[int, Query(ge=1, le=max_size)] = default_size,
    ) -> PageArgs:
        return PageArgs(page=page, page_size=page_size)

    return page_args


def content_disposition(
    filename: str, *, fallback: str | None = None, disposition: Literal["attachment", "inline"] = "attachment"
) -> str:
    """The ``Content-Disposition`` value that makes a browser save (or show) the body as ``filename``.

    An ASCII name is sent as before, ``attachment; filename="report.csv"``. Any other name adds the UTF-8 form
    every current browser reads, after an ASCII ``filename`` for older clients: ``fallback`` when given (e.g.
    ``enterprises.csv`` for ``企业名录.csv``), else the name without its non-ASCII characters, keeping the extension
    (``download`` when nothing of the name remains).
    """
    name = _CONTROL.sub("", filename)  # a header value cannot carry line breaks
    if name.isascii():
        return f'{disposition}; filename="{_quoted(name)}"'
    plain = _ascii_fallback(fallback or name)
    return f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def csv_download(body: str | Iterable[str], *, filename: str, fallback: str | None = None) -> Response:
    """CSV saved by the browser as ``filename``: a whole text at once, or chunks streamed as they are written.

    The caller writes the BOM (Excel needs it to read UTF-8). A Chinese ``filename`` is sent as RFC 6266 asks,
    with ``fallback`` (or a derived ASCII name) for clients that cannot read it; see ``content_disposition``.
    """
    headers = {"Content-Disposition": content_disposition(filename, fallback=fallback)}
    if isinstance(body, str):
        return Response(body, media_type=CSV_MEDIA_TYPE, headers=headers)
    return StreamingResponse(iter(body), media_type=CSV_MEDIA_TYPE, headers=headers)


def _quoted(name: str) -> str:
    # Inside an HTTP quoted-string, a backslash and a double quote need a backslash before them.
    return name.replace("\\", "\\\\").replace('"', '\\"')


def _ascii_fallback(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    if not dot or not extension.isascii():
        stem, dot, extension = name, "", ""
    plain = _NOT_FALLBACK.sub("", stem).strip(" ._-")
    if not any(char.isalnum() for char in plain):
        plain = DEFAULT_FALLBACK_STEM
    return plain + dot + _NOT_FALLBACK.sub("", extension)
