#!/bin/sh
# Poppler's pdftotext reads resume PDFs ~15x faster than pypdf (docs/decisions/0010). Best
# effort, from `make install`: installed with apt-get where this user may (containers, CI);
# elsewhere the service reads PDFs with pypdf and /api/v1/health says so.
# Pango, which WeasyPrint needs for the web app's PDF export (present on most Debian systems).
if ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" \
        && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y -q --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1 \
        || true
fi
command -v pdftotext >/dev/null 2>&1 && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y -q --no-install-recommends poppler-utils >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 \
             && apt-get install -y -q --no-install-recommends poppler-utils >/dev/null 2>&1; } \
        || true
fi
command -v pdftotext >/dev/null 2>&1 || echo "note: Poppler's pdftotext is not installed," \
    "so resume PDFs are read with pypdf (~15x slower); install poppler-utils (Debian," \
    "Ubuntu) or poppler (Homebrew) for the fast path."
exit 0
