#!/usr/bin/env bash
# Time to produce the Allier report as a PDF, in one run, as ratios to LibreOffice
# converting our own ODT of the same report (what a Département does today):
# - `bilan render` (a new process each time: fonts and Typst's library loaded cold);
# - the server's `GET /rapports/{id}/telecharger/pdf` (a warm Typst world: fonts parsed
#   once per process, Typst's caches kept between documents), signed in as the editor;
# - `soffice --headless --convert-to pdf` of our ODT.
# Usage: bash benches/render_vs_soffice.sh [RUNS]   (needs soffice and curl; PROFILE=dev for
# the debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
profile=${PROFILE:-release}
cargo build -q --profile "$profile" -p bilan-cli --features pdf
bin=target/$([ "$profile" = dev ] && echo debug || echo "$profile")/bilan
out=$(mktemp -d)
pid=
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$out"' EXIT

# The demo server, signed in as the Allier editor; the id of the Allier 2019 report.
"$bin" demo --database "sqlite://$out/demo.sqlite" --addr 127.0.0.1:0 >"$out/server" 2>/dev/null &
pid=$!
for _ in $(seq 300); do grep -q "bilan est prêt" "$out/server" 2>/dev/null && break; sleep 0.1; done
base=$(grep -o 'http://[0-9.:]*' "$out/server" | head -n1)
jar="$out/cookies"
csrf=$(curl -fsS -c "$jar" -b "$jar" "$base/connexion" | grep -o 'name="csrf" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//')
curl -fsS -c "$jar" -b "$jar" -o /dev/null -d "login=editeur.allier&mot_de_passe=demo-bilan-2026&csrf=$csrf" "$base/connexion"
id=$(curl -fsS -b "$jar" "$base/rapports" | grep -o '<tr[^>]*>' | grep 'data-departement="03"' | grep 'data-annee="2019"' \
  | grep -o 'rapport-[0-9]*' | head -n1 | cut -d- -f2)
get_pdf() { curl -fsS -b "$jar" -o "$out/s.pdf" "$base/rapports/$id/telecharger/pdf"; }

"$bin" render examples/allier-2019.toml -o "$out/allier.odt" 2>/dev/null
# Warm each once (page cache, the server's fonts, LibreOffice's profile).
"$bin" render examples/allier-2019.toml -o "$out/warm.pdf" 2>/dev/null
get_pdf
soffice --headless -env:UserInstallation=file://"$out/profile" --convert-to pdf --outdir "$out/lo" "$out/allier.odt" >/dev/null 2>&1
ms() { date +%s%N; }
t_cli=0; t_srv=0; t_lo=0
for _ in $(seq "$runs"); do
  a=$(ms); "$bin" render examples/allier-2019.toml -o "$out/b.pdf" 2>/dev/null
  b=$(ms); get_pdf
  c=$(ms); soffice --headless -env:UserInstallation=file://"$out/profile" --convert-to pdf --outdir "$out/lo" "$out/allier.odt" >/dev/null 2>&1
  d=$(ms)
  t_cli=$((t_cli + b - a)); t_srv=$((t_srv + c - b)); t_lo=$((t_lo + d - c))
done
pages=$(pdfinfo "$out/s.pdf" 2>/dev/null | awk '/^Pages/ {print $2}')
echo "profil $profile, $runs passes alternées, rapport de l’Allier 2019 (${pages:-?} pages)"
echo "| quoi | moyenne | LibreOffice / ceci |"
echo "|---|---|---|"
row() { awk -v l="$1" -v t="$2" -v lo="$t_lo" -v n="$runs" 'BEGIN { printf "| %s | %d ms | %.1f× |\n", l, t / n / 1e6, lo / t }'; }
row "bilan render (processus neuf)" "$t_cli"
row "serveur : GET /rapports/$id/telecharger/pdf (monde Typst chaud)" "$t_srv"
row "soffice --convert-to pdf (notre ODT)" "$t_lo"
