#!/bin/bash
# Bounded fuzzing: every libFuzzer harness of tests/fuzz runs for
# FUZZ_SECONDS (default 60) from the seed corpus in the repository, built with
# clang, ASan and UBSan. Any crash, leak or sanitizer report fails the run;
# executions and coverage are printed and kept in build-fuzz/fuzz-summary.json.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug >/dev/null
fi
ninja -C build-fuzz >/dev/null
: > build-fuzz/fuzz-summary.json
status=0
for seeds in tests/fuzz/corpus/*/; do
	name=$(basename "$seeds")
	exe=build-fuzz/tests/fuzz/fuzz_$name
	work=build-fuzz/corpus/$name
	mkdir -p "$work" build-fuzz/artifacts
	cp -n "$seeds"* "$work"/ 2>/dev/null || true
	log=build-fuzz/fuzz_$name.log
	rc=0
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$exe" -max_total_time="$SECONDS_EACH" -print_final_stats=1 -rss_limit_mb=2048 \
		-artifact_prefix=build-fuzz/artifacts/"$name"- "$work" >"$log" 2>&1 || rc=$?
	# A harness that crashes on a seed prints no coverage line: that must
	# not end this script (set -e, pipefail) before the crash is reported.
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
	result=OK
	if [ "$rc" -ne 0 ]; then
		result=FAIL
		status=1
		echo "fuzz_$name FAILED (exit $rc); see $log and build-fuzz/artifacts/"
		grep -E "ERROR|SUMMARY|runtime error" "$log" | head -5 || true
	fi
	printf 'fuzz_%-16s %s  %s executions, coverage %s edges, corpus %s files\n' "$name" "$result" \
		"${execs:-?}" "${cov:-?}" "$(ls "$work" | wc -l)"
	printf '{"name": "fuzz_%s", "result": "%s", "executions": %s, "coverage": %s}\n' "$name" "$result" \
		"${execs:-0}" "${cov:-0}" >> build-fuzz/fuzz-summary.json
done
exit "$status"
