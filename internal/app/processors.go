package app

import (
	"os"
	"runtime"
)

// processorsPerCore is how many goroutines may run at once per core Go found.
// At one per core (Go's default), a storm's CPU-bound work (SQLite runs in Go,
// JSON, the engine's batches) holds every processor for milliseconds at a
// time, and a status page or API request that arrives meanwhile waits for one
// (up to Go's 10 ms preemption): during a storm the page's p99 rose four to
// eight times. With two per core the request's goroutine finds a processor at
// once and the kernel, which favours a thread that has just woken, runs it
// between the storm's slices, for about a tenth more CPU (BENCHMARKS.md,
// "Go processors").
const processorsPerCore = 2

// SetProcessors lets processorsPerCore goroutines per core run at once,
// unless GOMAXPROCS is set (an operator's choice wins). Go's default follows
// a container's CPU limit, and so does this, from the value found at start.
// It returns the number in effect.
func SetProcessors() int {
	if os.Getenv("GOMAXPROCS") != "" {
		return runtime.GOMAXPROCS(0)
	}
	n := processorsPerCore * runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(n)
	return n
}
