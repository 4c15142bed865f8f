#!/bin/sh
# Installs Debian's chromium for the dashboard's browser test when it is missing.
# Idempotent and quiet: does nothing when /usr/bin/chromium exists. Needs root (CI runs as root);
# elsewhere it says what to run instead of failing the test run.
set -eu
CHROMIUM="${KINSIGHT_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "ensure-chromium: $CHROMIUM is missing and this user is not root; run 'sudo apt-get install -y chromium' (the browser test will be skipped)" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available; install chromium and set KINSIGHT_CHROMIUM to its path (the browser test will be skipped)" >&2
  exit 0
fi
echo "ensure-chromium: installing Debian's chromium for the browser test (once)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium >/dev/null; }; then
  echo "ensure-chromium: apt-get could not install chromium (no Debian mirror reachable?); install it by hand or set KINSIGHT_CHROMIUM to a Chromium binary" >&2
  exit 1
fi
