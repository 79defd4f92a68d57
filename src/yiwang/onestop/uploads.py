"""Upload checks of application materials: size, declared type against the leading bytes, and a safe file name.

Pure. The declared content type is never trusted: the bytes must start the way that type starts. The file name is
kept for display only (stored uploads are addressed by id), so it is reduced to its last path part without
characters that browsers or spreadsheets treat specially.
"""

from __future__ import annotations

from yiwang.kernel.errors import ValidationError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED_UPLOADS: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/ofd": (b"PK\x03\x04",),
}
"""Accepted upload types and the leading bytes their content must start with (the declared type is not trusted)."""
MAX_NAME_CHARS = 200


def check_upload(content_type: str, content: bytes) -> None:
    """Raise a field-level Chinese :class:`ValidationError` unless the content is a non-empty allowed file."""
    if not content:
        raise ValidationError("上传的文件为空", field="file")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError("单个文件不能超过 10 MB", field="file")
    magics = ALLOWED_UPLOADS.get(content_type)
    if magics is None:
        raise ValidationError("只能上传 PDF、JPG、PNG 或 OFD 格式的文件", field="file")
    if not any(content.startswith(m) for m in magics):
        raise ValidationError("文件内容与声明的格式不符，请上传真实的 PDF、JPG、PNG 或 OFD 文件", field="file")


def safe_name(file_name: str) -> str:
    """The name to display: the last path part, printable, without ``<>:"|?*``, at most 200 characters."""
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return (cleaned or "upload")[:MAX_NAME_CHARS]
