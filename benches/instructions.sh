#!/usr/bin/env bash
# Instructions per call, for comparing commits without machine noise.
#
#   benches/instructions.sh                            # the table (about 2 minutes)
#   benches/instructions.sh --only luminate-json --calls 2000
#   benches/instructions.sh --profile luminate-json    # where one call's instructions go
#   benches/instructions.sh --perf [KEY...]            # perf stat instead, where counters exist
#
# Keys: health luminate-xml luminate-json smarteru ym-json ym-jsv
#
# The table comes from `cargo bench --bench instructions`: valgrind's callgrind counts user-space
# instructions on every thread, (1) of N in-process calls through membermock::app (its driver
# dumps the counters before and after the N calls, so start-up, seeding and warm-up cancel) and
# (2) of N keep-alive calls to the whole release binary (callgrind_control zeroes and dumps the
# counters around them). The limit — a minimal axum app/server answering the same bytes — is
# measured the same way, for the ratio. In-process counts repeat to within 0.2%; whole-server
# counts move by a few percent (tokio's worker wake-ups depend on timing).
#
# --profile splits one call's instructions by component (malloc/free, SQLite, membermock, ...)
# and lists the costliest functions.
#
# --perf uses `perf stat -e instructions:u` on the in-process driver: the driver's whole run with
# N calls minus a run with 0 calls, divided by N. It needs hardware performance counters, which
# virtual machines often lack (this one does: perf reports the event <not supported>); the script
# says so and stops. PERF_EVENT=task-clock exercises the same path with a software event
# (milliseconds instead of instructions).
#
# Needs valgrind (apt-get install valgrind) for the default and --profile; perf for --perf.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" != "--perf" ]]; then
    command -v valgrind >/dev/null || { echo "valgrind not found: apt-get install valgrind" >&2; exit 1; }
    exec cargo bench --bench instructions -- "$@"
fi
shift

event="${PERF_EVENT:-instructions:u}"
calls="${CALLS:-2000}"
keys=("$@")
[[ ${#keys[@]} -gt 0 ]] || keys=(health luminate-xml luminate-json smarteru ym-json ym-jsv)

command -v perf >/dev/null || { echo "perf not found (apt-get install linux-perf)" >&2; exit 1; }
if ! perf stat -x, -e "$event" true 2>&1 >/dev/null | grep -q '^[0-9]'; then
    echo "perf: the $event event is not supported on this machine (no hardware counters, as in" \
         "most VMs); use the callgrind default instead" >&2
    exit 1
fi

exe=$(cargo bench --bench instructions --no-run --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*/instructions-[^"]*"' | tail -1 | cut -d'"' -f4)
[[ -x "$exe" ]] || { echo "could not build the instructions bench" >&2; exit 1; }

# One figure: the event's count for the driver making $2 calls of key $1.
count() {
    perf stat -x, -e "$event" "$exe" --drive "$1" --calls "$2" 2>&1 >/dev/null \
        | awk -F, -v e="$event" '$3 == e { print $1 }'
}

printf '%-16s %14s  (%s per call, %s calls minus 0 calls)\n' call "$event" "$event" "$calls"
for key in "${keys[@]}"; do
    base=$(count "$key" 0)
    full=$(count "$key" "$calls")
    awk -v k="$key" -v b="$base" -v f="$full" -v n="$calls" \
        'BEGIN { v = (f - b) / n; printf (v < 100 ? "%-16s %14.4f\n" : "%-16s %14.0f\n"), k, v }'
done
