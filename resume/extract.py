"""Resume document -> plain text, with pypdf (PDF) and python-docx (DOCX).

pypdf rather than pdfplumber: on the two-page benchmark resume it extracts the same text
(spaces between words included) in 175 ms against 409 ms (docs/PERFORMANCE.md); pdfium
(pypdfium2) is 40x faster but runs words together on PDFs that carry no space characters
("ofexperience with"), which breaks skill matching."""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from typing import Literal

from analyzers.errors import CorruptFile, NoExtractableText, UnsupportedType

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 20


@dataclass(frozen=True)
class ResumeText:
    """Extracted text.

    Attributes:
        format: ``pdf`` or ``docx``.
        pages: Page count (PDF); None for DOCX.
        text: The text, pages joined by blank lines.
    """

    format: Literal["pdf", "docx"]
    pages: int | None
    text: str


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


def extract_text(data: bytes) -> ResumeText:
    """Extract the text of a PDF or DOCX resume.

    Args:
        data: The file's bytes.

    Raises:
        UnsupportedType: not a PDF or DOCX by content.
        CorruptFile: the document cannot be parsed.
        NoExtractableText: fewer than 20 characters of text (e.g. a scanned PDF).
    """
    kind = sniff_document(data)
    if kind == "pdf":
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError

        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise CorruptFile("the PDF is password-protected")
            pages = [page.extract_text() or "" for page in reader.pages]
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CorruptFile(f"the PDF cannot be parsed ({type(exc).__name__})") from exc
        text, n_pages = "\n\n".join(pages), len(pages)
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
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise NoExtractableText(
            "no text could be extracted; the document may be a scanned image (OCR is not supported)"
        )
    return ResumeText(format=kind, pages=n_pages, text=text)
