"""Resume document -> plain text: PDF with Poppler's ``pdftotext`` when it is installed (else
pypdf), DOCX with python-docx.

pdftotext (Poppler, run as a separate program) reads the two-page benchmark resume in ~12 ms
including the process start, against ~170 ms for pypdf (pure Python), and keeps the spaces
between words on the 137 real resumes of ``../shared/data`` (99.8 % of pypdf's words, and it
also splits words pypdf runs together); resume skill F1 is the same on three labelled sets
(docs/decisions/0010-pdf-text-with-pdftotext.md). Without it (``make install`` cannot install
system packages everywhere) pypdf reads the PDF, slower, and the report says which one did.
pdfium (pypdfium2) is faster still but runs words together on PDFs that carry no space
characters ("ofexperience with"), which breaks skill matching."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from contracts.errors import CorruptFile, NoExtractableText, UnsupportedType

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 20
PDFTOTEXT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ResumeText:
    """Extracted text.

    Attributes:
        format: ``pdf`` or ``docx``.
        pages: Page count (PDF); None for DOCX.
        text: The text, pages joined by blank lines.
        extractor: What read it, with its version ("pdftotext 22.12.0", "pypdf 7.1.0",
            "python-docx 1.2.0").
    """

    format: Literal["pdf", "docx"]
    pages: int | None
    text: str
    extractor: str


@lru_cache(maxsize=1)
def pdftotext() -> tuple[str, str] | None:
    """(path, version) of Poppler's ``pdftotext``, or None when it is not installed."""
    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "-v"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    words = (out.stderr or out.stdout).split()
    version = words[2] if len(words) > 2 and words[:2] == ["pdftotext", "version"] else "?"
    return exe, version


def _pdf_with_pdftotext(data: bytes, exe: str) -> tuple[str, int]:
    """(text, pages) by pdftotext, pages joined by blank lines.

    Raises:
        CorruptFile: pdftotext cannot open the PDF, it is password-protected, or it takes
            longer than PDFTOTEXT_TIMEOUT_S.
    """
    try:
        out = subprocess.run(
            [exe, "-enc", "UTF-8", "-", "-"],
            input=data,
            capture_output=True,
            timeout=PDFTOTEXT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise CorruptFile("the PDF could not be read in time") from exc
    if out.returncode != 0:
        if b"password" in out.stderr.lower() or out.returncode == 3:
            raise CorruptFile("the PDF is password-protected")
        raise CorruptFile(f"the PDF cannot be parsed (pdftotext exit status {out.returncode})")
    pages = out.stdout.decode("utf-8", "replace").split("\f")  # a form feed ends each page
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    return "\n\n".join(p.strip("\n") for p in pages), len(pages)


def _pdf_with_pypdf(data: bytes) -> tuple[str, int]:
    """(text, pages) by pypdf.

    Raises:
        CorruptFile: pypdf cannot parse the PDF, or it is password-protected.
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise CorruptFile("the PDF is password-protected")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CorruptFile(f"the PDF cannot be parsed ({type(exc).__name__})") from exc
    return "\n\n".join(pages), len(pages)


def sniff_document(data: bytes) -> Literal["pdf", "docx"]:
    """Judge the document type by content, not by the file name.

    Raises:
        UnsupportedType: neither a PDF nor a Word (OOXML) document.
    """
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "word/document.xml" in z.namelist():
                    return "docx"
        except zipfile.BadZipFile as exc:
            raise CorruptFile("the DOCX (zip) container is corrupt or truncated") from exc
    raise UnsupportedType("the resume must be a PDF or a DOCX document (judged by its content)")


def extract_text(data: bytes, use_pdftotext: bool = True) -> ResumeText:
    """Extract the text of a PDF or DOCX resume.

    Args:
        data: The file's bytes.
        use_pdftotext: Read PDFs with pdftotext when it is installed; False always uses pypdf.

    Raises:
        UnsupportedType: not a PDF or DOCX by content.
        CorruptFile: the document cannot be parsed.
        NoExtractableText: fewer than 20 characters of text (e.g. a scanned PDF).
    """
    kind = sniff_document(data)
    if kind == "pdf":
        poppler = pdftotext() if use_pdftotext else None
        if poppler is not None:
            text, n_pages = _pdf_with_pdftotext(data, poppler[0])
            extractor = f"pdftotext {poppler[1]}"
        else:
            import pypdf

            text, n_pages = _pdf_with_pypdf(data)
            extractor = f"pypdf {pypdf.__version__}"
    else:
        import docx

        try:
            document = docx.Document(io.BytesIO(data))
        except (KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise CorruptFile(f"the DOCX cannot be parsed ({type(exc).__name__})") from exc
        parts = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        parts.append(cell.text)
        text, n_pages = "\n".join(parts), None
        extractor = f"python-docx {docx.__version__}"
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise NoExtractableText(
            "no text could be extracted; the document may be a scanned image (OCR is not supported)"
        )
    return ResumeText(format=kind, pages=n_pages, text=text, extractor=extractor)
