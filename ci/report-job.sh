#!/bin/bash
# The CI performance job: run the quick preset, keep it in the history,
# gate it against a baseline, and leave a report directory to publish as the
# job's artifact.
#
#   ci/report-job.sh [ARTIFACT_DIR]        (default: results/ci)
#
# The gate, one of two:
# - TLBVISOR_BASE_REF set (a git ref, e.g. origin/main): that ref is built
#   beside this one and the two run the quick preset in paired rounds
#   (ci/gate-rounds.py, TLBVISOR_ROUNDS rounds, default 7, alternating which
#   goes first), judged by `tlbvisor compare --paired`. It holds on a shared,
#   noisy machine; it costs 2 x ROUNDS quick runs.
# - otherwise: compare with the previous run in the history, its margin taken
#   from the cell's run-to-run spread there (docs/metrics.md).
# Environment: TLBVISOR_HISTORY (default results/history.db) is the history
# to keep between jobs (cache it in your CI); TLBVISOR_GATE=0 reports a
# regression without failing the job. Exit status: 0, 4 on a significant
# regression (tlbvisor compare), 5 when the runs cannot give a verdict (no
# cell in both, too few repetitions or rounds), anything else on an error.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh

ART=${1:-results/ci}
DB=${TLBVISOR_HISTORY:-results/history.db}
mkdir -p "$ART" "$(dirname "$DB")"
TV=./build/bench/tlbvisor

$TV run --preset quick --out "$ART/results.json" --csv "$ART/results.csv" --db "$DB"
NEW=$(sqlite3 "$DB" 'SELECT max(id) FROM runs WHERE finished=1' 2>/dev/null || true)
if [ -z "$NEW" ]; then
	NEW=$($TV import "$ART/results.json" --db "$DB" | sed -n 's/.*-> run \([0-9]*\).*/\1/p')
fi
BASE=$(sqlite3 "$DB" "SELECT max(id) FROM runs WHERE finished=1 AND id < $NEW" 2>/dev/null || true)

$TV report "$ART/results.json" --out "$ART"
$TV strategies "$ART/results.json" > "$ART/strategies.md"

status=0
if [ -n "${TLBVISOR_BASE_REF:-}" ]; then
	# The base build from the ref's own tree (git archive: no worktree left behind).
	BASE_SRC=$(mktemp -d)
	trap 'rm -rf "$BASE_SRC"' EXIT
	git archive "$TLBVISOR_BASE_REF" | tar -x -C "$BASE_SRC"
	meson setup "$BASE_SRC/build" "$BASE_SRC" >/dev/null
	ninja -C "$BASE_SRC/build" bench/tlbvisor >/dev/null
	python3 ci/gate-rounds.py "$BASE_SRC/build/bench/tlbvisor" "$TV" --rounds "${TLBVISOR_ROUNDS:-7}" \
		--dir "$ART/rounds" >/dev/null || status=$?
	cp "$ART/rounds/compare.md" "$ART/compare.md"
	cat "$ART/compare.md"
elif [ -n "$BASE" ]; then
	$TV compare "$BASE" "$NEW" --db "$DB" --threshold 5% --alpha 0.05 --out "$ART/compare.md" || status=$?
	cat "$ART/compare.md"
else
	echo "No baseline in $DB yet: this run becomes the baseline." | tee "$ART/compare.md"
fi
echo "artifact: $ART (report.html, report.md, results.json, results.csv, compare.md, strategies.md)"
if [ "$status" -eq 4 ] && [ "${TLBVISOR_GATE:-1}" = 0 ]; then
	echo "regression reported, gate disabled (TLBVISOR_GATE=0)"
	exit 0
fi
exit "$status"
