#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser test (Playwright drives it; no
# browser download).  Needs root, as on CI; a no-op when Chromium is present.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install_browser: not root or no apt-get; install Debian's chromium by hand" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version >/dev/null 2>&1 || { echo "install_browser: chromium installed but does not start" >&2; exit 1; }
