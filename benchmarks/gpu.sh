#!/usr/bin/env bash
# One script for a CUDA machine (issue 6 / issue 12): installs what it needs, runs the
# CUDA-marked tests and the flow benchmarks (two-layer and deep, CPU vs CUDA side by side,
# batch up to 65,536), and writes every figure into ONE JSON file.  Budget: < 8 minutes.
#
#   bash benchmarks/gpu.sh [OUT.json]        (default: benchmarks/results/gpu.json)
#
# Uses the machine's own CUDA torch when `python3 -c "import torch"` has CUDA; otherwise
# installs the CUDA wheel from the PyTorch index (needs network).  Every step has its own
# timeout so that the whole run stays under 8 minutes; a step that fails is recorded in the
# JSON, not fatal.
set -u
cd "$(dirname "$0")/.."
OUT="${1:-benchmarks/results/gpu.json}"
WORK="$(mktemp -d)"
START=$(date +%s)
log() { echo "[gpu.sh $(( $(date +%s) - START ))s] $*"; }

PY=python3
if ! $PY -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  log "no CUDA torch in $PY; creating a venv with the CUDA wheel"
  $PY -m venv "$WORK/venv" && . "$WORK/venv/bin/activate" && PY=python
  timeout 240 pip install -q torch --index-url https://download.pytorch.org/whl/cu124 || log "torch install failed"
else
  $PY -m venv --system-site-packages "$WORK/venv" && . "$WORK/venv/bin/activate" && PY=python
fi
timeout 120 pip install -q -e ".[test,bench]" || log "pip install -e .[test,bench] failed"
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"

log "CUDA-marked tests"
timeout 120 $PY -m pytest -q -m cuda tests/numeric/test_cuda.py -p no:cacheprovider \
  --junitxml="$WORK/cuda_tests.xml" > "$WORK/cuda_tests.txt" 2>&1
echo $? > "$WORK/cuda_tests.rc"; tail -3 "$WORK/cuda_tests.txt"

log "deep model vs torch.func oracle on CUDA"
timeout 90 $PY benchmarks/bench_deep.py --out "$WORK/deep" --device cuda --batches 256,4096,65536 --reps 5 \
  || log "bench_deep failed"

log "CPU vs CUDA flows (two-layer and deep), batch up to 65,536"
timeout 200 $PY benchmarks/bench_devices.py --out "$WORK/devices" --batches 256,4096,65536 \
  --max-cpu-batch 4096 --steps 10 --reps 3 || log "bench_devices failed"

log "collecting into $OUT"
mkdir -p "$(dirname "$OUT")"
WORK="$WORK" OUT="$OUT" $PY - <<'PYEOF'
import json, os, pathlib, subprocess
w = pathlib.Path(os.environ["WORK"])
def load(p):
    try:
        return json.loads((w / p).read_text())
    except (OSError, ValueError) as exc:
        return {"missing": str(exc)}
doc = {
    "cuda_tests": {"rc": (w / "cuda_tests.rc").read_text().strip() if (w / "cuda_tests.rc").exists() else None,
                   "tail": (w / "cuda_tests.txt").read_text()[-3000:] if (w / "cuda_tests.txt").exists() else ""},
    "bench_deep": load("deep/bench_deep.json"),
    "bench_devices": load("devices/bench_devices.json"),
    "commit": subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip(),
}
pathlib.Path(os.environ["OUT"]).write_text(json.dumps(doc, indent=1))
print("wrote", os.environ["OUT"])
PYEOF
log "done"
