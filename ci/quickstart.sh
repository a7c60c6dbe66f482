#!/bin/bash
# The main job: set everything up, run the quick matrix on the best backend
# available (native + kvm where /dev/kvm works), print the table, write the
# results (JSON, CSV) and a Markdown report under results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh

# Hugetlb 2M pages for the host:2m cells: reserve what the largest cell needs
# for this run only (as root), and give them back afterwards.
NEED_2M=300
POOL=/proc/sys/vm/nr_hugepages
if [ "$(id -u)" -eq 0 ] && [ -w "$POOL" ]; then
	before=$(cat "$POOL")
	free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)
	if [ "$free" -lt "$NEED_2M" ]; then
		echo $((before + NEED_2M - free)) > "$POOL"
		echo "tlbvisor quickstart: reserved 2M hugetlb pages for this run ($before -> $(cat "$POOL")); restored afterwards" >&2
		trap 'echo "$before" > "$POOL"' EXIT
	fi
else
	echo "tlbvisor quickstart: not root, host:2m cells run only if 2M hugetlb pages are reserved (see tlbvisor list)" >&2
fi

mkdir -p results
stamp=$(date +%Y%m%d-%H%M%S)
status=0
./build/bench/tlbvisor run --preset quick --out "results/quick-$stamp.json" \
	--csv "results/quick-$stamp.csv" "$@" || status=$?
if [ -f "results/quick-$stamp.json" ]; then
	./build/bench/tlbvisor report "results/quick-$stamp.json" --out "results/report-$stamp"
	echo "results: results/quick-$stamp.json results/quick-$stamp.csv; report: results/report-$stamp/report.md"
fi
exit "$status"
