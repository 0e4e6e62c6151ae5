"""Resume documents -> text (pypdf, python-docx) -> skills matched against a taxonomy."""
