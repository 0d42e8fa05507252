#!/usr/bin/env bash
# Installs everything dogdriver and its tests need on a Debian/Ubuntu machine (Node >= 20.19 already there):
# Molotov, git and Chromium (for the HTML report's browser test) from Debian's packages when missing, then the npm
# packages from the lock file, then the build.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# Checked as the runner will run it (scripts/molotov-check.sh): from the repository root a folder named like the
# package would pass a plain `python3 -c 'import molotov'` (a namespace package) while nothing is installed.
./scripts/molotov-check.sh >/dev/null || need_apt+=(python3-molotov)
command -v git >/dev/null 2>&1 || need_apt+=(git)
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
updated=""
apt_update() {
  [ -n "$updated" ] || "${sudo_cmd[@]}" apt-get update -qq
  updated=1
}
if ((${#need_apt[@]})); then
  if command -v apt-get >/dev/null 2>&1; then
    echo "install: apt-get install ${need_apt[*]}" >&2
    apt_update
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need_apt[@]}" >/dev/null
    if ! ./scripts/molotov-check.sh >/dev/null; then
      echo "install: Molotov is still not importable by the Python the runner uses (scripts/molotov-check.sh);" \
        "set DOGDRIVER_PYTHON to a Python that has it" >&2
      exit 1
    fi
  else
    # No apt-get (macOS, Alpine, RHEL, a CI image with pip): Molotov goes into a virtualenv (docs/runner.md).
    echo "install: please install ${need_apt[*]/python3-molotov/Molotov}; without apt-get, Molotov goes into a" \
      "virtualenv: python3 -m venv ~/.venvs/molotov && ~/.venvs/molotov/bin/pip install 'molotov>=2.5,<3'," \
      "then export DOGDRIVER_PYTHON=~/.venvs/molotov/bin/python and run this again" >&2
    exit 1
  fi
fi

# The HTML report's browser test (npm test) drives a system Chromium: playwright-core downloads no browser. Only
# the tests need it, so a machine without one still installs; the test names what is missing.
if [ -z "${DOGDRIVER_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ] && [ ! -x /usr/bin/chromium-browser ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "install: apt-get install chromium (for the tests' browser check)" >&2
    apt_update
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq chromium >/dev/null ||
      echo "install: chromium did not install; npm test's browser check needs one (DOGDRIVER_CHROMIUM=/path)" >&2
  else
    echo "install: no Chromium found; npm test's browser check needs one (DOGDRIVER_CHROMIUM=/path)" >&2
  fi
fi

echo "install: npm ci (its prepare script builds dist/)" >&2
npm ci --no-audit --no-fund --loglevel=error
