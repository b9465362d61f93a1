#!/usr/bin/env bash
# The main job on a fresh machine: installs the design system (npm), builds bilan and
# starts the web application on an embedded SQLite database with demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/@gouvfr/dsfr/dist/dsfr.min.css ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec cargo run -q -p bilan-cli -- demo "$@"
