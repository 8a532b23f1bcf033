#!/usr/bin/env bash
# Checks Shear's GGUF exports in a real llama.cpp (node-llama-cpp 3.21.1, prebuilt CPU binaries):
# installs the pinned package here when npm is available, then runs the Maven profile -Pllamacpp
# (greedy tokens and log-probabilities against Shear, plus the experiments behind the export plan).
# Prints SKIPPED and exits 0 when node/npm are missing.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "llama.cpp check SKIPPED: node and npm are needed (node-llama-cpp runs llama.cpp); install Node.js 20+ and rerun" >&2
  exit 0
fi
if [[ ! -d "$HERE/node_modules/node-llama-cpp" ]]; then
  echo "installing node-llama-cpp 3.21.1 into $HERE/node_modules ..." >&2
  # --ignore-scripts: the prebuilt binaries come as npm packages; the postinstall would only try a source build
  (cd "$HERE" && npm ci --no-audit --no-fund --ignore-scripts >&2) || {
    echo "llama.cpp check SKIPPED: npm could not install node-llama-cpp (offline?)" >&2
    exit 0
  }
fi
cd "$ROOT"
mvn -B ${MAVEN_OFFLINE:--o} test -Pllamacpp "$@"
