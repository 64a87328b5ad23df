#!/usr/bin/env bash
# Runs scim2-tester (an outside SCIM conformance checker, not written here)
# against `scimitar serve` in strict mode. Exits with scim2-tester's status:
# 0 only when every one of its checks reports SUCCESS.
#
#   scripts/scim2-tester.sh            # build, serve, test, stop
#   SCIMITAR_TOOLS=/some/dir scripts/scim2-tester.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools=${SCIMITAR_TOOLS:-$root/target/tools}
venv=$tools/scim2-tester-venv

if [ ! -x "$venv/bin/scim2" ]; then
  echo "installing scim2-tester 0.5.2 and scim2-cli 0.6.0 into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check scim2-tester==0.5.2 scim2-cli==0.6.0
fi

# The debug build `cargo test` already made is fast enough for a conformance run.
cargo build --locked --quiet --manifest-path "$root/Cargo.toml"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
log=$(mktemp)
SCIMITAR_SERVE_TOKEN=$token "$root/target/debug/scimitar" serve --port "$port" --quiet >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT

base=http://127.0.0.1:$port/scim/v2
python3 - "$base" "$token" <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        req = urllib.request.Request(sys.argv[1] + "/ServiceProviderConfig", headers={"Authorization": "Bearer " + sys.argv[2]})
        urllib.request.urlopen(req, timeout=1).read()
        sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit("scimitar serve did not start")
PY

echo "scim2-tester against $base (strict mode)" >&2
set +e
SCIM_CLI_HEADERS="Authorization: Bearer $token" "$venv/bin/scim2" --url "$base" test
status=$?
set -e
echo "scim2-tester exit status: $status" >&2
exit $status
