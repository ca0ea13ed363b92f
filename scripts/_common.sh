# Shared by scripts/demo and scripts/test. Sourced, not run.
# Creates .venv with Python 3.11 and installs the project when pyproject.toml has changed.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

pick_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python 3.11 is needed (python3.11 or python3 on PATH)." >&2
  return 1
}

ensure_venv() {
  local py stamp
  if [ ! -x .venv/bin/python ]; then
    py="$(pick_python)"
    echo "Creating .venv with $py"
    "$py" -m venv .venv
  fi
  stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "Installing the project and its pinned dependencies into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
    rm -f .venv/.installed-*
    touch "$stamp"
  fi
  export PATH="$ROOT/.venv/bin:$PATH"
}
