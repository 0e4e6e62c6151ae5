#!/bin/sh
# Debian's Chromium, for the tests that look at the HTML report and the web app in a real browser
# (driven by Playwright with this executable; no test downloads a browser). Best effort, from
# `make install`:
# installed with apt-get where this user may (containers, CI); elsewhere those tests skip, or
# fail where CAA_REQUIRE_SERVICES=1.
command -v chromium >/dev/null 2>&1 && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 \
             && apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1; } \
        || true
fi
command -v chromium >/dev/null 2>&1 || echo "note: Chromium is not installed; the report-page" \
    "tests skip (apt install chromium)."
exit 0
