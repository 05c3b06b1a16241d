# Sourced by scripts/run.sh and scripts/test.sh: find Python >= 3.12 and make .venv.
# Order: $ALLIANCESIM_PYTHON, python3.13, python3.12, python3, then pyenv's 3.13/3.12.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ALLIANCESIM_VENV:-$ROOT/.venv}"

_is_312() { "$@" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

find_python() {
  local cand
  if [ -n "${ALLIANCESIM_PYTHON:-}" ] && _is_312 "$ALLIANCESIM_PYTHON"; then echo "$ALLIANCESIM_PYTHON"; return; fi
  for cand in python3.13 python3.12 python3; do
    if command -v "$cand" >/dev/null 2>&1 && _is_312 "$cand"; then command -v "$cand"; return; fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    local v
    for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9])(\.[0-9]+)?$' | sort -t. -k2,2nr -k3,3nr); do
      local exe
      exe="$(pyenv root)/versions/$v/bin/python3"
      if [ -x "$exe" ] && _is_312 "$exe"; then echo "$exe"; return; fi
    done
  fi
  echo "error: no Python >= 3.12 found (tried python3.13, python3.12, python3, pyenv); set ALLIANCESIM_PYTHON" >&2
  return 2
}

make_venv() {
  if [ ! -x "$VENV/bin/python" ] || ! _is_312 "$VENV/bin/python"; then
    local py
    py="$(find_python)"
    echo ">> creating $VENV with $("$py" --version 2>&1)"
    rm -rf "$VENV"
    "$py" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
  fi
}

# pip_install EXTRAS: editable install of the project with the given extras.
# Skipped when .venv already holds this checkout installed with these extras
# from the same pyproject.toml (the install is editable: code changes need no
# reinstall).  pip's and setuptools' chatter goes to .venv/pip-install.log and
# is shown only if the install fails.
pip_install() {
  local stamp="$VENV/.alliancesim-installed-$1" want
  want="$ROOT $(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
     && "$VENV/bin/python" -c "import sim, sys; sys.exit(0 if sim.__file__.startswith('$ROOT/') else 1)" >/dev/null 2>&1; then
    return 0
  fi
  echo ">> installing alliancesim[$1] (once; log in $VENV/pip-install.log)"
  if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[$1]" >"$VENV/pip-install.log" 2>&1; then
    grep -vE "^WARNING: Location .* is ignored" "$VENV/pip-install.log" >&2
    echo "error: installing alliancesim[$1] failed (log above, also in $VENV/pip-install.log)" >&2
    return 1
  fi
  "$VENV/bin/python" -c "import sim" # fail loudly if the install did not work
  echo "$want" >"$stamp"
}
