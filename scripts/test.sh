#!/usr/bin/env bash
# The project's test command: everything `cargo test --locked` checks, on a
# machine that has only a Rust toolchain.
#
# One test opens the HTML report in headless Chromium through ChromeDriver.
# When they are missing, this installs Debian's `chromium` and
# `chromium-driver` first (with sudo when not root), saying so before it
# does. When they cannot be installed, the tests still run and that one
# test reports itself as NOT CHECKED, naming what is missing.
#
#   scripts/test.sh                      # every test
#   scripts/test.sh --test suites        # arguments go to cargo test
#   SCIMITAR_NO_INSTALL=1 scripts/test.sh   # never install anything
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'scripts/test.sh: %s\n' "$*" >&2; }

browser_ready() {
  { [ -x /usr/bin/chromedriver ] || [ -x /usr/lib/chromium/chromedriver ]; } && [ -x /usr/bin/chromium ]
}

# apt-get waits for a lock another install holds, instead of failing at once.
apt_get() {
  $sudo apt-get -o DPkg::Lock::Timeout=600 "$@"
}

install_browser() {
  if [ -n "${SCIMITAR_NO_INSTALL:-}" ]; then
    say "SCIMITAR_NO_INSTALL is set: not installing chromium and chromium-driver"
    return 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    say "no apt-get here: install Chromium and ChromeDriver yourself (/usr/bin/chromium, /usr/bin/chromedriver)"
    return 1
  fi
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo"
    else
      say "installing needs root: run 'sudo apt-get install chromium chromium-driver', then this again"
      return 1
    fi
  fi
  say "the HTML report test needs Chromium and ChromeDriver: installing Debian's chromium and chromium-driver with apt-get (about 400 MB installed)"
  # The package lists may be locked by another apt run for a while: retry.
  local tries=0
  until apt_get update -qq; do
    tries=$((tries + 1))
    if [ "$tries" -ge 10 ]; then
      say "apt-get update kept failing"
      return 1
    fi
    say "apt-get update failed (another install running?); retrying in 30 s"
    sleep 30
  done
  DEBIAN_FRONTEND=noninteractive apt_get install -y -qq chromium chromium-driver >/dev/null &&
    say "installed chromium and chromium-driver"
}

not_checked=""
if browser_ready || { install_browser && browser_ready; }; then
  # Installed: a browser test that cannot start now is a failure, not a skip.
  export SCIMITAR_BROWSER_TEST=required
else
  not_checked="the HTML report was not opened in a browser (Chromium and ChromeDriver are missing)"
  say "no /usr/bin/chromium and /usr/bin/chromedriver: the browser test will report NOT CHECKED"
fi

status=0
cargo test --locked "$@" || status=$?

if [ -n "$not_checked" ]; then
  say "NOT CHECKED: $not_checked; install Debian's chromium and chromium-driver and run this again"
fi
exit "$status"
