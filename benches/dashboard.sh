#!/usr/bin/env bash
# Dashboards at national scale: seeds `bilan demo --national` (101 Départements × 6 years,
# synthetic) into a fresh SQLite database with the release build, then measures, in one
# run: the server time of the national and a regional dashboard (curl, time to first byte,
# N sequential requests), the page load in Chromium (navigation timing, load event), and the
# server's memory (VmRSS after, VmHWM peak).
# Usage: bash benches/dashboard.sh [N]        (needs curl, node with npm ci done, chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
cargo build -q --release -p bilan-cli
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
seed_start=$(date +%s%N)
target/release/bilan demo --national --seed-only --database "sqlite://$dir/demo.sqlite" > /dev/null
seed_ms=$(( ($(date +%s%N) - seed_start) / 1000000 ))
target/release/bilan demo --national --database "sqlite://$dir/demo.sqlite" --addr 127.0.0.1:0 > "$dir/out" &
pid=$!
for _ in $(seq 100); do grep -q "bilan est prêt" "$dir/out" 2>/dev/null && break; sleep 0.1; done
base=$(grep -o 'http://[0-9.:]*' "$dir/out" | head -n1)
echo "seeding the national dataset (release, SQLite): ${seed_ms} ms; $(nproc) cores"
echo "memory after start (VmRSS): $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
BASE="$base" N="$n" node benches/dashboard.mjs
echo "memory after the runs (VmRSS): $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status); peak (VmHWM): $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status)"
