#!/bin/bash
# Set everything up and run the whole test suite: unit tests, real KVM guests
# (on /dev/kvm where it works, and in the emulated kvm_amd and kvm_intel with
# nested paging on every machine), tlbvisor's hypervisor in Bochs, end-to-end CLI,
# history and report tests; then the same host code built with ASan+UBSan
# (freestanding code is built without, its runtime cannot run there), the
# results readers' threads under ThreadSanitizer, and the bounded fuzzing run.
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

# The readers' threads (report's parse thread, compare's two readers) under
# ThreadSanitizer: Criterion cannot start under it here ("Could not initialize
# inheritable arena"), so the end-to-end test of those threads runs with a
# tlbvisor built for it.
echo "== thread sanitizer build (tlbvisor's reader threads)"
if [ ! -f build-tsan/build.ninja ]; then
	meson setup build-tsan -Db_sanitize=thread -Dbuildtype=debug >/dev/null
fi
ninja -C build-tsan bench/tlbvisor >/dev/null
# TSan's runtime refuses some kernels' address-space layouts (more mmap
# randomization bits than it knows); without ASLR (setarch -R) it starts.
tsan_wrap=()
tsan_starts=yes
if ! probe=$(build-tsan/bench/tlbvisor --version 2>&1); then
	tsan_wrap=(--wrapper "setarch $(uname -m) -R")
	probe=$(setarch "$(uname -m)" -R build-tsan/bench/tlbvisor --version 2>&1) || tsan_starts=no
fi
if [ "$tsan_starts" = no ]; then
	# Recorded as a skip with the runtime's own words (the closing line lists it).
	python3 -c 'import json, sys; print(json.dumps({"name": "reader_threads", "result": "SKIP",
		"stdout": "SKIP ThreadSanitizer cannot start on this kernel: " + sys.argv[1][-300:]}))' "$probe" \
		> build-tsan/meson-logs/tsan.json
	echo "thread sanitizer: cannot start here: $probe"
else
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 TLBVISOR_TSAN=1 meson test -C build-tsan --no-rebuild \
		"${tsan_wrap[@]}" --print-errorlogs --logbase tsan reader_threads || status=$?
fi

if [ -x ci/fuzz.sh ]; then
	echo "== bounded fuzzing"
	bash ci/fuzz.sh || status=$?
fi

echo "== emulated kvm_intel (Bochs), run beside the rest"
wait "$slow" || status=$?
cat build/meson-logs/emukvm-slow.out

# The closing line: meson tests (and fuzz harnesses) by result, and the checks
# inside them from each test's own closing line; every skip with its reason.
python3 - <<'PY'
import json, os, re
closing = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$")
tests = {"passed": 0, "failed": 0, "skipped": 0}
checks = {"passed": 0, "failed": 0, "skipped": 0}
skips = []
for log, label in (("build/meson-logs/testlog.json", ""), ("build/meson-logs/emukvm-slow.json", ""),
                   ("build-asan/meson-logs/sanitized.json", " (ASan)"), ("build-tsan/meson-logs/tsan.json", " (TSan)"),
                   ("build-fuzz/fuzz-summary.json", "")):
    if not os.path.exists(log):
        continue
    for line in open(log):
        t = json.loads(line)
        name, r = t["name"] + label, t["result"]
        key = "passed" if r == "OK" else "skipped" if r == "SKIP" else "failed"
        tests[key] += 1
        out = t.get("stdout") or ""
        last = None
        for l in out.splitlines():
            m = closing.match(l.strip())
            if m:
                last = m
            if l.startswith("SKIP "):
                skips.append(f"{name}: {l[5:]}")
        if last:
            for k, v in zip(("passed", "failed", "skipped"), last.groups()):
                checks[k] += int(v or 0)
        else:  # no closing line: the test is one check
            checks[key] += 1
        if r == "SKIP" and not any(s.startswith(name + ":") for s in skips):
            skips.append(f"{name}: skipped without a reason in its output")
if skips:
    print("skipped:")
    for s in skips:
        print("  " + s)
print(f"{tests['passed']} passed, {tests['failed']} failed, {tests['skipped']} skipped (tests); "
      f"{checks['passed']} passed, {checks['failed']} failed, {checks['skipped']} skipped (checks inside them)")
PY
exit "$status"
