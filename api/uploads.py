"""Uploads: saved with generated names into a folder the caller gives (a per-request temporary
folder under ``uploads/``, removed when the request ends, or a job's folder under
``var/jobs/``), type judged from content."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import filetype
from flask import g, request
from werkzeug.datastructures import FileStorage

from contracts.errors import EmptyFile, MissingField, UnsupportedType
from pipeline import UploadedFile
from resume.extract import sniff_document

DOC_MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def workspace(upload_root: Path) -> Path:
    """This request's temporary folder (created on first use)."""
    if getattr(g, "workspace", None) is None:
        upload_root.mkdir(parents=True, exist_ok=True)
        g.workspace = Path(tempfile.mkdtemp(prefix="req-", dir=upload_root))
    return g.workspace


def cleanup(keep: bool) -> None:
    path = getattr(g, "workspace", None)
    if path is not None and not keep:
        shutil.rmtree(path, ignore_errors=True)
    g.workspace = None


def _safe_name(name: str | None) -> str:
    base = Path(name or "upload").name
    return re.sub(r"[^\w.\- ]", "_", base)[:200] or "upload"


def _save(storage: FileStorage, field: str, folder: Path, suffix: str) -> tuple[Path, int]:
    path = folder / f"{field}{suffix}"
    storage.save(path)
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile(f"the '{field}' file is empty")
    return path, size


def get_file(field: str) -> FileStorage | None:
    storage = request.files.get(field)
    if storage is None or (not storage.filename and not storage.content_length):
        return None
    return storage


def save_resume(folder: Path, *, required: bool) -> UploadedFile | None:
    """Save the ``resume`` field into ``folder``; its content must be PDF or DOCX.

    Raises:
        MissingField (when required), EmptyFile, UnsupportedType.
    """
    storage = get_file("resume")
    if storage is None:
        if required:
            raise MissingField("send the resume as the multipart field 'resume' (.pdf or .docx)")
        return None
    path, size = _save(storage, "resume", folder, ".bin")
    kind = sniff_document(path.read_bytes())
    return UploadedFile("resume", path, _safe_name(storage.filename), size, DOC_MIME[kind])


def save_media(folder: Path, *, fields: tuple[str, ...], required: bool) -> UploadedFile | None:
    """Save the first present media field into ``folder``; its content must be audio or video.

    Raises:
        MissingField (when required), EmptyFile, UnsupportedType.
    """
    present = [f for f in fields if get_file(f) is not None]
    if not present:
        if required:
            names = " or ".join(f"'{f}'" for f in fields)
            raise MissingField(f"send the recording as the multipart field {names}")
        return None
    field = present[0]
    storage = get_file(field)
    path, size = _save(storage, field, folder, ".media")
    with path.open("rb") as f:
        head = f.read(8192)
    kind = filetype.guess(head)
    if kind is None or kind.mime.split("/")[0] not in ("video", "audio"):
        found = kind.mime if kind else "unknown content"
        raise UnsupportedType(
            f"the '{field}' file is not audio or video ({found}); send mp4, mov, webm, mkv, avi, "
            "wav, mp3, m4a, ogg or flac"
        )
    return UploadedFile(field, path, _safe_name(storage.filename), size, kind.mime)
