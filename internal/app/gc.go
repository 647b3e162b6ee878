package app

import (
	"os"
	"runtime/debug"
)

// gcPercent is how far the heap may grow beyond what the last collection
// kept before Go collects again (GOGC; Go's default is 100). Tocsin keeps
// little alive (15–30 MB) but allocates fast during a storm (about 100 MB/s
// on SQLite at 1,000 alerts/s): at 100 it collected seven times a second,
// each time stopping every goroutine for up to 3.5 ms on a busy two-core
// machine and taking a processor to mark, and the status page's p99 felt
// it, idle as during storms. At 400 it collects four to five times less
// often, for a heap some tens of MB larger (BENCHMARKS.md, "Garbage
// collection").
const gcPercent = 400

// SetGC makes Go collect garbage at gcPercent, unless GOGC is set (an
// operator's choice wins; GOMEMLIMIT, if set, still bounds the heap). It
// returns the percentage in effect (-1: collection off).
func SetGC() int {
	if os.Getenv("GOGC") != "" {
		current := debug.SetGCPercent(100)
		debug.SetGCPercent(current)
		return current
	}
	debug.SetGCPercent(gcPercent)
	return gcPercent
}
