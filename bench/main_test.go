package bench

import (
	"os"
	"testing"

	"github.com/tocsin/tocsin/internal/app"
)

// TestMain runs the benchmarks with as many Go processors and the garbage
// collection `tocsin serve` gives itself (app.SetProcessors, app.SetGC);
// GOMAXPROCS=N or GOGC=N in the environment compares another setting.
// With pageLoadEnv set, the binary is a page load generator instead
// (pageLoadProcess).
func TestMain(m *testing.M) {
	app.SetProcessors()
	app.SetGC()
	if spec := os.Getenv(pageLoadEnv); spec != "" {
		os.Exit(generatePageLoad(spec))
	}
	os.Exit(m.Run())
}
