#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need, then runs
# formatting, lints and every test of the workspace (PDF included).
set -euo pipefail
cd "$(dirname "$0")/.."

# ---- API contract: schemathesis against the real demo server (`scripts/test.sh api` runs
# only this step). Every response must conform to docs/openapi.json, with no server error.
# A subshell, so that its EXIT trap stops the server whatever happens.
api_contract() (
  local venv=target/schemathesis-venv st
  st="$venv/bin/schemathesis"
  if [ ! -x "$st" ]; then
    echo "==> installation de schemathesis 4 dans $venv"
    python3 -m venv "$venv" || { echo "python3 -m venv indisponible (paquet python3-venv)" >&2; exit 1; }
    "$venv/bin/pip" install -q 'schemathesis==4.*'
  fi
  # In the full run, `cargo test --workspace --all-features` has just built target/debug/bilan
  # (with every feature): rebuilding it with other features would cost minutes for nothing.
  [ "${BILAN_BIN_BUILT:-}" = 1 ] || cargo build -q -p bilan-cli
  local dir db log pid base status=0
  dir=$(mktemp -d)
  db="sqlite://$dir/api.sqlite"
  log="$dir/serveur.log"
  ./target/debug/bilan demo --national --database "$db" --addr 127.0.0.1:0 >"$log" 2>&1 &
  pid=$!
  trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
  for _ in $(seq 1 120); do
    base=$(sed -n 's|^bilan est prêt : \(http://[^/]*\)/$|\1|p' "$log")
    [ -n "$base" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if [ -z "$base" ]; then
    echo "le serveur de démonstration n'a pas démarré :" >&2
    cat "$log" >&2
    exit 1
  fi
  # A credits note exists only once a reviewer has entered the N+1 State amount: enter one
  # through the credits form, as region.ara, on an approved report of its region.
  local jar="$dir/cookies" csrf rid page_status
  csrf=$(curl -fsS -c "$jar" -b "$jar" "$base/connexion" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
  curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "login=region.ara" \
    --data-urlencode "mot_de_passe=demo-bilan-2026" --data-urlencode "suite=/rapports" "$base/connexion"
  local region_token
  region_token=$(./target/debug/bilan jeton --database "$db" --login region.ara --nom schemathesis 2>/dev/null)
  rid=$(curl -fsS -H "Authorization: Bearer $region_token" "$base/api/v1/rapports?departement=63&annee=2019" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["rapports"][0]["id"])')
  local form revision
  form=$(curl -fsS -c "$jar" -b "$jar" "$base/rapports/$rid/credits")
  csrf=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' <<<"$form" | head -n1)
  revision=$(grep -o 'name="revision" value="[0-9]*"' <<<"$form" | grep -o '[0-9]*' | head -n1)
  page_status=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" \
    --data-urlencode "revision=$revision" \
    --data-urlencode "montant_etat=1 234 567,89 €" --data-urlencode "lignes=0" "$base/rapports/$rid/credits")
  if [ "$page_status" != 303 ]; then
    echo "saisie du montant État N+1 refusée ($page_status)" >&2
    status=1
  fi
  printf '[[operations]]\ninclude-path = "/api/v1/rapports/{id}/credits"\nparameters = { id = %s }\n' "$rid" \
    >"$dir/schemathesis.toml"
  local login token
  for login in national prefecture.allier; do
    token=$(./target/debug/bilan jeton --database "$db" --login "$login" --nom schemathesis 2>/dev/null)
    echo "==> schemathesis : API avec le jeton de $login"
    timeout 300 "$st" run "$base/api/openapi.json" --header "Authorization: Bearer $token" \
      --checks all --max-examples 30 --seed 2026 --no-color || status=1
  done
  echo "==> schemathesis : note de crédits du rapport $rid (jeton de national)"
  token=$(./target/debug/bilan jeton --database "$db" --login national --nom schemathesis-credits 2>/dev/null)
  timeout 300 "$st" --config-file "$dir/schemathesis.toml" run "$base/api/openapi.json" \
    --header "Authorization: Bearer $token" --include-path '/api/v1/rapports/{id}/credits' \
    --checks all --max-examples 10 --seed 2026 --no-color || status=1
  exit "$status"
)
if [ "${1:-}" = api ]; then
  api_contract
  exit $?
fi

need_apt=()
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
# LibreOffice opens our ODT and DOCX exactly as a Département would.
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-writer-nogui)
# Browser tests drive Debian's Chromium (never a downloaded browser).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# The audit and backup tests edit databases behind the store's back and dump PostgreSQL.
command -v sqlite3 >/dev/null 2>&1 || need_apt+=(sqlite3)
command -v pg_dump >/dev/null 2>&1 || need_apt+=(postgresql-client)
# The W3C Nu HTML checker (npm vnu-jar) runs on Java.
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
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
# The notification tests send real e-mails to a real SMTP server on loopback (aiosmtpd,
# scripts/smtp_sink.py), from a venv under target/ (the test creates it itself when run
# alone with cargo test; here it is made once, before the tests).
smtp_venv=target/aiosmtpd-venv
if [ ! -x "$smtp_venv/bin/python" ] || ! "$smtp_venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
  echo "==> installation d'aiosmtpd dans $smtp_venv"
  python3 -m venv "$smtp_venv" || { echo "python3 -m venv indisponible (paquet python3-venv)" >&2; exit 1; }
  "$smtp_venv/bin/pip" install -q 'aiosmtpd==1.4.6'
fi
export BILAN_TEST_SMTP_PYTHON="$PWD/$smtp_venv/bin/python"

echo "==> cargo test"
cargo test --workspace --all-features
# The integration tests of bilan-cli built target/debug/bilan with every feature: the steps
# below use that binary as it is.
test -x target/debug/bilan
export BILAN_BIN_BUILT=1
# The committed fuzz corpus (fuzz/corpus/<cible>), replayed as ordinary tests on stable
# (also part of the run above; this step names it). Fuzzing itself: ARCHITECTURE.md, "Fuzzing".
echo "==> corpus de fuzzing rejoué"
cargo test -q -p bilan-sheets -p bilan-web --all-features --test fuzz_corpus

echo "==> ODT et DOCX ouverts par LibreOffice"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
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
node --test e2e/

echo "==> API : conformité à docs/openapi.json (schemathesis)"
api_contract
