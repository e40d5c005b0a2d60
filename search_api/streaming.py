"""Receiving one file from a ``multipart/form-data`` body, streamed to disk within a size limit.

Starlette's own form parsing (what FastAPI's ``UploadFile`` uses) reads the whole body before
the route runs and has no limit on a file's size, so an anonymous caller could fill the disk
before learning it is not allowed. Here the route checks who is calling first, then the body
is parsed as it arrives (python-multipart's streaming parser): the file part is written to a
private temporary file, at most ``max_bytes`` of it, and the upload stops with 413 as soon as
it passes that. The name the client gave travels as a label only; the temporary file has a
name of our own, and it is removed when the ``async with`` block ends, whatever happened.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from search_api.errors import ApiError

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

#: Room for the multipart framing and small fields around the file itself.
_FORM_OVERHEAD_BYTES = 64 * 1024

#: How the OpenAPI document describes a body holding one file in the field ``file``.
FILE_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"file": {"type": "string", "format": "binary"}},
    "required": ["file"],
}


def file_body(description: str) -> dict[str, Any]:
    """``openapi_extra`` of a route whose body is one file in the multipart field ``file``."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"multipart/form-data": {"schema": FILE_BODY_SCHEMA}},
        }
    }


@dataclass(frozen=True, slots=True)
class StagedFile:
    """The received file: where it lies now, the name the client gave, how big it is."""

    path: Path
    filename: str
    size_bytes: int


class _FilePart:
    """python-multipart callbacks that write the part named ``field`` to ``target``."""

    def __init__(self, field: str, target: IO[bytes], max_bytes: int) -> None:
        self.field = field.encode()
        self.target = target
        self.max_bytes = max_bytes
        self.filename: str | None = None
        self.size_bytes = 0
        self.ended = False
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._writing = False

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        # Only the first part named ``field`` that carries a file name is the file; a second
        # one, and every other field, is read past and dropped.
        if options.get(b"name") == self.field and b"filename" in options and self.filename is None:
            self.filename = _decoded(options[b"filename"])
            self._writing = True

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._writing:
            return
        self.size_bytes += end - start
        if self.size_bytes > self.max_bytes:
            raise _too_large(self.max_bytes)
        self.target.write(data[start:end])

    def _part_end(self) -> None:
        self._writing = False

    def _end(self) -> None:
        self.ended = True


def _decoded(raw: bytes) -> str:
    # Browsers send file names as raw UTF-8 (RFC 7578 4.2); anything else is read as Latin-1.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(
        413, "too_large", f"the file is too large: the limit is {max_bytes / 1024**2:.1f} MB"
    )


def _boundary(request: Request, field: str) -> bytes:
    content_type, options = parse_options_header(request.headers.get("content-type"))
    if content_type != b"multipart/form-data":
        raise ApiError(
            415,
            "unsupported_media_type",
            f"send the file as multipart/form-data in the field {field!r}",
        )
    boundary = options.get(b"boundary")
    if not boundary:
        raise ApiError(400, "bad_request", "multipart/form-data without a boundary")
    return boundary


def _check_declared_length(request: Request, max_bytes: int) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + _FORM_OVERHEAD_BYTES:
        raise _too_large(max_bytes)


@contextlib.asynccontextmanager
async def staged_file(
    request: Request, *, field: str, max_bytes: int, staging_dir: Path
) -> AsyncIterator[StagedFile]:
    """Receive the file in multipart field ``field`` into ``staging_dir``; removed on exit.

    Errors, each an ``ApiError`` with one line: 415 not multipart, 400 malformed or cut short,
    413 over ``max_bytes`` (before reading when ``Content-Length`` says so, else as soon as the
    file passes it), 422 no file in ``field``.
    """
    boundary = _boundary(request, field)
    _check_declared_length(request, max_bytes)
    staging_dir.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix="upload-", dir=staging_dir)
    path = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as target:
            part = _FilePart(field, target, max_bytes)
            await _parse(request, MultipartParser(boundary, part.callbacks()), max_bytes)
        if not part.ended:
            raise ApiError(400, "bad_request", "the multipart body was cut short")
        if part.filename is None:
            raise ApiError(
                422,
                "invalid_request",
                f"no file in the multipart field {field!r} (send it with a file name)",
            )
        yield StagedFile(path=path, filename=part.filename, size_bytes=part.size_bytes)
    finally:
        path.unlink(missing_ok=True)


async def _parse(request: Request, parser: MultipartParser, max_bytes: int) -> None:
    received = 0
    try:
        async for block in request.stream():
            received += len(block)
            # The whole body is bounded too, so that other fields cannot stream forever.
            if received > max_bytes + _FORM_OVERHEAD_BYTES:
                raise _too_large(max_bytes)
            # Local disk writes of ~64 KiB blocks: cheap enough to do on the event loop.
            parser.write(block)
    except MultipartParseError as error:
        raise ApiError(400, "bad_request", f"malformed multipart body: {error}") from None
    except ClientDisconnect:
        raise ApiError(400, "bad_request", "the client went away during the upload") from None
    parser.finalize()
