package app_test

import (
	"runtime/debug"
	"testing"

	"github.com/tocsin/tocsin/internal/app"
)

// Tocsin collects garbage less often than Go's default, unless the
// operator set GOGC.
func TestSetGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	t.Setenv("GOGC", "")
	if n := app.SetGC(); n != 400 || debug.SetGCPercent(100) != 400 {
		t.Errorf("without GOGC: SetGC said %d, want 400 in effect", n)
	}

	// GOGC is read by Go at start; SetGC leaves what it set.
	debug.SetGCPercent(150)
	t.Setenv("GOGC", "150")
	if n := app.SetGC(); n != 150 || debug.SetGCPercent(100) != 150 {
		t.Errorf("with GOGC=150: SetGC said %d, want 150 kept", n)
	}
}
