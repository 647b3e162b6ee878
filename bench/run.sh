#!/usr/bin/env bash
# bench/run.sh: measures a real `tocsin serve` with bench/loadgen, on SQLite and
# on PostgreSQL, and prints a Markdown summary (also saved in bench/results/).
#
#   bash bench/run.sh [--duration 10s] [--warmup 2s] [--clients 32] [--rate 1000]
#                     [--engines "sqlite postgres"] [--verify]
#
# For each engine: build, start the server on a fresh database with
# --rate-limit 0 --log-level warn on a free loopback port, create an integration
# key, read VmRSS at rest, then run new alerts (closed loop), repeated events
# (closed loop, 100 keys) and new alerts at a fixed rate (open loop), sampling
# VmRSS under load. --verify then kill -9s the server in the middle of a `new`
# run, restarts it, and checks that every event answered 202 is stored.
#
# PostgreSQL: a fresh database on 127.0.0.1:5432 (user postgres, trust auth),
# dropped at the end. Set PGHOST/PGPORT/PGUSER to use another server.
set -euo pipefail

DURATION=10s WARMUP=2s CLIENTS=32 RATE=1000 REPEAT_KEYS=100 ENGINES="sqlite postgres" VERIFY=0
while [ $# -gt 0 ]; do
	case "$1" in
	--duration) DURATION=$2; shift 2 ;;
	--warmup) WARMUP=$2; shift 2 ;;
	--clients) CLIENTS=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--keys) REPEAT_KEYS=$2; shift 2 ;;
	--engines) ENGINES=$2; shift 2 ;;
	--verify) VERIFY=1; shift ;;
	*) echo "usage: $0 [--duration D] [--warmup D] [--clients N] [--rate R] [--keys N] [--engines \"sqlite postgres\"] [--verify]" >&2; exit 2 ;;
	esac
done
if ! [[ $DURATION =~ ^[0-9]+s$ && $WARMUP =~ ^[0-9]+s$ ]]; then
	echo "--duration and --warmup are in whole seconds, e.g. 10s" >&2
	exit 2
fi
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}

cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
SERVER_PID="" SAMPLER_PID="" PG_DB=""
cleanup() {
	[ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
	[ -n "$PG_DB" ] && dropdb --if-exists --force "$PG_DB" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "== $*" >&2; }

log "building tocsin, loadgen and benchdb into $WORK"
go build -o "$WORK/tocsin" ./cmd/tocsin
go build -o "$WORK/loadgen" ./bench/loadgen
go build -o "$WORK/benchdb" ./bench/benchdb

KEY=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n') # 32 hex characters, like a PagerDuty routing key
ROWS=$WORK/rows.md
NOTES=$WORK/notes.md
: >"$ROWS"
: >"$NOTES"

free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "no free port found" >&2
	return 1
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }

# sample_rss PID FILE keeps the peak VmRSS (kB) of PID in FILE until killed.
sample_rss() {
	local peak=0 v
	while v=$(rss_kb "$1") && [ -n "$v" ]; do
		if [ "$v" -gt "$peak" ]; then peak=$v; echo "$peak" >"$2"; fi
		sleep 0.2
	done
}

# create_key DBFLAGS...: an integration accepting $KEY, through `tocsin apply`
# when the CLI has it, else through internal/store (bench/benchdb).
create_key() {
	if "$WORK/tocsin" apply --help >/dev/null 2>&1; then
		cat >"$WORK/bench.yaml" <<-EOF
			teams:
			  - name: bench
			services:
			  - name: bench
			    team: bench
			    integrations:
			      - {name: bench, type: pagerduty, key_from_env: TOCSIN_BENCH_KEY}
		EOF
		if TOCSIN_BENCH_KEY=$KEY "$WORK/tocsin" apply -f "$WORK/bench.yaml" "$@" >"$WORK/apply.log" 2>&1; then
			log "integration key created with tocsin apply"
			return
		fi
		log "tocsin apply failed (see below); creating the key through internal/store instead"
		cat "$WORK/apply.log" >&2
	fi
	"$WORK/benchdb" key "$@" -key "$KEY" # Go flags take --name too
	log "integration key created with bench/benchdb"
}

# start_server ENGINE DBFLAGS...: starts tocsin serve, sets SERVER_PID and URL.
start_server() {
	local engine=$1
	shift
	local port
	port=$(free_port)
	URL=http://127.0.0.1:$port
	"$WORK/tocsin" serve "$@" --listen "127.0.0.1:$port" --rate-limit 0 --log-level warn >>"$WORK/server-$engine.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 300); do
		if curl -fsS -o /dev/null "$URL/readyz" 2>/dev/null; then
			log "tocsin serve (pid $SERVER_PID) ready at $URL on $engine"
			return
		fi
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			cat "$WORK/server-$engine.log" >&2
			echo "tocsin serve exited" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "tocsin serve not ready after 30 s" >&2
	return 1
}

stop_server() {
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=""
}

# batch_stats prints the server's running sum and count of events per commit.
batch_stats() {
	curl -fsS "$URL/metrics" | awk '/^tocsin_ingest_batch_events_sum/ {s=$2} /^tocsin_ingest_batch_events_count/ {c=$2} END {print s+0, c+0}'
}

# cpu_ticks prints the CPU time (user + system, in clock ticks) a process has used.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# load LABEL ARGS...: one loadgen run, its row appended to $ROWS, and how the
# server batched commits and how much CPU it got (the machine is shared) to $NOTES.
load() {
	local label=$1
	shift
	log "$label"
	local s0 n0 s1 n1 t0 t1
	read -r s0 n0 < <(batch_stats)
	t0=$(cpu_ticks "$SERVER_PID")
	"$WORK/loadgen" -url "$URL" -key "$KEY" -clients "$CLIENTS" -duration "$DURATION" -warmup "$WARMUP" \
		-label "$label" -row-file "$ROWS" "$@" >&2
	read -r s1 n1 < <(batch_stats)
	t1=$(cpu_ticks "$SERVER_PID")
	awk -v l="$label" -v s=$((s1 - s0)) -v n=$((n1 - n0)) -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
		-v secs=$((${DURATION%s} + ${WARMUP%s})) 'BEGIN {
			printf "- %s: %d commits, %.1f events per commit; the server used %.1f CPU-seconds in %d s (%.2f cores)\n",
				l, n, n ? s / n : 0, t / hz, secs, t / hz / secs
		}' >>"$NOTES"
}

bench_engine() {
	local engine=$1 dbflags=()
	case "$engine" in
	sqlite) dbflags=(--data-dir "$WORK/sqlite-data") ;;
	postgres)
		PG_DB=tocsin_bench_$$_$RANDOM
		createdb "$PG_DB"
		dbflags=(--database-url "postgres://$PGUSER@$PGHOST:$PGPORT/$PG_DB?sslmode=disable")
		;;
	*) echo "unknown engine $engine" >&2; return 1 ;;
	esac
	create_key "${dbflags[@]}"
	start_server "$engine" "${dbflags[@]}"
	sleep 2 # let start-up settle before reading memory at rest
	local rest
	rest=$(rss_kb "$SERVER_PID")

	echo 0 >"$WORK/peak"
	sample_rss "$SERVER_PID" "$WORK/peak" &
	SAMPLER_PID=$!
	load "$engine: new alerts" -mode new
	load "$engine: repeated events" -mode repeat -keys "$REPEAT_KEYS"
	load "$engine: new alerts at $RATE/s" -mode new -rate "$RATE"
	kill "$SAMPLER_PID" 2>/dev/null || true
	wait "$SAMPLER_PID" 2>/dev/null || true
	SAMPLER_PID=""
	printf -- '- %s: RSS at rest %d MB, peak under load %d MB\n' "$engine" $((rest / 1024)) $(($(cat "$WORK/peak") / 1024)) >>"$NOTES"

	if [ "$VERIFY" = 1 ]; then
		log "$engine: durability: kill -9 the server in the middle of a new-alerts run"
		"$WORK/loadgen" -url "$URL" -key "$KEY" -clients "$CLIENTS" -duration "$DURATION" -warmup 0s \
			-mode new -acked "$WORK/acked-$engine" >"$WORK/verify-load-$engine.log" 2>&1 &
		local lg=$!
		sleep $((${DURATION%s} / 2))
		kill -9 "$SERVER_PID"
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=""
		wait "$lg" || true
		cat "$WORK/verify-load-$engine.log" >&2
		start_server "$engine" "${dbflags[@]}"
		local verdict
		if verdict=$("$WORK/benchdb" verify "${dbflags[@]}" -key "$KEY" -acked "$WORK/acked-$engine" 2>&1); then
			printf -- '- %s, kill -9 during load: PASS: %s\n' "$engine" "$verdict" >>"$NOTES"
		else
			printf -- '- %s, kill -9 during load: FAIL: %s\n' "$engine" "$(echo "$verdict" | tr '\n' ' ')" >>"$NOTES"
		fi
		log "$verdict"
	fi
	stop_server
	if [ "$engine" = postgres ]; then
		dropdb --force "$PG_DB"
		PG_DB=""
	fi
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for engine in $ENGINES; do
	bench_engine "$engine"
done

mkdir -p bench/results
OUT=bench/results/$(date -u +%Y%m%dT%H%M%SZ).md
{
	echo "## Tocsin ingest benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Machine: $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(go version | cut -d' ' -f3); load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo "Generator on the same machine: $CLIENTS clients, warm-up $WARMUP, measured $DURATION per run; commit $(git rev-parse --short HEAD)."
	echo
	echo "| run | mode | clients | rate | accepted/s | p50 | p90 | p99 | max | not accepted |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	cat "$ROWS"
	echo
	cat "$NOTES"
} | tee "$OUT"
log "saved in $OUT"
