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
import threading
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import ftfy

from contracts.errors import CorruptFile, NoExtractableText, TooLarge, UnsupportedType

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 20
PDFTOTEXT_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class DocumentLimits:
    """The budget a resume is read within (service settings CAA_MAX_RESUME_*; docs in README).

    Attributes:
        max_pages: PDF pages.
        max_chars: Characters of extracted text.
        max_zip_entries: Files inside a DOCX (a zip).
        max_unzipped_bytes: Their declared uncompressed size in all (Python's zipfile never
            inflates an entry past its declared size, and checks its CRC).
        max_ratio: Uncompressed / compressed size of any entry over 1 MB (a zip bomb's is in
            the thousands; Word's XML compresses 5-20x).
        max_xml_bytes: Declared size of the XML parts in all, told by their content (python-
            docx parses what [Content_Types].xml says, whatever the name); parsed into trees of
            ~30x their size. A real resume's are well under 1 MB; images are not parsed.
    """

    max_pages: int = 50
    max_chars: int = 300_000
    max_zip_entries: int = 1000
    max_unzipped_bytes: int = 100_000_000
    max_ratio: float = 100.0
    max_xml_bytes: int = 5_000_000


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


def _too_many_pages(max_pages: int) -> TooLarge:
    return TooLarge(
        f"the PDF has more than {max_pages} pages; this server reads at most {max_pages} "
        "(CAA_MAX_RESUME_PAGES)"
    )


def _pdf_with_pdftotext(data: bytes, exe: str, max_pages: int = 50) -> tuple[str, int]:
    """(text, pages) by pdftotext, pages joined by blank lines; reads one page past
    ``max_pages`` at most, to tell.

    Raises:
        CorruptFile: pdftotext cannot open the PDF, it is password-protected, or it takes
            longer than PDFTOTEXT_TIMEOUT_S.
        TooLarge: more than ``max_pages`` pages.
    """
    try:
        out = subprocess.run(
            [exe, "-enc", "UTF-8", "-l", str(max_pages + 1), "-", "-"],
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
    if len(pages) > max_pages:
        raise _too_many_pages(max_pages)
    return "\n\n".join(p.strip("\n") for p in pages), len(pages)


def _pdf_with_pypdf(data: bytes, max_pages: int = 50) -> tuple[str, int]:
    """(text, pages) by pypdf.

    Raises:
        CorruptFile: pypdf cannot parse the PDF, or it is password-protected.
        TooLarge: more than ``max_pages`` pages.
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise CorruptFile("the PDF is password-protected")
        if len(reader.pages) > max_pages:
            raise _too_many_pages(max_pages)
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


def check_zip(data: bytes, limits: DocumentLimits) -> None:
    """Refuse a DOCX whose zip would cost more than the budget to open (before any part is
    inflated).

    Raises:
        TooLarge: too many entries, too much declared uncompressed data, or an entry
            compressed beyond ``max_ratio`` (a zip bomb).
        CorruptFile: not a readable zip.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            entries = z.infolist()
            if len(entries) <= limits.max_zip_entries:
                heads = {e.filename: _head(z, e) for e in entries}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise CorruptFile("the DOCX (zip) container is corrupt or truncated") from exc
    if len(entries) > limits.max_zip_entries:
        raise TooLarge(
            f"the DOCX holds {len(entries)} files; this server opens at most "
            f"{limits.max_zip_entries} (CAA_MAX_DOCX_ENTRIES)"
        )
    total = sum(e.file_size for e in entries)
    if total > limits.max_unzipped_bytes:
        raise TooLarge(
            f"the DOCX unpacks to {total / 1e6:.0f} MB; this server unpacks at most "
            f"{limits.max_unzipped_bytes / 1e6:.0f} MB (CAA_MAX_DOCX_UNZIPPED_MB)"
        )
    xml = sum(
        e.file_size for e in entries if heads[e.filename].lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"
    )
    if xml > limits.max_xml_bytes:
        raise TooLarge(
            f"the DOCX holds {xml / 1e6:.0f} MB of XML; this server parses at most "
            f"{limits.max_xml_bytes / 1e6:.0f} MB"
        )
    for e in entries:
        if e.file_size > 1_000_000 and e.file_size > limits.max_ratio * max(1, e.compress_size):
            raise TooLarge(
                f"a part of the DOCX is compressed {e.file_size / max(1, e.compress_size):.0f}"
                f" times (a zip bomb?); this server accepts at most {limits.max_ratio:.0f}"
            )


def _head(z: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    """The first bytes of an entry (a few kB inflated at most)."""
    with z.open(entry) as f:
        return f.read(64)


# Parsing a DOCX costs ~30x its XML in memory: at most two at once per process, whatever the
# number of request threads (a 5 MB XML part peaks near 150 MB).
_DOCX_PARSES = threading.BoundedSemaphore(2)


def _docx_text(data: bytes, limits: DocumentLimits) -> str:
    """The paragraphs, then each top-level table's cells row by row (each cell once: a cell
    merged over several rows is read in its first row), by python-docx without its merged-cell
    resolution (recursive: a long vertical merge exhausted Python's stack).

    Raises:
        TooLarge: see :func:`check_zip`. CorruptFile: the zip or its XML cannot be parsed.
    """
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph
    from lxml import etree

    check_zip(data, limits)
    with _DOCX_PARSES:
        try:
            document = docx.Document(io.BytesIO(data))
            parts = [p.text for p in document.paragraphs]
            for table in document.tables:
                for tr in table._tbl.iterchildren(qn("w:tr")):
                    for tc in tr.iterchildren(qn("w:tc")):
                        parts.append(
                            "\n".join(Paragraph(p, None).text for p in tc.iterchildren(qn("w:p")))
                        )
        except (KeyError, ValueError, zipfile.BadZipFile, etree.LxmlError) as exc:
            raise CorruptFile(f"the DOCX cannot be parsed ({type(exc).__name__})") from exc
    return "\n".join(parts)


def extract_text(
    data: bytes, use_pdftotext: bool = True, limits: DocumentLimits | None = None
) -> ResumeText:
    """Extract the text of a PDF or DOCX resume, within a budget.

    Args:
        data: The file's bytes.
        use_pdftotext: Read PDFs with pdftotext when it is installed; False always uses pypdf.
        limits: The budget (pages, characters, zip entries and sizes); default DocumentLimits().

    Raises:
        UnsupportedType: not a PDF or DOCX by content.
        CorruptFile: the document cannot be parsed.
        TooLarge: over a limit of ``limits``.
        NoExtractableText: fewer than 20 characters of text (e.g. a scanned PDF).
    """
    limits = limits or DocumentLimits()
    kind = sniff_document(data)
    if kind == "pdf":
        poppler = pdftotext() if use_pdftotext else None
        if poppler is not None:
            text, n_pages = _pdf_with_pdftotext(data, poppler[0], limits.max_pages)
            extractor = f"pdftotext {poppler[1]}"
        else:
            import pypdf

            text, n_pages = _pdf_with_pypdf(data, limits.max_pages)
            extractor = f"pypdf {pypdf.__version__}"
    else:
        import docx

        text, n_pages = _docx_text(data, limits), None
        extractor = f"python-docx {docx.__version__}"
    if len(text) > limits.max_chars:
        raise TooLarge(
            f"the resume holds {len(text)} characters of text; this server reads at most "
            f"{limits.max_chars} (CAA_MAX_RESUME_CHARS)"
        )
    # text decoded in the wrong encoding somewhere before the PDF was made ("sautÃ©ing",
    # "SkilledÂ Maintenance") read as it was written (ftfy: Speer 2019)
    text = ftfy.fix_text(text)
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise NoExtractableText(
            "no text could be extracted; the document may be a scanned image (OCR is not supported)"
        )
    return ResumeText(format=kind, pages=n_pages, text=text, extractor=extractor)
