#!/usr/bin/env bash
# Load on loopback against the real server (release build, demo data, SQLite): requests
# per second and p50/p99 latency of a trivial static file of the same server (the
# machine's ceiling), a report overview, an action page, and a save (a warning's
# justification: one write transaction + audit entry), in one run; then the server's peak
# memory and the ratios to the ceiling.
# Usage: bash benches/web_load.sh [SECONDS] [CONNECTIONS]   (needs wrk and curl)
# To see where the time goes: `perf record -F 1999 -p $(pgrep -f "bilan demo")` during a run,
# then `perf report --no-children --sort dso` and `--sort symbol` (BENCHMARKS.md, stop 19).
# BILAN=path/to/bilan runs another build of the server (e.g. the code before a change,
# built in another worktree) with this same script.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-64}
if [ -z "${BILAN:-}" ]; then
  cargo build -q --release -p bilan-cli
  BILAN=target/release/bilan
fi
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
"$BILAN" demo --database "sqlite://$dir/demo.sqlite" --addr 127.0.0.1:0 > "$dir/out" &
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
ceiling=
run() { # label, extra args…
  local label=$1; shift
  local out
  out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$@")
  local rps p50 p99 non2xx share
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx/ {print $5}' <<<"$out")
  ceiling=${ceiling:-$rps}
  share=$(awk -v r="$rps" -v c="$ceiling" 'BEGIN {printf "%.1f %%", 100 * r / c}')
  printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$rps" "$share" "$p50" "$p99" "${non2xx:-0}"
}
cookie="Cookie: bilan_session=$session"
echo "wrk -t2 -c$conns -d${secs}s, report $id (Allier 2019), $(nproc) cores, server $BILAN"
echo "| request | req/s | of the ceiling | p50 | p99 | non-2xx/3xx |"
echo "|---|---|---|---|---|---|"
run "GET /static/bilan.css (ceiling)" "$base/static/bilan.css"
run "GET /rapports/$id (overview: load, check, render)" -H "$cookie" "$base/rapports/$id"
run "GET /rapports/$id/actions/1.4.2 (action page)" -H "$cookie" "$base/rapports/$id/actions/1.4.2"
run "POST /rapports/$id/justifications (save)" -s "$dir/save.lua" "$base/rapports/$id/justifications"
echo "peak memory of the server (VmHWM): $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status)"
