// Package bench holds Tocsin's benchmarks: in-process ingest benchmarks
// (go test -bench . ./bench/), the HTTP load generator (bench/loadgen), and
// bench/run.sh, which measures a real server on SQLite and PostgreSQL.
// They print figures; BENCHMARKS.md records the method and the results.
package bench
