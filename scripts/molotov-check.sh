#!/usr/bin/env bash
# Says whether Molotov can be imported the way `dogdriver run` will run it: by the Python named in the shebang of the
# first `molotov` on PATH (else python3; DOGDRIVER_PYTHON wins, as in the runner), from a neutral directory so that
# no folder of the working directory can pass for the package. Prints "PYTHON VERSION" and exits 0, or exits 1.
set -uo pipefail

python="${DOGDRIVER_PYTHON:-}"
if [ -z "$python" ]; then
  IFS=: read -r -a dirs <<<"${PATH:-}"
  for dir in "${dirs[@]}"; do
    [ -n "$dir" ] && [ -f "$dir/molotov" ] || continue
    first=$(head -n 1 "$dir/molotov" 2>/dev/null) || continue
    case "$first" in "#!"*) ;; *) continue ;; esac
    read -r interpreter argument _ <<<"${first#\#!}"
    case "$interpreter" in */env) candidate="${argument:-}" ;; *) candidate="$interpreter" ;; esac
    if [[ "$candidate" =~ (^|/)python[0-9.]*$ ]]; then
      python="$candidate"
      break
    fi
  done
fi
python="${python:-python3}"

version=$(cd / && "$python" -c 'from importlib.metadata import version; import molotov; print(version("molotov"))' 2>/dev/null) || exit 1
echo "$python $version"
