package engine_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/tocsin/tocsin/internal/engine"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// TestWakeReachesTheLeader: on PostgreSQL an alert taken by a process that
// does not lead wakes the leader at once, not at its next tick. The leader's
// ticker is an hour here, so only the wake-up can make it cycle again. The
// heartbeat check, made at most once per 900 ms of the clock, shows each cycle.
func TestWakeReachesTheLeader(t *testing.T) {
	url := testkit.DatabaseURL(t, "postgres")
	open := func() *store.DB {
		db, err := store.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := testkit.NewClock(testkit.Epoch)
	cycles := make(chan string, 16)
	start := func(name string) *engine.Engine {
		e := engine.New(engine.Options{DB: open(), Clock: clock, Log: log, Tick: time.Hour,
			Heartbeats: func(context.Context, time.Time) (int, error) { cycles <- name; return 0, nil }})
		ctx, cancel := context.WithCancel(context.Background())
		var done sync.WaitGroup
		done.Go(func() { e.Run(ctx) })
		t.Cleanup(func() { cancel(); done.Wait() })
		return e
	}
	next := func() string {
		select {
		case name := <-cycles:
			return name
		case <-time.After(10 * time.Second):
			t.Fatal("no engine cycled within 10 s")
			return ""
		}
	}
	start("leader")
	if got := next(); got != "leader" {
		t.Fatalf("first cycle by %s, want the leader", got)
	}
	follower := start("follower")
	// The follower never leads while the leader lives: its first loop
	// cycles nothing. Each of its wake-ups must make the leader cycle (a
	// second later, when heartbeats are looked at again).
	for range 3 {
		clock.Advance(time.Second)
		follower.Wake()
		if got := next(); got != "leader" {
			t.Fatalf("a wake-up made the %s cycle, want the leader", got)
		}
	}
}
