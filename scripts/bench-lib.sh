# shellcheck shell=bash
# Sourced by bench.sh and bench-micro.sh: the arithmetic both print with.

# calc evaluates an awk expression: calc '%.1f' '2/3'.
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# median of the numbers read, one a line.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# cycle_report TARGET NOTE prints the medians per operation and per cycle
# of CYCLE_MS[WHO.OP,CYCLE] (WHO omhcl or shell, OP start or stop) over
# CYCLES cycles, and omhcl's ratios to the shell.
cycle_report() {
	local who op
	declare -A MED
	printf '%11s  %9s %9s %9s  %13s\n' '' start stop cycle 'slowest cycle'
	for who in omhcl shell; do
		for op in start stop cycle; do
			MED[$who.$op]=$(samples "$who" "$op" | median)
		done
		printf '%11s  %6.0f ms %6.0f ms %6.0f ms  %10.0f ms\n' "$who" \
			"${MED[$who.start]}" "${MED[$who.stop]}" "${MED[$who.cycle]}" "$(samples "$who" cycle | sort -g | tail -1)"
	done
	printf '%11s  %8.2fx %8.2fx %8.2fx   (target: within %sx)\n' omhcl/shell \
		"$(calc '%f' "${MED[omhcl.start]} / ${MED[shell.start]}")" \
		"$(calc '%f' "${MED[omhcl.stop]} / ${MED[shell.stop]}")" \
		"$(calc '%f' "${MED[omhcl.cycle]} / ${MED[shell.cycle]}")" "$1"
	echo "   medians of $CYCLES cycles; $2"
}

# samples WHO OP: the timings of OP (start, stop, or cycle: start + stop) in
# every cycle, one a line.
samples() {
	local i
	for ((i = 1; i <= CYCLES; i++)); do
		if [ "$2" = cycle ]; then
			calc '%f\n' "${CYCLE_MS[$1.start,$i]} + ${CYCLE_MS[$1.stop,$i]}"
		else
			echo "${CYCLE_MS[$1.$2,$i]}"
		fi
	done
}

# run_cycles runs the caller's omhcl_cycle and shell_cycle for cycles 1 to
# CYCLES.
run_cycles() {
	local i
	for ((i = 1; i <= CYCLES; i++)); do
		# alternate who goes first, so neither always runs on a warmer system
		if ((i % 2)); then
			omhcl_cycle "$i"
			shell_cycle "$i"
		else
			shell_cycle "$i"
			omhcl_cycle "$i"
		fi
	done
}
