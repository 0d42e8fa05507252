#!/usr/bin/env bash
# The README's first command: install everything, then run the offline demo on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
node dist/cli.js demo "$@"
