#!/usr/bin/env bash
# The perimeter archive at national scale: seeds `bilan demo --national` (601 synthetic
# reports) into a fresh SQLite database, starts the server, signs in as the national reader
# and downloads `/revue/archive.zip` of the year with the most transmitted or approved
# reports, while sampling the server's resident memory (VmRSS, every 0.1 s). Prints the
# number of reports, the archive's size, the time, the server's memory before and its peak
# during the download (sampled), for every year with reports (the 601 reports of the
# dataset, one archive per year), then VmHWM. Each zip is listed (unzip -l) to check it is
# whole.
# Usage: bash benches/archive.sh ["YEAR …"]    (PROFILE=debug to use the debug build; needs curl, unzip)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-release}
if [ "$profile" = release ]; then cargo build -q --release -p bilan-cli; else cargo build -q -p bilan-cli; fi
bin="target/$profile/bilan"
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
"$bin" demo --national --seed-only --database "sqlite://$dir/demo.sqlite" > /dev/null
"$bin" demo --national --database "sqlite://$dir/demo.sqlite" --addr 127.0.0.1:0 > "$dir/out" &
pid=$!
for _ in $(seq 300); do grep -q "bilan est prêt" "$dir/out" 2>/dev/null && break; sleep 0.1; done
base=$(grep -o 'http://[0-9.:]*' "$dir/out" | head -n1)
jar="$dir/cookies"
csrf=$(curl -s -c "$jar" "$base/connexion" | grep -o 'name="csrf" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//')
curl -s -b "$jar" -c "$jar" -o /dev/null -d "login=national&mot_de_passe=demo-bilan-2026&csrf=$csrf&suite=/revue" "$base/connexion"
years=${1:-}
if [ -z "$years" ]; then
  for y in 2019 2020 2021 2022 2023 2024 2025; do
    n=$(curl -s -b "$jar" "$base/revue/archive?annee=$y" | grep -o 'data-nombre="[0-9]*"' | grep -o '[0-9]*' || true)
    [ "${n:-0}" -gt 0 ] && years="$years $y"
  done
fi
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
echo "profile: $profile; $(nproc) cores; server VmRSS after start: $(rss) kB"
total=0
for year in $years; do
  count=$(curl -s -b "$jar" "$base/revue/archive?annee=$year" | grep -o 'data-nombre="[0-9]*"' | grep -o '[0-9]*')
  total=$((total + count))
  before=$(rss)
  peak=$before
  start=$(date +%s%N)
  curl -s -b "$jar" -o "$dir/archive.zip" "$base/revue/archive.zip?annee=$year" &
  dl=$!
  while kill -0 "$dl" 2>/dev/null; do
    r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
    sleep 0.1
  done
  wait "$dl"
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  size=$(stat -c %s "$dir/archive.zip")
  entries=$(unzip -l "$dir/archive.zip" | tail -n1 | awk '{print $2}')
  echo "$year: $count reports, $size bytes, $entries files, $ms ms; VmRSS before $before kB, peak sampled $peak kB"
done
echo "$total reports in all; server VmRSS at the end: $(rss) kB; VmHWM (process lifetime): $(awk '/VmHWM/ {print $2}' /proc/$pid/status) kB"
