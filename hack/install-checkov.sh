#!/usr/bin/env bash
# Installs checkov into a venv of its own and puts a launcher in the project venv's bin
# (where the validators look for tools). Its own venv because checkov pins many
# libraries (and ships its own `hcl2` module, bc-python-hcl2, which would shadow
# python-hcl2 in ours): run as a subprocess, it keeps our import graph clean.
set -euo pipefail
CHECKOV_VERSION="${CHECKOV_VERSION:-3.3.30}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tool_venv="$root/.venv-checkov"
python="${PYTHON:-python3}"
if [[ ! -x "$tool_venv/bin/checkov" ]] || ! "$tool_venv/bin/pip" show checkov 2>/dev/null | grep -qx "Version: ${CHECKOV_VERSION}"; then
  echo "installing checkov ${CHECKOV_VERSION} ..."
  "$python" -m venv "$tool_venv"
  "$tool_venv/bin/python" -m pip install --quiet --upgrade pip
  "$tool_venv/bin/python" -m pip install --quiet "checkov==${CHECKOV_VERSION}"
fi
if [[ -d "$root/.venv/bin" ]]; then
  ln -sf "$tool_venv/bin/checkov" "$root/.venv/bin/checkov"
fi
