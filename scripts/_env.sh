# Shared set-up for scripts/run and scripts/test (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Create .venv and install a requirements file (default requirements.txt, the runtime; scripts/test asks for
# requirements-dev.txt) when it or what it includes changed since the last install.
ensure_venv() {
  local file="${1:-requirements.txt}"
  local py="${PYTHON:-python3}"
  if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "chainmap needs Python 3.11+; set PYTHON to one" >&2
    exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    "$py" -m venv .venv
  fi
  local want stamp=".venv/.${file%.txt}.sha256"
  want="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/pip install -q -r "$file"
    echo "$want" > "$stamp"
  fi
}

# Start the project's own Neo4j unless NEO4J_URI points at another server.
ensure_neo4j() {
  if [ -z "${NEO4J_URI:-}" ]; then
    scripts/neo4j start
  fi
}
