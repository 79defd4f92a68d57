"""What list endpoints share: the ``page`` and ``page_size`` query parameters, and CSV downloads.

A list route declares its own filters and passes them on by name; paging comes from one dependency per default
and bound (``Annotated[PageArgs, Depends(paging(default_size=20, max_size=100))]``) and goes on as ``**paging``.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the paging parameters' annotations at runtime, and
# they close over the bounds given to ``paging``, which a string annotation could not see.

from collections.abc import Callable, Iterable
from typing import Annotated, TypedDict

from fastapi import Query
from fastapi.responses import Response, StreamingResponse

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


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


def csv_download(body: str | Iterable[str], *, filename: str) -> Response:
    """CSV saved by the browser as ``filename``: a whole text at once, or chunks streamed as they are written.

    The caller writes the BOM (Excel needs it to read UTF-8); ``filename`` is ASCII.
    """
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if isinstance(body, str):
        return Response(body, media_type=CSV_MEDIA_TYPE, headers=headers)
    return StreamingResponse(iter(body), media_type=CSV_MEDIA_TYPE, headers=headers)
