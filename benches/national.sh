#!/usr/bin/env bash
# The State side at national scale, server time and memory, in one run: for each build
# given (BILAN, and BILAN_AVANT for the code before a change, built in another worktree)
# and each size of the synthetic dataset (FACTEURS: `bilan demo --national --facteur N`,
# each action of the 601 reports repeated N times), seeds a fresh SQLite database, starts
# the server under /usr/bin/time -v, signs in as the national reader and takes N
# sequential requests (curl's time_total: request sent to last byte, median and max) of
# the national dashboard, the national review queue and the open data of CALPAE 2019; then
# wrk -c64 on the national dashboard; then stops the server (SIGTERM) and prints its peak
# RSS ("Maximum resident set size", the whole run: start, figures backfill, requests).
# Usage: bash benches/national.sh [N] [SECONDS]    (needs curl, wrk, /usr/bin/time)
#   FACTEURS="1 10" (default), BILAN=target/release/bilan (default, built here),
#   BILAN_AVANT=/path/to/old/bilan (optional; an old build without --facteur is run at factor 1 only)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
secs=${2:-10}
factors=${FACTEURS:-1 10}
if [ -z "${BILAN:-}" ]; then
  cargo build -q --release -p bilan-cli
  BILAN=target/release/bilan
fi
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

median_max() { sort -n | awk '{a[NR]=$1} END {printf "%.1f ms | %.1f ms", 1000*a[int((NR+1)/2)], 1000*a[NR]}'; }

bench() { # label, binary, factor
  local label=$1 bin=$2 factor=$3
  local db="sqlite://$dir/$label-$factor.sqlite" extra=()
  [ "$factor" != 1 ] && extra=(--facteur "$factor")
  local t0; t0=$(date +%s%N)
  "$bin" demo --national "${extra[@]}" --seed-only --database "$db" > /dev/null
  local seed_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  local out="$dir/out-$label-$factor" times="$dir/time-$label-$factor"
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$times" "$bin" demo --national "${extra[@]}" --database "$db" --addr 127.0.0.1:0 > "$out" 2> "$out.err" &
  pid=$!
  for _ in $(seq 600); do grep -q "bilan est prêt" "$out" 2>/dev/null && break; sleep 0.1; done
  local ready_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  local base; base=$(grep -o 'http://[0-9.:]*' "$out" | head -n1)
  local jar="$dir/jar-$label-$factor"
  curl -s -c "$jar" -b "$jar" "$base/connexion" > "$dir/login.html"
  local csrf; csrf=$(grep -o 'name="csrf" value="[^"]*"' "$dir/login.html" | head -n1 | sed 's/.*value="//; s/"$//')
  curl -s -c "$jar" -b "$jar" -o /dev/null -d "login=national&mot_de_passe=demo-bilan-2026&csrf=$csrf" "$base/connexion"
  local session; session=$(awk '$6 == "bilan_session" {print $7}' "$jar")
  echo
  echo "### $label, factor $factor: seeding ${seed_ms} ms, start to ready ${ready_ms} ms (backfill included), $(nproc) cores"
  echo
  echo "| request (CALPAE 2019, national reader) | bytes | median of $n | max |"
  echo "|---|---|---|---|"
  for path in "/tableaux/national?annee=2019" "/revue?annee=2019" \
      "/tableaux/national/donnees/execution-par-mesure.csv?annee=2019" \
      "/tableaux/national/donnees/indicateurs.csv?annee=2019" \
      "/tableaux/national/donnees/consolidation.xlsx?annee=2019"; do
    local bytes; bytes=$(curl -s -b "$jar" -o /dev/null -w '%{size_download}' "$base$path")
    for _ in $(seq "$n"); do curl -s -b "$jar" -o /dev/null -w '%{time_total}\n' "$base$path"; done > "$dir/t"
    echo "| \`GET $path\` | $bytes | $(median_max < "$dir/t") |"
  done
  local w; w=$(wrk -t2 -c64 -d"${secs}s" --timeout 30s --latency -H "Cookie: bilan_session=$session" "$base/tableaux/national?annee=2019")
  echo
  echo "wrk -t2 -c64 -d${secs}s national dashboard: $(awk '/Requests\/sec/ {print $2}' <<<"$w") req/s, p50 $(awk '$1 == "50%" {print $2}' <<<"$w"), p99 $(awk '$1 == "99%" {print $2}' <<<"$w"), non-2xx/3xx: $(awk '/Non-2xx or 3xx/ {print $5}' <<<"$w")"
  # SIGTERM to the server itself (the child of /usr/bin/time), which then reports.
  kill -TERM "$(pgrep -P "$pid" | head -n1)"
  wait "$pid" || true
  pid=
  echo "peak RSS of the server over the whole run: $(awk -F': ' '/Maximum resident set size/ {printf "%d MB", $2 / 1024}' "$times")"
}

echo "national benchmark, $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for f in $factors; do
  if [ -n "${BILAN_AVANT:-}" ]; then
    if [ "$f" = 1 ] || "$BILAN_AVANT" demo --aide 2>/dev/null | grep -q -- --facteur; then
      bench avant "$BILAN_AVANT" "$f"
    fi
  fi
  bench apres "$BILAN" "$f"
done
