#!/bin/bash
# Set everything up and run the whole test suite (unit tests, a real KVM
# guest where /dev/kvm works, end-to-end CLI tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
status=0
meson test -C build --print-errorlogs || status=$?
python3 - <<'PY'
import json
passed = failed = skipped = 0
for line in open("build/meson-logs/testlog.json"):
    r = json.loads(line)["result"]
    if r == "OK": passed += 1
    elif r == "SKIP": skipped += 1
    else: failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit "$status"
