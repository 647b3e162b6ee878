// Package engine pages people: it runs escalation steps when they fall due,
// sends the outbox, and checks heartbeats. Its state is in the database
// (DESIGN.md §6): a crash loses nothing, and on PostgreSQL one process leads.
package engine

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/store"
)

// Options configure the engine.
type Options struct {
	DB        *store.DB
	Clock     tocsin.Clock
	Log       *slog.Logger
	Senders   notify.Registry
	PublicURL string
	Links     notify.LinkSigner
	// Tick is how often the engine looks for due work without being woken; default 1 s.
	Tick time.Duration
	// Lease is how long a claimed message is reserved for its sender; default
	// 45 s. A process that dies mid-send leaves its messages this long.
	Lease time.Duration
	// Gather is the least time between the starts of two cycles when
	// wake-ups come faster; default 10 ms. During a storm each cycle then
	// takes the alerts that came meanwhile together (one commit, one claim,
	// one throttle check per person) instead of paying a cycle for each; a
	// lone alert, after a quiet moment, is not held back.
	Gather time.Duration
	// OnChange is called after the engine wrote to alerts' timelines (live pages).
	OnChange func()
	// Heartbeats checks heartbeat monitors and opens or resolves their alerts; may be nil.
	Heartbeats func(ctx context.Context, now time.Time) (int, error)
	// StatusURL is the public status page's address, for the links in
	// subscribers' messages; empty: PublicURL + "/status".
	StatusURL string
	// StatusChanged is called after the engine changed the public status
	// page by itself (a maintenance moved, a component took the status its
	// alerts propose): the page renders again. May be nil.
	StatusChanged func()
}

// heartbeatsEvery is how often a cycle looks at heartbeats: a little under
// the default tick, whose cycles start a few milliseconds early or late,
// so that every tick's cycle looks.
const heartbeatsEvery = 900 * time.Millisecond

// Engine is the paging loop of one process.
type Engine struct {
	opts   Options
	wake   chan struct{}
	leader leader
	// leading is whether this process led at its last check; a process that
	// does not lead relays its wake-ups to the leader (PostgreSQL).
	leading atomic.Bool
	relay   chan struct{}
	// cycle runs one Cycle at a time in this process (tests call Cycle beside Run).
	cycle sync.Mutex
	// remindedAt is when schedules were last looked over for reminders and
	// gaps, under cycle. Losing it (a restart) costs one extra look.
	remindedAt time.Time
	// statusAt is when maintenances and component proposals were last
	// looked at, under cycle.
	statusAt time.Time
	// reclaimedAt is when messages whose sender stopped were last looked
	// for, under cycle: their lease is 45 s, a look a second is enough.
	reclaimedAt time.Time
	// heartbeatsAt is when heartbeats were last looked at, under cycle.
	heartbeatsAt time.Time
}

// New returns an engine; Run starts it.
func New(opts Options) *Engine {
	if opts.Tick <= 0 {
		opts.Tick = time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = 45 * time.Second
	}
	if opts.Gather <= 0 {
		opts.Gather = 10 * time.Millisecond
	}
	if opts.OnChange == nil {
		opts.OnChange = func() {}
	}
	if opts.StatusChanged == nil {
		opts.StatusChanged = func() {}
	}
	return &Engine{opts: opts, wake: make(chan struct{}, 1), relay: make(chan struct{}, 1), leader: newLeader(opts.DB, opts.Log)}
}

// Wake makes the engine run a cycle now: a write it must act on happened.
// When another process leads, it is told too. It never blocks.
func (e *Engine) Wake() {
	e.wakeHere()
	if e.opts.DB.Dialect() == store.Postgres && !e.leading.Load() {
		select {
		case e.relay <- struct{}{}:
		default:
		}
	}
}

// wakeHere wakes this process's loop only.
func (e *Engine) wakeHere() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// relayWakes tells the leading process about this one's wake-ups, one NOTIFY
// at a time: wake-ups that come meanwhile are folded into the next.
func (e *Engine) relayWakes(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.relay:
			if err := e.opts.DB.WakeEngine(ctx); err != nil && ctx.Err() == nil {
				e.opts.Log.Warn("engine: could not wake the leader", "err", err)
			}
		}
	}
}

// listenWakes wakes this loop whenever another process asks (PostgreSQL),
// listening again after a lost connection.
func (e *Engine) listenWakes(ctx context.Context) {
	for ctx.Err() == nil {
		err := e.opts.DB.ListenEngine(ctx, e.wakeHere)
		if ctx.Err() != nil {
			return
		}
		e.opts.Log.Warn("engine: listening for wake-ups failed; the ticker still runs", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(e.opts.Tick):
		}
	}
}

// Run cycles until ctx ends: at every wake and every tick, if this process
// leads, it escalates what is due and sends what is due.
func (e *Engine) Run(ctx context.Context) {
	defer e.leader.release()
	ticker := time.NewTicker(e.opts.Tick)
	defer ticker.Stop()
	if e.opts.DB.Dialect() == store.Postgres {
		var background sync.WaitGroup
		defer background.Wait()
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		background.Go(func() { e.relayWakes(ctx) })
		background.Go(func() { e.listenWakes(ctx) })
	}
	var started time.Time
	for {
		lead, err := e.leader.acquire(ctx)
		e.leading.Store(lead)
		if err != nil {
			e.opts.Log.Warn("engine: leadership check failed", "err", err)
		} else if lead {
			started = time.Now()
			if err := e.Cycle(ctx); err != nil && ctx.Err() == nil {
				e.opts.Log.Error("engine cycle failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
			// Woken again soon after the last cycle began: a burst is on,
			// let more of it arrive first.
			if wait := time.Until(started.Add(e.opts.Gather)); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
		case <-ticker.C:
		}
	}
}

// Cycle does everything due now, once: escalation steps, heartbeats,
// reminders, the status page's maintenances, then messages. It repeats a part while a full batch came back, so that a
// burst is drained in one wake.
func (e *Engine) Cycle(ctx context.Context) error {
	e.cycle.Lock()
	defer e.cycle.Unlock()
	now := e.opts.Clock.Now()
	changed := false
	for {
		n, err := e.escalate(ctx, now)
		if err != nil {
			return err
		}
		changed = changed || n > 0
		if n < escalateBatch {
			break
		}
		// More to escalate: what this batch queued leaves first, so that in
		// a storm the first pages go out while later alerts are escalated.
		sent, err := e.send(ctx, now)
		if err != nil {
			return err
		}
		changed = changed || sent > 0
	}
	// Heartbeats fall due with time, not with writes: one look per tick,
	// not one per wake-up of a storm.
	if e.opts.Heartbeats != nil && (now.Sub(e.heartbeatsAt) >= heartbeatsEvery || now.Before(e.heartbeatsAt)) {
		e.heartbeatsAt = now
		n, err := e.opts.Heartbeats(ctx, now)
		if err != nil {
			return err
		}
		if n > 0 {
			changed = true
			// A heartbeat's alert escalates in this same cycle.
			if _, err := e.escalate(ctx, now); err != nil {
				return err
			}
		}
	}
	if now.Sub(e.remindedAt) >= remindEvery || now.Before(e.remindedAt) {
		e.remindedAt = now
		if err := e.remind(ctx, now); err != nil {
			return err
		}
	}
	// Before sending: a maintenance's reminder or start goes in this cycle.
	if now.Sub(e.statusAt) >= statusEvery || now.Before(e.statusAt) {
		if e.advanceStatus(ctx, now) {
			e.statusAt = now
		}
	}
	if now.Sub(e.reclaimedAt) >= time.Second || now.Before(e.reclaimedAt) {
		if _, err := e.opts.DB.ReclaimExpired(ctx, now); err != nil {
			return err
		}
		e.reclaimedAt = now
	}
	for {
		n, err := e.send(ctx, now)
		if err != nil {
			return err
		}
		changed = changed || n > 0
		if n < sendBatch {
			break
		}
	}
	if changed {
		e.opts.OnChange()
	}
	return nil
}
