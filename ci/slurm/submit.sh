#!/bin/bash
# Submit a tlbvisor matrix to Slurm, then the merge of its results.
#
#   ci/slurm/submit.sh shards N MATRIX OUTDIR   one matrix spread over N shards
#                                               (a job array, one task a shard)
#   ci/slurm/submit.sh every-node MATRIX OUTDIR the whole matrix on every node
#                                               of the partition, for comparing hosts
#
# TLBVISOR (default: tlbvisor on PATH) is the binary every node runs;
# TLBVISOR_ARGS adds options to each run; extra sbatch options go in
# SBATCH_EXTRA (e.g. "--partition=bench --time=02:00:00").
# Prints the job ids: the shards' (or nodes') jobs, then the merge job.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
usage() {
	sed -n '2,13p' "$0" >&2
	exit 2
}
[ $# -ge 1 ] || usage
mode=$1
shift
case "$mode" in
shards)
	[ $# -eq 3 ] || usage
	n=$1 matrix=$(realpath "$2") out=$(realpath -m "$3")
	mkdir -p "$out"
	array=$(TLBVISOR_MATRIX=$matrix TLBVISOR_OUT=$out sbatch --parsable ${SBATCH_EXTRA:-} --export=ALL \
		--array="1-$n" "$here/tlbvisor-shards.sbatch")
	array=${array%%;*}
	merge=$(TLBVISOR_OUT=$out sbatch --parsable ${SBATCH_EXTRA:-} --export=ALL \
		--dependency="afterok:$array" "$here/tlbvisor-merge.sbatch")
	echo "shards: job array $array (1-$n); merge: job ${merge%%;*} (after every shard succeeded)"
	;;
every-node)
	[ $# -eq 2 ] || usage
	matrix=$(realpath "$1") out=$(realpath -m "$2")
	mkdir -p "$out"
	jobs=()
	for node in $(sinfo -h -N -o '%N' ${SBATCH_EXTRA:+} | sort -u); do
		# One whole run per node, pinned to it; named like a shard so the
		# merge job finds it (its context says which host ran it).
		id=$(sbatch --parsable ${SBATCH_EXTRA:-} --exclusive -w "$node" --job-name=tlbvisor-node \
			--output="tlbvisor-node-$node-%j.out" --wrap \
			"${TLBVISOR:-tlbvisor} run --matrix '$matrix' --out '$out/shard-$node.json' --db '$out/shard-$node.db' ${TLBVISOR_ARGS:-}; s=\$?; [ \$s -eq 3 ] && s=0; exit \$s")
		jobs+=("${id%%;*}")
	done
	deps=$(IFS=:; echo "${jobs[*]}")
	merge=$(TLBVISOR_OUT=$out sbatch --parsable ${SBATCH_EXTRA:-} --export=ALL --dependency="afterok:$deps" \
		"$here/tlbvisor-merge.sbatch")
	echo "runs: jobs ${jobs[*]} (one per node); merge: job ${merge%%;*}"
	;;
*)
	usage
	;;
esac
