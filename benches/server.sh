#!/usr/bin/env bash
# Reference-server benchmark: loads N users (default 100,000) and measures, with
# wrk on loopback, GET /Users/{id}, GET /Users?filter=userName eq "...", and
# POST /Users; then the same against scim2-server 0.8.3 in the same run, as the
# baseline every figure is divided by. Also reports resident memory per user
# and index evidence (eq on userName/externalId vs a scanning `co`).
#
#   benches/server.sh                   # 100,000 users, 10 s per scenario
#   BENCH_USERS=20000 BENCH_SECONDS=5 benches/server.sh
#
# Needs: cargo, python3 (venv), wrk (installed with apt-get when missing).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
users=${BENCH_USERS:-100000}
baseline_users=${BENCH_BASELINE_USERS:-$users}
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-16}
tools=${SCIMITAR_TOOLS:-$root/target/tools}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
  echo "installing wrk" >&2
  (apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y wrk >/dev/null 2>&1; }) \
    || { echo "wrk is needed (apt-get install wrk)" >&2; exit 3; }
fi
if [ ! -x "$tools/scim2-server-venv/bin/scim2-server" ]; then
  echo "installing scim2-server 0.8.3" >&2
  python3 -m venv "$tools/scim2-server-venv"
  "$tools/scim2-server-venv/bin/pip" install --quiet --disable-pip-version-check scim2-server==0.8.3
fi
cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
wait_up() {
  for _ in $(seq 100); do
    curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$1/ServiceProviderConfig" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "server at $1 did not start" >&2; exit 3
}

# run_wrk NAME SCRIPT BASE_URL DATA_DIR [ENV...]: prints requests/s; fails on any non-2xx.
run_wrk() {
  local name=$1 script=$2 base=$3 data=$4; shift 4
  local host_port path out
  host_port=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(f"{p.scheme}://{p.netloc}")' "$base")
  path=$(python3 -c 'import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1]).path)' "$base")
  out=$(env BENCH_WRK_DIR="$root/benches/wrk" BENCH_PATH="$path" BENCH_DATA="$data" BENCH_TOKEN="$token" "$@" \
        wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$root/benches/wrk/$script" "$host_port")
  if grep -q "Non-2xx or 3xx responses" <<<"$out"; then
    echo "$name: some responses were not 2xx:" >&2; echo "$out" >&2; exit 1
  fi
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  echo "$name $rps $p50 $p99"
}

token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
results="$work/results.txt"

# --- scimitar ---
port=$(free_port)
SCIMITAR_SERVE_TOKEN=$token "$root/target/release/scimitar" serve --port "$port" --quiet >"$work/scimitar.log" 2>&1 &
pids+=($!); scimitar_pid=$!
base="http://127.0.0.1:$port/scim/v2"
wait_up "$base"
rss_empty=$(rss_kib "$scimitar_pid")
mkdir -p "$work/scimitar"
echo "scimitar: loading $users users" >&2
load_scimitar=$(python3 "$root/benches/load_users.py" "$base" "$users" "$work/scimitar" "$token")
rss_loaded=$(rss_kib "$scimitar_pid")
python3 - "$work/scimitar/names.txt" "$work/scimitar/externals.txt" <<'PY'
import sys
names = open(sys.argv[1]).read().split()
# load_users.py derives externalId from the index in the userName.
with open(sys.argv[2], "w") as f:
    for n in names:
        f.write("00u%08x\n" % int(n[4:10]))
PY
{
  run_wrk scimitar.get_by_id get_by_id.lua "$base" "$work/scimitar"
  run_wrk scimitar.filter_username_eq filter_eq.lua "$base" "$work/scimitar"
  run_wrk scimitar.filter_externalid_eq filter_eq.lua "$base" "$work/scimitar" BENCH_ATTR=externalId BENCH_VALUES=externals.txt
  run_wrk scimitar.filter_username_co_scan filter_eq.lua "$base" "$work/scimitar" BENCH_OP=co
  run_wrk scimitar.post_user post_user.lua "$base" "$work/scimitar"
} | tee -a "$results" >&2
kill "$scimitar_pid"

# --- scim2-server (baseline) ---
port=$(free_port)
"$tools/scim2-server-venv/bin/scim2-server" --hostname 127.0.0.1 --port "$port" --bearer-token "$token" >"$work/scim2.log" 2>&1 &
pids+=($!); scim2_pid=$!
base="http://127.0.0.1:$port/v2"
wait_up "$base"
mkdir -p "$work/scim2"
echo "scim2-server: loading $baseline_users users" >&2
load_scim2=$(python3 "$root/benches/load_users.py" "$base" "$baseline_users" "$work/scim2" "$token")
rss_scim2=$(rss_kib "$scim2_pid")
{
  run_wrk scim2.get_by_id get_by_id.lua "$base" "$work/scim2"
  run_wrk scim2.filter_username_eq filter_eq.lua "$base" "$work/scim2"
  run_wrk scim2.post_user post_user.lua "$base" "$work/scim2"
} | tee -a "$results" >&2
kill "$scim2_pid"

python3 - "$results" "$users" "$baseline_users" "$rss_empty" "$rss_loaded" "$rss_scim2" "$load_scimitar" "$load_scim2" "$seconds" "$connections" <<'PY'
import sys
path, users, base_users, rss_empty, rss_loaded, rss_scim2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
load_a, load_b, seconds, conns = sys.argv[7], sys.argv[8], sys.argv[9], sys.argv[10]
r = {}
for line in open(path):
    name, rps, p50, p99 = line.split()
    r[name] = (float(rps), p50, p99)
print(f"\nscimitar vs scim2-server 0.8.3: wrk -t2 -c{conns} -d{seconds}s on loopback, 2 cores shared with wrk")
print(f"users loaded: scimitar {users} ({load_a}); scim2-server {base_users} ({load_b})\n")
print(f"{'scenario':<28}{'scimitar req/s':>16}{'p50':>10}{'p99':>10}{'scim2 req/s':>14}{'ratio':>9}")
for s in ["get_by_id", "filter_username_eq", "post_user"]:
    a, b = r[f"scimitar.{s}"], r[f"scim2.{s}"]
    print(f"{s:<28}{a[0]:>16.0f}{a[1]:>10}{a[2]:>10}{b[0]:>14.0f}{a[0]/b[0]:>8.1f}x")
for s in ["filter_externalid_eq", "filter_username_co_scan"]:
    a = r[f"scimitar.{s}"]
    print(f"{s:<28}{a[0]:>16.0f}{a[1]:>10}{a[2]:>10}{'-':>14}{'':>9}")
eq, scan = r["scimitar.filter_username_eq"][0], r["scimitar.filter_username_co_scan"][0]
print(f"\nindex evidence: userName eq is {eq/scan:.0f}x the throughput of a scanning `co` over {users} users")
per_user = (rss_loaded - rss_empty) * 1024 / users
print(f"memory: scimitar RSS {rss_empty} KiB empty, {rss_loaded} KiB with {users} users: {per_user:.0f} bytes/user")
print(f"        scim2-server RSS {rss_scim2} KiB with {base_users} users: {rss_scim2*1024/base_users:.0f} bytes/user (including its runtime)")
PY
