#!/bin/sh
# Install Debian's chromium and chromium-driver when either is missing; the HTML report's
# browser test (tests/unit/report/test_report_browser.py) drives them through selenium.
# Idempotent and quiet when both are present. Runs apt-get as root, through sudo when not root.
set -eu

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "ensure-chromium: chromium or chromedriver is missing and this user is not root" \
         "(no sudo either): run 'apt-get install chromium chromium-driver' as root" >&2
    exit 1
fi

echo "ensure-chromium: installing chromium and chromium-driver with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -qq
$as_root apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null

for tool in /usr/bin/chromium /usr/bin/chromedriver; do
    if [ ! -x "$tool" ]; then
        echo "ensure-chromium: $tool is still missing after apt-get install" >&2
        exit 1
    fi
done
