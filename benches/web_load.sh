#!/usr/bin/env bash
# Load on loopback against the real server (release build, demo data, SQLite): requests
# per second and p50/p99 latency of a report overview, of a save (a warning's
# justification: one write transaction + audit entry), and of a trivial static file of the
# same server (the machine's ceiling), in one run; then the server's peak memory.
# Usage: bash benches/web_load.sh [SECONDS] [CONNECTIONS]   (needs wrk and curl)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-32}
cargo build -q --release -p bilan-cli
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
target/release/bilan demo --database "sqlite://$dir/demo.sqlite" --addr 127.0.0.1:0 > "$dir/out" &
pid=$!
for _ in $(seq 100); do grep -q "bilan est prêt" "$dir/out" 2>/dev/null && break; sleep 0.1; done
base=$(grep -o 'http://[0-9.:]*' "$dir/out" | head -n1)
jar="$dir/cookies"
# Log in as the Allier editor.
curl -s -c "$jar" -b "$jar" "$base/connexion" > "$dir/login.html"
csrf=$(grep -o 'name="csrf" value="[^"]*"' "$dir/login.html" | head -n1 | sed 's/.*value="//; s/"$//')
curl -s -c "$jar" -b "$jar" -o /dev/null -d "login=editeur.allier&mot_de_passe=demo-bilan-2026&csrf=$csrf" "$base/connexion"
session=$(awk '$6 == "bilan_session" {print $7}' "$jar")
curl -s -b "$jar" "$base/rapports" > "$dir/list.html"
id=$(grep -o '<tr[^>]*>' "$dir/list.html" | grep 'data-departement="03"' | grep 'data-annee="2019"' \
  | grep -o 'rapport-[0-9]*' | head -n1 | cut -d- -f2)
curl -s -b "$jar" "$base/rapports/$id/diagnostics" > "$dir/diag.html"
page_csrf=$(grep -o 'name="csrf" value="[^"]*"' "$dir/diag.html" | head -n1 | sed 's/.*value="//; s/"$//')
cat > "$dir/save.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "bilan_session=$session"
wrk.body = "csrf=$page_csrf&code=COM004&chemin=deliberation&justification=Adoption+pr%C3%A9vue+en+juin"
LUA
run() { # label, extra args…
  local label=$1; shift
  local out
  out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$@")
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx/ {print $5}' <<<"$out")
  printf '| %s | %s | %s | %s | %s |\n' "$label" "$rps" "$p50" "$p99" "${non2xx:-0}"
}
echo "wrk -t2 -c$conns -d${secs}s, report $id (Allier 2019), $(nproc) cores"
echo "| request | req/s | p50 | p99 | non-2xx/3xx |"
echo "|---|---|---|---|---|"
run "GET /static/bilan.css (ceiling)" "$base/static/bilan.css"
run "GET /rapports/$id (overview: load, parse, check, render)" -H "Cookie: bilan_session=$session" "$base/rapports/$id"
run "POST /rapports/$id/justifications (save)" -s "$dir/save.lua" "$base/rapports/$id/justifications"
echo "peak memory of the server (VmHWM): $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status)"
