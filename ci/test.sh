#!/bin/bash
# Set everything up and run the whole test suite: unit tests, real KVM guests
# (on /dev/kvm where it works, and in the emulated kvm_amd and kvm_intel with
# nested paging on every machine), tlbvisor's hypervisor in Bochs, end-to-end CLI,
# history and report tests; then the same host code built with ASan+UBSan
# (freestanding code is built without, its runtime cannot run there), and
# the bounded fuzzing run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
status=0
# The emulated kvm_intel (Bochs, docs/emulated-kvm.md) needs minutes of one
# CPU: it runs beside the rest of the suite and is waited for at the end.
meson test -C build --no-rebuild --suite emukvm-slow --logbase emukvm-slow --print-errorlogs \
	> build/meson-logs/emukvm-slow.out 2>&1 &
slow=$!
trap 'kill "$slow" 2>/dev/null || true' EXIT  # if this script stops early
meson test -C build --no-suite emukvm-slow --print-errorlogs || status=$?

echo "== sanitizer build (address, undefined)"
if [ ! -f build-asan/build.ninja ]; then
	meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug >/dev/null
fi
ninja -C build-asan >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
TLBVISOR_SANITIZED=1 meson test -C build-asan --print-errorlogs --logbase sanitized || status=$?

if [ -x ci/fuzz.sh ]; then
	echo "== bounded fuzzing"
	bash ci/fuzz.sh || status=$?
fi

echo "== emulated kvm_intel (Bochs), run beside the rest"
wait "$slow" || status=$?
cat build/meson-logs/emukvm-slow.out

python3 - <<'PY'
import json, os
passed = failed = skipped = 0
for log in ("build/meson-logs/testlog.json", "build/meson-logs/emukvm-slow.json",
            "build-asan/meson-logs/sanitized.json", "build-fuzz/fuzz-summary.json"):
    if not os.path.exists(log):
        continue
    for line in open(log):
        r = json.loads(line)["result"]
        if r == "OK": passed += 1
        elif r == "SKIP": skipped += 1
        else: failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit "$status"
