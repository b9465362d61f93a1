#!/usr/bin/env bash
# Time to render the Allier report to PDF with bilan (Typst) against LibreOffice converting
# our own ODT of the same report (what a Département does today), in one run, as a ratio.
# Usage: bash benches/render_vs_soffice.sh [RUNS]   (needs soffice and a `--features pdf` build)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
profile=${PROFILE:-release}
cargo build -q --profile "$profile" -p bilan-cli --features pdf
bin=target/$([ "$profile" = dev ] && echo debug || echo "$profile")/bilan
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" render examples/allier-2019.toml -o "$out/allier.odt" 2>/dev/null
# Warm both once (fonts, LibreOffice profile).
"$bin" render examples/allier-2019.toml -o "$out/warm.pdf" 2>/dev/null
soffice --headless -env:UserInstallation=file://"$out/profile" --convert-to pdf --outdir "$out/lo" "$out/allier.odt" >/dev/null 2>&1
ms() { date +%s%N; }
t_bilan=0; t_lo=0
for _ in $(seq "$runs"); do
  a=$(ms); "$bin" render examples/allier-2019.toml -o "$out/b.pdf" 2>/dev/null; b=$(ms)
  soffice --headless -env:UserInstallation=file://"$out/profile" --convert-to pdf --outdir "$out/lo" "$out/allier.odt" >/dev/null 2>&1; c=$(ms)
  t_bilan=$((t_bilan + b - a)); t_lo=$((t_lo + c - b))
done
echo "profil $profile, $runs passes alternées"
echo "bilan render --to pdf (Typst)         : $((t_bilan / runs / 1000000)) ms"
echo "soffice --convert-to pdf (notre ODT)  : $((t_lo / runs / 1000000)) ms"
awk -v a="$t_bilan" -v b="$t_lo" 'BEGIN { printf "rapport LibreOffice / bilan : %.2f\n", b / a }'
