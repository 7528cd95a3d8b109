#!/usr/bin/env bash
# Build .venv-frameworks: LLaMA-Factory 0.9.5, ms-swift 4.6.0 and lmms-eval 0.7.3 beside the
# machine's CPU torch 2.13.0, plus medground (editable) and pytest, for tests/frameworks (the
# exports read back by the frameworks' own loaders). Idempotent: does nothing when the stamp in
# the venv matches the hash of what it is built from (this script, scripts/frameworks/*.txt and
# medground's core dependencies); otherwise rebuilds from scratch (~2.5 min, ~2 GB).
#
# Why the steps are as they are:
# * torch==2.13.0 first and held by constraints.txt at every step: it is the CPU wheel on this
#   machine's disk; anything else asking for torch would pull a CUDA build of several GB.
#   torchvision is never installed (PyPI's build fails to import beside this torch).
# * LLaMA-Factory with --no-deps, then its runtime from requirements.txt: a plain install swaps
#   in a CUDA torch 2.14 and torchvision (it requires torchvision, torchaudio and torchdata).
# * lmms-eval with --no-deps, then lmms-eval-requirements.txt (its imports without torch,
#   torchvision and timm), when that file exists.
# pip then lists the requirements left out on purpose as "dependency conflicts"; they are.
set -euo pipefail

SCRIPT=$(readlink -f "$0")
cd "$(dirname "$SCRIPT")/.."
PYTHON=${PYTHON:-python3}
VENV=${FRAMEWORKS_VENV:-.venv-frameworks}
HERE=scripts/frameworks
LMMS_REQ=$HERE/lmms-eval-requirements.txt

core_deps() {  # medground's [project] dependencies, one a line
    "$PYTHON" -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))'
}

stamp=$( { cat "$SCRIPT" "$HERE/requirements.txt" "$HERE/constraints.txt"
           if [ -f "$LMMS_REQ" ]; then cat "$LMMS_REQ"; fi
           core_deps; } | sha256sum | cut -d' ' -f1)
if [ -f "$VENV/.stamp" ] && [ "$(cat "$VENV/.stamp")" = "$stamp" ]; then
    echo "$VENV is up to date"
    exit 0
fi

start=$SECONDS
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
echo '*' > "$VENV/.gitignore"  # never committed (the repo's .gitignore names only .venv/)
echo "pip reports LLaMA-Factory's and lmms-eval's left-out requirements as conflicts: expected"
pip=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
held=(-c "$HERE/constraints.txt")

echo "[1/5] torch 2.13.0 (CPU)"
"${pip[@]}" torch==2.13.0
echo "[2/5] LLaMA-Factory 0.9.5 (--no-deps), its runtime, ms-swift 4.6.0, pytest"
"${pip[@]}" --no-deps llamafactory==0.9.5
"${pip[@]}" "${held[@]}" -r "$HERE/requirements.txt"
echo "[3/5] lmms-eval 0.7.3 (--no-deps) and its imports"
if [ -f "$LMMS_REQ" ]; then
    "${pip[@]}" --no-deps lmms-eval==0.7.3
    "${pip[@]}" "${held[@]}" -r "$LMMS_REQ"
else
    echo "      skipped: $LMMS_REQ does not exist yet"
fi
echo "[4/5] medground (editable, --no-deps) and its core dependencies"
"${pip[@]}" --no-deps -e .
core_deps > "$VENV/medground-core.txt"
"${pip[@]}" "${held[@]}" -r "$VENV/medground-core.txt"
echo "[5/5] checking the torch build"
"$VENV/bin/python" - <<'EOF'
import importlib.util
import torch
assert torch.__version__.split("+")[0] == "2.13.0", f"torch {torch.__version__}, expected 2.13.0"
assert not torch.cuda.is_available() and torch.version.cuda is None, "a CUDA torch got in"
for name in ("torchvision", "torchaudio"):
    assert importlib.util.find_spec(name) is None, f"{name} must not be installed"
EOF
echo "$stamp" > "$VENV/.stamp"
echo "$VENV built in $((SECONDS - start)) s ($(du -sh "$VENV" | cut -f1))"
