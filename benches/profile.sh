#!/usr/bin/env bash
# Where a State page's time goes: `perf record` on the release server (national synthetic
# dataset, SQLite) while it answers PATH N times, then the hottest symbols.
# Usage: bash benches/profile.sh PATH [N] [LOGIN]     (needs perf and curl)
#   e.g. bash benches/profile.sh '/tableaux/national?annee=2019' 30
#   FACTEUR=10 for the dataset ten times as large; TOP=40 lines of the report.
set -euo pipefail
cd "$(dirname "$0")/.."
path=$1; n=${2:-30}; login=${3:-national}
bin=${BILAN:-target/release/bilan}
[ -n "${BILAN:-}" ] || cargo build -q --release -p bilan-cli
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
db="sqlite://$dir/national.sqlite"
factor=(); [ -n "${FACTEUR:-}" ] && factor=(--facteur "$FACTEUR")
"$bin" demo --national "${factor[@]}" --seed-only --database "$db" >/dev/null
"$bin" demo --national "${factor[@]}" --database "$db" --addr 127.0.0.1:0 >"$dir/out" 2>/dev/null &
pid=$!
for _ in $(seq 300); do grep -q "bilan est prêt" "$dir/out" 2>/dev/null && break; sleep 0.1; done
base=$(grep -o 'http://[0-9.:]*' "$dir/out" | head -n1)
jar="$dir/jar"
csrf=$(curl -s -c "$jar" -b "$jar" "$base/connexion" | grep -o 'name="csrf" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//')
curl -s -c "$jar" -b "$jar" -o /dev/null -d "login=$login&mot_de_passe=demo-bilan-2026&csrf=$csrf" "$base/connexion"
curl -s -b "$jar" -o /dev/null "$base$path"   # warm-up
perf record -F 2000 -p "$pid" -o "$dir/perf.data" 2>/dev/null &
perf_pid=$!
sleep 0.5
for _ in $(seq "$n"); do curl -s -b "$jar" -o /dev/null -w '%{time_total}\n' "$base$path"; done |
  sort -n | awk '{a[NR]=$1} END {printf "médiane %.1f ms sur %d requêtes (sous perf)\n", 1000*a[int((NR+1)/2)], NR}'
kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
perf report -i "$dir/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep '%' | head -6
perf report -i "$dir/perf.data" --no-children --sort symbol --stdio 2>/dev/null | grep -v '^#' | grep '%' | head -"${TOP:-25}"
