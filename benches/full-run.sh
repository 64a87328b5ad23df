#!/usr/bin/env bash
# Wall time of `scimitar run` with every suite against its in-process
# reference server, as a user runs it: process start, server start,
# discovery, every case, cleanup. The baseline, measured in the same run, is
# the same command with a single case: what a run costs before any suite.
#
#   benches/full-run.sh            # 15 runs of each
#   ROUNDS=50 benches/full-run.sh
#
# Prints the case count, the medians, and the full run as a multiple of the
# baseline. Needs cargo and python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${ROUNDS:-15}
cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml"
bin=$root/target/release/scimitar

python3 - "$bin" "$rounds" <<'PY'
import statistics, subprocess, sys, time
bin, rounds = sys.argv[1], int(sys.argv[2])

def median_seconds(args):
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        done = subprocess.run([bin, "run", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            sys.exit(f"scimitar run {' '.join(args)} exited {done.returncode}:\n{done.stdout[-2000:]}")
    return statistics.median(times), done.stdout

one, _ = median_seconds(["rfc7644::discovery::service_provider_config"])
full, out = median_seconds([])
cases = out.splitlines()[0].split(": ")[1].split(" cases")[0]
print(f"scimitar run, in-process reference server, median of {rounds} runs each")
print(f"  baseline (1 case):     {one * 1000:7.1f} ms")
print(f"  full run ({cases} cases): {full * 1000:7.1f} ms  ({full / one:.1f}x the baseline)")
print(f"  under 1 s: {'yes' if full < 1 else 'NO'}")
PY
