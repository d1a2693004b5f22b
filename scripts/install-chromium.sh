#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's browser tests (tests/browser), when it is missing and this can be done
# here (root with apt-get); otherwise says how, and exits 0: the browser tests then skip (or fail with
# VAGVAL_REQUIRE_BROWSER set).
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
    exit 0
fi

if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "install-chromium: installing Debian's chromium for the browser tests" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
    exit 0
fi

{
    echo "install-chromium: /usr/bin/chromium is missing and cannot be installed here (this needs root and apt-get)."
    echo "Install it with:  sudo apt-get install --no-install-recommends chromium   (Debian or Ubuntu)"
    echo "Without it the browser tests in tests/browser skip (they fail when VAGVAL_REQUIRE_BROWSER is set)."
} >&2
exit 0
