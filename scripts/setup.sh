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
# Install scripts are not needed: tree-sitter ships prebuilds, and tfjs-node's
# binding is handled below.
npm ci --ignore-scripts --no-audit --no-fund

step "Python reference environment (.venv, pinned in src/verify/python/requirements.txt)"
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PYTHON" -m venv .venv; fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r src/verify/python/requirements.txt

step "tensor backend (tfjs-node)"
bash scripts/setup-tfjs-node.sh

step "build"
npm run build

step "main job: convert and verify the Basic Example (Haiku and Linen) into out/basic/"
for fw in haiku linen; do
  node bin/nnxport.js convert "fixtures/basic/${fw}_model.py" -o "out/basic/${fw}_model.ts"
  node bin/nnxport.js verify "fixtures/basic/${fw}_model.py"
done
node bin/nnxport.js doctor
