#!/usr/bin/env bash
# One command from a fresh clone to a working nnxport: npm packages, the pinned
# Python reference environment, the tfjs-node backend (built offline if its
# download fails), the build, and then the main job on a real example:
# convert the guide's Basic Example from Haiku and from Linen, and verify both.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
step() { printf '\n==> %s\n' "$*" >&2; }

step "npm packages"
# Without install scripts: tfjs-node's would try to download libtensorflow (handled below).
npm ci --ignore-scripts --no-audit --no-fund
# tree-sitter's prebuilt binaries need a newer libstdc++ than some systems have;
# its install script keeps a prebuild that loads and otherwise compiles from source.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi
npm rebuild tree-sitter tree-sitter-python
node -e "new (require('tree-sitter'))().setLanguage(require('tree-sitter-python'))" \
  || { echo "setup: tree-sitter does not load (see above)" >&2; exit 1; }

step "Python reference environment (.venv, pinned in src/verify/python/requirements.txt)"
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PYTHON" -m venv .venv; fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r src/verify/python/requirements.txt

step "tensor backend (tfjs-node)"
bash scripts/setup-tfjs-node.sh

step "headless browser for the report test (Debian's chromium)"
# `verify --report` pages are tested in a real browser. Debian's package, never a downloaded build.
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(command -v chromium)"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || echo "setup: could not install chromium; the report's browser test will say so" >&2
else
  echo "setup: no chromium, and not root to install it (apt-get install chromium); the report's browser test needs it" >&2
fi

step "build"
npm run build

step "main job: convert and verify the Basic Example (Haiku and Linen) into out/basic/"
for fw in haiku linen; do
  node bin/nnxport.js convert "fixtures/basic/${fw}_model.py" -o "out/basic/${fw}_model.ts"
  node bin/nnxport.js verify "fixtures/basic/${fw}_model.py"
done
# Informational: on a machine where tfjs-node could not be built, doctor reports the
# fallback backend (and exits 1), but the setup itself has succeeded.
node bin/nnxport.js doctor || true
