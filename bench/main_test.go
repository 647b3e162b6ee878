package bench

import (
	"os"
	"testing"

	"github.com/tocsin/tocsin/internal/app"
)

// TestMain runs the benchmarks with as many Go processors as `tocsin serve`
// gives itself (app.SetProcessors); GOMAXPROCS=N in the environment
// compares another number.
func TestMain(m *testing.M) {
	app.SetProcessors()
	os.Exit(m.Run())
}
