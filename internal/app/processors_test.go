package app_test

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/tocsin/tocsin/internal/app"
)

// serve lets two goroutines per core run at once, unless the operator set
// GOMAXPROCS.
func TestSetProcessors(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(before) })

	t.Setenv("GOMAXPROCS", "")
	if n := app.SetProcessors(); n != 2*before || runtime.GOMAXPROCS(0) != n {
		t.Errorf("without GOMAXPROCS: %d processors (runtime %d), want %d", n, runtime.GOMAXPROCS(0), 2*before)
	}

	runtime.GOMAXPROCS(before)
	t.Setenv("GOMAXPROCS", strconv.Itoa(before))
	if n := app.SetProcessors(); n != before || runtime.GOMAXPROCS(0) != before {
		t.Errorf("with GOMAXPROCS=%d: %d processors (runtime %d), want it kept", before, n, runtime.GOMAXPROCS(0))
	}
}
