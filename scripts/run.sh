#!/usr/bin/env bash
# Install alliancesim (core) into .venv and run the baseline; extra arguments go to `alliancesim run`.
#   bash scripts/run.sh                       # baseline, default seed, new folder under results/
#   bash scripts/run.sh --seed 7 --set firms.n=1000
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
make_venv
pip_install core
exec "$VENV/bin/alliancesim" run "$ROOT/configs/baseline.yaml" "$@"
