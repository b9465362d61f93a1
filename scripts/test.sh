#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need, then runs
# formatting, lints and every test of the workspace (PDF included).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
# LibreOffice opens our ODT and DOCX exactly as a Département would.
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-writer-nogui)
# Browser tests drive Debian's Chromium (never a downloaded browser).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> installation : ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# The store's contract tests run against PostgreSQL on 127.0.0.1:5432: start the local
# cluster if it is installed but stopped.
if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "==> démarrage de PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  fi
fi

echo "==> npm ci (DSFR, playwright-core, axe-core)"
npm ci --no-audit --no-fund --loglevel=error

echo "==> cargo fmt --check"
cargo fmt --all --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --all-features -- -D warnings
echo "==> cargo test"
cargo test --workspace --all-features

echo "==> ODT et DOCX ouverts par LibreOffice"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo build -q -p bilan-cli
for fmt in odt docx; do
  ./target/debug/bilan render examples/allier-2019.toml -o "$out/allier.$fmt"
  mkdir -p "$out/$fmt"
  timeout 300 soffice --headless -env:UserInstallation=file://"$out/profile" \
    --convert-to pdf --outdir "$out/$fmt" "$out/allier.$fmt" >/dev/null 2>&1
  text=$(pdftotext "$out/$fmt/allier.pdf" -)
  for expected in "648,26" "Points de vigilance" "Montant total" "Référent de parcours"; do
    if ! grep -qF "$expected" <<<"$text"; then
      echo "LibreOffice : « $expected » absent du PDF converti depuis le $fmt" >&2
      exit 1
    fi
  done
  echo "$fmt : converti par LibreOffice, $(pdfinfo "$out/$fmt/allier.pdf" | awk '/^Pages/ {print $2}') pages"
done

echo "==> navigateur : parcours complets dans Chromium, accessibilité vérifiée par axe-core"
cargo build -q -p bilan-cli
node --test e2e/
