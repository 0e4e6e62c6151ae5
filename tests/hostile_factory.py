"""Hostile and malformed inputs, generated at test time (nothing binary is committed)."""

from __future__ import annotations

import io
import zipfile

from tests.conftest import make_docx, make_pdf

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_with(document_xml: bytes | str, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A real DOCX (python-docx's) whose ``word/document.xml`` is replaced."""
    if isinstance(document_xml, str):
        document_xml = document_xml.encode()
    src = zipfile.ZipFile(io.BytesIO(make_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = document_xml if item.filename == "word/document.xml" else src.read(item)
            z.writestr(item.filename, data)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def _body(inner: str) -> str:
    return f'<?xml version="1.0"?><w:document {W}><w:body>{inner}</w:body></w:document>'


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def docx_zip_bomb(inflated_mb: int = 300) -> bytes:
    """~0.3 MB that inflates to ``inflated_mb`` of XML-ish zeros inside the main part."""
    out = io.BytesIO()
    src = zipfile.ZipFile(io.BytesIO(make_docx()))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for item in src.infolist():
            if item.filename == "word/document.xml":
                with z.open("word/document.xml", "w", force_zip64=True) as f:
                    f.write(_body(_p("Python")).encode()[: -len("</w:body></w:document>")])
                    chunk = b" " * 1_000_000
                    for _ in range(inflated_mb):
                        f.write(chunk)
                    f.write(b"</w:body></w:document>")
            else:
                z.writestr(item.filename, src.read(item))
    return out.getvalue()


def docx_many_entries(n: int = 3000) -> bytes:
    return docx_with(
        _body(_p("Python developer with SQL")), extra={f"x/{i}": b"" for i in range(n)}
    )


def docx_billion_laughs() -> bytes:
    lol = '<!ENTITY a "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    return docx_with(
        f'<?xml version="1.0"?><!DOCTYPE w:document [{lol}]><w:document {W}><w:body>'
        f"{_p('Python &j;')}</w:body></w:document>"
    )


def docx_external_entity() -> bytes:
    return docx_with(
        '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f"<w:document {W}><w:body>{_p('Python developer, SQL, Docker &x;')}</w:body></w:document>"
    )


def docx_not_xml() -> bytes:
    return docx_with(b"\x89PNG\r\n\x1a\n this is not XML at all" * 10)


def docx_deep_nesting(depth: int = 5000) -> bytes:
    inner = "<w:tbl><w:tr><w:tc>" * depth + _p("x") + "</w:tc></w:tr></w:tbl>" * depth
    return docx_with(_body(_p("Python developer with SQL") + inner))


def docx_long_vertical_merge(rows: int = 5000) -> bytes:
    first = '<w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr>' + _p("Python, SQL") + "</w:tc>"
    cont = "<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>"
    other = "<w:tc>" + _p("Docker") + "</w:tc>"
    table = (
        "<w:tbl>"
        + f"<w:tr>{first}{other}</w:tr>"
        + f"<w:tr>{cont}{other}</w:tr>" * (rows - 1)
        + "</w:tbl>"
    )
    return docx_with(_body(_p("Jane Doe, backend developer") + table))


def pdf_pages(n: int) -> bytes:
    return make_pdf("\f".join(["Python developer, SQL and Docker."] * n)) if n == 1 else _pdf_n(n)


def _pdf_n(n: int) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for i in range(n):
        pdf.add_page()
        pdf.cell(0, 10, f"Page {i}: Python developer with SQL and Docker experience.")
    return bytes(pdf.output())


def pdf_with_text(chars: int) -> bytes:
    line = "Managed budgets, negotiated contracts and trained new staff in Excel and Python. "
    return make_pdf((line * (chars // len(line) + 1))[:chars])


def docx_large_xml(mb: int = 30) -> bytes:
    """A main part of ``mb`` MB of real paragraphs (compresses ~30x: under the ratio limit)."""
    rng = __import__("random").Random(0)
    words = ["Python", "budget", "team", "SQL", "report", "client", "Docker", "plan"]
    paragraphs = []
    size = 0
    while size < mb * 1_000_000:
        p = _p(" ".join(rng.choice(words) + str(rng.randint(0, 99)) for _ in range(40)))
        paragraphs.append(p)
        size += len(p)
    return docx_with(_body("".join(paragraphs)))


def docx_disguised_xml(mb: int = 8) -> bytes:
    """The main part renamed ``word/d.bin`` (its type declared in [Content_Types].xml, the
    package relationship pointing at it), holding ``mb`` MB of XML, beside a small decoy
    ``word/document.xml`` that nothing points to."""
    import warnings

    big = zipfile.ZipFile(io.BytesIO(docx_large_xml(mb)))
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        warnings.simplefilter("ignore")  # a duplicate entry name is part of the trick
        for item in big.infolist():
            data = big.read(item)
            name = item.filename
            if name == "word/document.xml":
                name = "word/d.bin"
            elif name == "[Content_Types].xml":
                data = data.replace(b'PartName="/word/document.xml"', b'PartName="/word/d.bin"')
            elif name == "_rels/.rels":
                data = data.replace(b"word/document.xml", b"word/d.bin")
            z.writestr(name, data)
        z.writestr("word/document.xml", _body(_p("decoy")))
    return out.getvalue()


def wav_float(samples, rate: int = 16_000, channels: int = 1) -> bytes:
    """A WAV of 32-bit float samples (format 3), NaN and infinities allowed."""
    import struct

    import numpy as np

    data = np.asarray(samples, dtype="<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, channels, rate, rate * 4 * channels, 4 * channels, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body
