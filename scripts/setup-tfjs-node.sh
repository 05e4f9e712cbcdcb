#!/usr/bin/env bash
# Give @tensorflow/tfjs-node its native binding, even where its download host
# (storage.googleapis.com) is unreachable, by building it against the
# TensorFlow shared libraries shipped in the tensorflow-cpu pip wheel (PyPI is
# reachable where Google's bucket is not).
#
# Idempotent. Never fails the caller: if tfjs-node cannot be made to work, it
# says why on stderr and exits 0, and nnxport falls back to wasm/cpu.
#
# Env: NNXPORT_TFJS_INSTALL_TIMEOUT  seconds allowed for the package's own
#        download-based install before we build offline (default 120).
#      npm_config_nodedir           Node headers dir (default: node's prefix).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PKG=$ROOT/node_modules/@tensorflow/tfjs-node
CACHE=$ROOT/.cache/tfjs-node
TF_VERSION=2.21.0   # wheel whose C API the 4.22.0 binding is known to build and run against
INSTALL_TIMEOUT=${NNXPORT_TFJS_INSTALL_TIMEOUT:-120}
export PATH=$ROOT/node_modules/.bin:$PATH
# oneDNN gives wrong conv-transpose results in TF 2.21 (see runtime/backend.ts);
# the checks here only load the library, but keep its log output quiet.
export TF_ENABLE_ONEDNN_OPTS=${TF_ENABLE_ONEDNN_OPTS:-0} TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}

log() { echo "setup-tfjs-node: $*" >&2; }
giveup() {
  log "tfjs-node NOT set up: $*"
  log "nnxport will use the wasm (or cpu) tensor backend instead."
  exit 0
}
# Exit 0 iff tfjs-node loads and registers the 'tensorflow' backend; prints the reason otherwise.
backend_ok() {
  (cd "$ROOT" && node -e '
    try { const tf = require("@tensorflow/tfjs-node");
          const b = tf.getBackend(); console.log(b); process.exit(b === "tensorflow" ? 0 : 1); }
    catch (e) { console.log(String(e.message).split("\n")[0]); process.exit(1); }' 2>/dev/null)
}

[ -d "$PKG" ] || giveup "$PKG is missing (run npm install first)"

if why=$(backend_ok); then
  log "tfjs-node already works (backend: $why)"; exit 0
fi
log "tfjs-node does not load yet: $why"

# --- 1. The package's normal install path (downloads libtensorflow + a prebuilt addon).
# Skipped once we have staged the wheel's libraries: with deps/ present it would only
# recompile, without our nodedir. Its failure is expected on offline machines.
if [ ! -f "$PKG/deps/.nnxport-tf-$TF_VERSION" ]; then
  mkdir -p "$CACHE"
  cp "$PKG/package.json" "$CACHE/package.json.orig"   # install.js edits it and may die before reverting
  log "trying tfjs-node's own install (timeout ${INSTALL_TIMEOUT}s)..."
  (cd "$PKG" && timeout -k 10 "$INSTALL_TIMEOUT" node scripts/install.js) >"$CACHE/install.log" 2>&1
  rc=$?
  cmp -s "$CACHE/package.json.orig" "$PKG/package.json" || cp "$CACHE/package.json.orig" "$PKG/package.json"
  if [ $rc -eq 0 ] && why=$(backend_ok); then
    log "tfjs-node installed by its own script (backend: $why)"; exit 0
  fi
  [ $rc -eq 124 ] && why="timed out" || why=$(grep -m1 -E '^[A-Za-z]*Error|ERR!' "$CACHE/install.log" | cut -c1-200)
  log "its own install failed (exit $rc): ${why:-see $CACHE/install.log}"
fi

# --- 2. Offline build against the tensorflow-cpu wheel.
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] ||
  giveup "offline build only supports Linux x86_64 (this is $(uname -s)-$(uname -m))"
for tool in python3 make g++; do
  command -v $tool >/dev/null || giveup "'$tool' not found; it is needed to compile the binding"
done
NODEDIR=${npm_config_nodedir:-$(dirname "$(dirname "$(node -p process.execPath)")")}
[ -f "$NODEDIR/include/node/node_api.h" ] && [ -f "$NODEDIR/include/node/common.gypi" ] ||
  giveup "Node headers not found under $NODEDIR/include/node (need node_api.h, common.gypi);" \
         "install the Node development headers or set npm_config_nodedir"

t0=$SECONDS
if [ ! -f "$PKG/deps/.nnxport-tf-$TF_VERSION" ]; then
  wheel=$(ls "$CACHE"/tensorflow_cpu-$TF_VERSION-*.whl 2>/dev/null | head -1)
  if [ -z "$wheel" ]; then
    log "downloading tensorflow-cpu==$TF_VERSION wheel (~270 MB) from PyPI into $CACHE ..."
    # Pin the platform/ABI so the same wheel is fetched whatever python runs pip;
    # only its shared libraries and C headers are used.
    python3 -m pip download --no-deps --only-binary=:all: --dest "$CACHE" \
        --platform manylinux_2_27_x86_64 --python-version 3.11 --implementation cp --abi cp311 \
        "tensorflow-cpu==$TF_VERSION" >"$CACHE/pip.log" 2>&1 ||
      giveup "pip download of tensorflow-cpu==$TF_VERSION failed: $(tail -1 "$CACHE/pip.log") (log: $CACHE/pip.log)"
    wheel=$(ls "$CACHE"/tensorflow_cpu-$TF_VERSION-*.whl | head -1)
  fi
  log "staging libraries and C headers from $(basename "$wheel") ..."
  rm -rf "$PKG/deps"
  python3 - "$wheel" "$PKG/deps" <<'EOF' || giveup "could not extract the wheel (disk full? ~850 MB needed)"
import os, shutil, sys, zipfile
wheel, deps = sys.argv[1:]
libs = {"tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2"}
inc = "tensorflow/include/"
# Just what tensorflow/c/{c_api,eager/c_api}.h include, transitively.
headers = ("tensorflow/c/", "tensorflow/core/platform/ctstring", "tsl/platform/ctstring", "xla/tsl/c/")
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename
        if name in libs:
            dest = os.path.join(deps, "lib", os.path.basename(name))
        elif name.startswith(inc) and name[len(inc):].startswith(headers) and not name.endswith("/"):
            dest = os.path.join(deps, "include", name[len(inc):])
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(info) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 22)
        if name in libs:
            os.chmod(dest, 0o755)
for lib in libs:
    if not os.path.exists(os.path.join(deps, "lib", os.path.basename(lib))):
        sys.exit(f"{lib} not in wheel")
EOF
  # binding.gyp links -ltensorflow -ltensorflow_framework; install.js looks for the
  # .so.2.9.1 names to decide libtensorflow is present. The built addon records the
  # real SONAMEs (*.so.2) and finds them via its rpath $ORIGIN/../../deps/lib.
  (cd "$PKG/deps/lib" &&
    ln -sf libtensorflow_cc.so.2 libtensorflow.so &&
    ln -sf libtensorflow_cc.so.2 libtensorflow.so.2.9.1 &&
    ln -sf libtensorflow_framework.so.2 libtensorflow_framework.so &&
    ln -sf libtensorflow_framework.so.2 libtensorflow_framework.so.2.9.1) || giveup "could not create symlinks in deps/lib"
  touch "$PKG/deps/.nnxport-tf-$TF_VERSION"
fi

log "compiling the binding (node-pre-gyp --build-from-source, nodedir=$NODEDIR) ..."
(cd "$PKG" && npm_config_nodedir=$NODEDIR JOBS=2 node-pre-gyp install --build-from-source) >"$CACHE/build.log" 2>&1 ||
  giveup "compiling the binding failed; see $CACHE/build.log: $(grep -m1 -iE 'error' "$CACHE/build.log" | cut -c1-200)"

# --- 3. Final check.
if why=$(backend_ok); then
  log "done in $((SECONDS - t0))s; tfjs-node backend: $why"
else
  giveup "binding built but tfjs-node still does not load: $why"
fi
