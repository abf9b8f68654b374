#!/usr/bin/env bash
# Make sure headless Chromium is available for the lineage-docs screenshot test.
# Installs Debian's `chromium` package (and a font) with apt-get when /usr/bin/chromium is missing,
# quietly and non-interactively, only when running as root with apt-get available;
# otherwise says what to install and exits 0 (the test that needs it is then skipped).
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: $CHROMIUM is missing and cannot be installed here" \
        "(needs root and apt-get): install Debian's 'chromium' package" \
        "(sudo apt-get install chromium); the lineage screenshot test is skipped until then." >&2
    exit 0
fi

echo "ensure_chromium: installing Debian's chromium (apt-get)..." >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-liberation; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "ensure_chromium: apt-get could not install chromium (see above)." >&2
    exit 1
fi
if [ ! -x "$CHROMIUM" ]; then
    echo "ensure_chromium: chromium installed but $CHROMIUM is missing." >&2
    exit 1
fi
echo "ensure_chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium) installed." >&2
