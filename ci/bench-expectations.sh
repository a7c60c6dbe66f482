#!/bin/bash
# Performance expectations, out of the test suite (a test must not depend on
# how fast this machine is): checks that measured numbers look like what the
# hardware should give, on a real machine, and says which do not.
#   ci/bench-expectations.sh            (after ci/setup.sh)
# - an exit round trip (I/O and CPUID, kvm) costs more than 100 TSC cycles;
# - a random chase over 256 MiB of 4K pages costs more per access than over
#   16 KiB (TLB and cache misses).
# Emulated backends (Bochs, QEMU) are not used: their timings are not
# performance figures.
set -euo pipefail
cd "$(dirname "$0")/.."
TV=./build/bench/tlbvisor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
verdict() { # name ok detail
	if [ "$2" = 1 ]; then echo "PASS $1"; else echo "FAIL $1: $3"; status=1; fi
}
median() { # file cell
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(next(b["cycles_per_access"] for b in d["benchmarks"] if b["run_name"]==sys.argv[2] and b.get("aggregate_name")=="median"))' "$1" "$2"
}

$TV run --backend native --ws 16k,256m --host-page 4k --repetitions 5 --min-time 0.1 --no-db --out "$work/native.json" >/dev/null 2>&1
small=$(median "$work/native.json" chase/random/ws:16K/backend:native/host:4k)
large=$(median "$work/native.json" chase/random/ws:256M/backend:native/host:4k)
verdict "native random chase: 256M costs more per access than 16K ($large vs $small cycles)" \
	"$(python3 -c "print(int($large > $small))")" "$large <= $small"

if [ -e /dev/kvm ]; then
	$TV run --backend kvm --ws 16k --host-page 4k --guest-page 4k --exit-cost --repetitions 5 --min-time 0.05 \
		--no-db --out "$work/exits.json" >/dev/null 2>&1
	for kind in io cpuid; do
		c=$(median "$work/exits.json" "exit/$kind/backend:kvm")
		verdict "kvm $kind exit round trip above 100 cycles ($c)" "$(python3 -c "print(int($c > 100))")" "$c"
	done
else
	echo "SKIP kvm exit round trips: /dev/kvm is missing (emulated KVMs give no performance figures)"
fi
exit "$status"
