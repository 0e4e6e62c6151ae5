"""Resume documents -> text (pdfplumber, python-docx) -> skills matched against a taxonomy."""
