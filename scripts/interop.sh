#!/usr/bin/env bash
# Runs scimitar's suites against two SCIM servers nobody here wrote, and
# summarises what each run found:
#   scim2-server 0.8.3 (Python, PyPI), at http://127.0.0.1:PORT/v2
#   SCIMMY 1.3.5 + scimmy-routers 1.3.2 (Node, npm; scripts/interop/scimmy),
#     at http://127.0.0.1:PORT/scim/v2
#
#   scripts/interop.sh [--keep-going] [SCIMITAR RUN ARGS...]
#
#   --keep-going  after a harness problem with one server (it would not start,
#                 or scimitar exited 2 or 3), still run the other; the script
#                 fails at the end all the same
#   anything else goes to `scimitar run` as is: case filters such as
#   rfc7644::patch, or options such as --jobs 1
#
# A server that is not compliant (scimitar exit 1) is the expected outcome and
# does not fail the script; a usage, suite or harness problem (2, 3, ...) does.
# Everything is installed under target/interop/, idempotently. The only hosts
# contacted are 127.0.0.1 and the package registries (pip and npm installs).
#
# SCIMITAR_BIN=/path/to/scimitar skips `cargo build --release --locked`.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/target/interop
keep_going=false
scimitar_args=()
for arg in "$@"; do
  case $arg in
    --keep-going) keep_going=true ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) scimitar_args+=("$arg") ;;
  esac
done

# Nothing local goes through a proxy, whatever the environment says.
export NO_PROXY=127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}
export no_proxy=$NO_PROXY

say() { echo "interop: $*" >&2; }
mkdir -p "$out"

# --- scimitar --------------------------------------------------------------
if [ -n "${SCIMITAR_BIN:-}" ]; then
  scimitar=$SCIMITAR_BIN
else
  say "cargo build --release --locked"
  cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml"
  scimitar=$root/target/release/scimitar
fi
[ -x "$scimitar" ] || { say "no scimitar binary at $scimitar"; exit 2; }

# --- scim2-server, in its own venv ------------------------------------------
# Its dependencies are held to scripts/interop/scim2-server-constraints.txt,
# as package-lock.json holds the SCIMMY server's.
venv=$out/scim2-server-venv
scim2_version=0.8.3
constraints=$root/scripts/interop/scim2-server-constraints.txt
if [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("scim2-server"))' 2>/dev/null)" != "$scim2_version" ] \
    || ! cmp -s "$constraints" "$venv/constraints.txt"; then
  say "installing scim2-server $scim2_version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -c "$constraints" "scim2-server==$scim2_version"
  cp "$constraints" "$venv/constraints.txt"
fi

# --- the SCIMMY server: a copy of scripts/interop/scimmy, npm ci'd -----------
# It runs from target/interop/scimmy, so node_modules never lands in the tree.
src=$root/scripts/interop/scimmy
app=$out/scimmy
command -v node >/dev/null || { say "node (v16 or newer) is needed for the SCIMMY server"; exit 2; }
mkdir -p "$app"
if [ ! -d "$app/node_modules" ] || ! cmp -s "$src/package-lock.json" "$app/package-lock.json" \
    || ! cmp -s "$src/package.json" "$app/package.json"; then
  say "npm ci in $app"
  cp "$src/package.json" "$src/package-lock.json" "$app/"
  (cd "$app" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
cp "$src/server.js" "$app/server.js"

# --- running the servers -----------------------------------------------------
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_ready URL TOKEN PID: until URL/ServiceProviderConfig answers 200, for
# at most 30 s, and only while PID lives.
wait_ready() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, sys, time, urllib.request
url, token, pid = sys.argv[1] + "/ServiceProviderConfig", sys.argv[2], int(sys.argv[3])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the server exited before answering")
    try:
        with opener.open(request, timeout=2) as response:
            if response.status == 200:
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.2)
sys.exit("no answer from " + url + " within 30 s")
PY
}

# summarise NAME JSON EXIT: the counts of each verdict, then each
# failed case with the requirement ids its findings cite.
summarise() {
  python3 - "$@" <<'PY'
import json, sys
name, path, code = sys.argv[1], sys.argv[2], int(sys.argv[3])
verdict = {0: "compliant", 1: "not compliant"}.get(code, "harness problem")
with open(path) as f:
    report = json.load(f)
s = report["summary"]
# summary.findings is newer than some scimitar builds: count it from the cases then.
levels = s.get("findings") or {
    level.lower(): sum(f["requirement"]["level"] == level for c in report["cases"] for f in c.get("findings", []))
    for level in ("MUST", "SHOULD", "MAY")}
print(f"== {name}: {report['target']['url']} (scimitar exit {code}: {verdict})")
print(f"   {s['total']} cases: {s['passed']} passed, {s['failed']} failed, {s['warned']} warned,"
      f" {s['noted']} noted, {s['blocked']} blocked, {s['not_applicable']} not applicable,"
      f" {s['errors']} errors; findings: MUST {levels['must']}, SHOULD {levels['should']}, MAY {levels['may']}")
caps = ", ".join(report["target"]["capabilities"]) or "none"
print(f"   capabilities: {caps}")
for case in report["cases"]:
    outcome = case.get("verdict") or case.get("outcome")
    if outcome in ("fail", "warn", "blocked"):
        reqs = []
        for finding in case.get("findings", []):
            r = finding["requirement"]
            label = f"{r['id']} ({r['level']})"
            if label not in reqs:
                reqs.append(label)
        print(f"   {outcome.upper():5} {case['id']}: {', '.join(reqs) or case.get('message', '')}")
    elif outcome == "error":
        print(f"   ERROR {case['id']}: {case.get('kind', '?')}: {case.get('message', '')}")
PY
}

failures=()
summaries=()

# check NAME URL TOKEN PID: wait for the server, run the suites, keep the summary.
check() {
  local name=$1 url=$2 token=$3 pid=$4 code=0
  if ! wait_ready "$url" "$token" "$pid"; then
    say "$name did not start; its log: $out/$name.log"
    tail -n 20 "$out/$name.log" >&2 || true
    failures+=("$name: did not start")
    return 1
  fi
  say "$scimitar run --url $url --json $out/$name.json --junit $out/$name.xml ${scimitar_args[*]:-} (token in SCIMITAR_TOKEN)"
  rm -f "$out/$name.json" "$out/$name.xml"
  SCIMITAR_TOKEN=$token "$scimitar" run --url "$url" \
    --json "$out/$name.json" --junit "$out/$name.xml" ${scimitar_args[@]+"${scimitar_args[@]}"} \
    >"$out/$name.out" 2>&1 || code=$?
  say "$name: scimitar exited $code; its output: $out/$name.out"
  local summary
  if [ ! -f "$out/$name.json" ]; then
    summaries+=("== $name: no report (scimitar exit $code)")
  elif summary=$(summarise "$name" "$out/$name.json" "$code"); then
    summaries+=("$summary")
  else
    summaries+=("== $name: could not read $out/$name.json (scimitar exit $code)")
    failures+=("$name: unreadable report")
  fi
  if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
    tail -n 20 "$out/$name.out" >&2 || true
    failures+=("$name: scimitar exited $code")
    return 1
  fi
}

run_scim2_server() {
  local port token
  port=$(free_port)
  token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  say "starting scim2-server $scim2_version on 127.0.0.1:$port"
  "$venv/bin/scim2-server" --hostname 127.0.0.1 --port "$port" --bearer-token "$token" \
    >"$out/scim2-server.log" 2>&1 &
  pids+=($!)
  check scim2-server "http://127.0.0.1:$port/v2" "$token" "$!"
}

run_scimmy() {
  local port token
  port=$(free_port)
  token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  say "starting the SCIMMY server on 127.0.0.1:$port"
  (cd "$app" && SCIMMY_TOKEN=$token PORT=$port exec node server.js) >"$out/scimmy.log" 2>&1 &
  pids+=($!)
  check scimmy "http://127.0.0.1:$port/scim/v2" "$token" "$!"
}

for server in run_scim2_server run_scimmy; do
  if ! $server && ! $keep_going; then break; fi
done

echo
for summary in "${summaries[@]}"; do
  echo "$summary"
  echo
done
echo "reports: $out/{scim2-server,scimmy}.{json,xml}; scimitar's output: $out/*.out"

if [ ${#failures[@]} -gt 0 ]; then
  for failure in "${failures[@]}"; do say "FAILED: $failure"; done
  exit 1
fi
