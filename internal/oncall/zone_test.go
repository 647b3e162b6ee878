package oncall_test

import (
	"testing"
	"time"

	"github.com/tocsin/tocsin/internal/oncall"
)

// Days start at midnight, or when the clocks jump where midnight does not
// exist (Santiago, 6 September 2026); each day starts after the one before.
func TestStartOfDay(t *testing.T) {
	santiago, _ := time.LoadLocation("America/Santiago")
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, c := range []struct {
		loc        *time.Location
		y, m, d    int
		want       string
		wantLength time.Duration // until the next day's start
	}{
		{paris, 2026, 3, 29, "2026-03-29T00:00:00+01:00", 23 * time.Hour},
		{paris, 2026, 10, 25, "2026-10-25T00:00:00+02:00", 25 * time.Hour},
		{santiago, 2026, 9, 6, "2026-09-06T01:00:00-03:00", 23 * time.Hour},
		{santiago, 2026, 9, 5, "2026-09-05T00:00:00-04:00", 24 * time.Hour},
	} {
		got := oncall.StartOfDay(c.y, time.Month(c.m), c.d, c.loc)
		if got.Format(time.RFC3339) != c.want {
			t.Errorf("%s %d-%d-%d starts at %s, want %s", c.loc, c.y, c.m, c.d, got.Format(time.RFC3339), c.want)
		}
		if next := oncall.StartOfDay(c.y, time.Month(c.m), c.d+1, c.loc); next.Sub(got) != c.wantLength {
			t.Errorf("%s %d-%d-%d lasts %s, want %s", c.loc, c.y, c.m, c.d, next.Sub(got), c.wantLength)
		}
	}
}

// A zone refused today but stored before ("Local") still loads: a schedule
// that no longer compiled would leave the engine unable to page anyone.
func TestZonesLoadWhatWasStoredBefore(t *testing.T) {
	if _, err := (oncall.Zones{}).Load("Local"); err != nil {
		t.Fatalf("a stored \"Local\" no longer loads: %v", err)
	}
	if _, err := (oncall.Zones{}).Load("Mars/Olympus"); err == nil {
		t.Fatal("an unknown zone loaded")
	}
}
