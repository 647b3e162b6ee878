// Package engine pages people: it runs escalation steps when they fall due,
// sends the outbox, and checks heartbeats. Its state is in the database
// (DESIGN.md §6): a crash loses nothing, and on PostgreSQL one process leads.
package engine

import (
	"context"
	"log/slog"
	"sync"
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
	// OnChange is called after the engine wrote to alerts' timelines (live pages).
	OnChange func()
	// Heartbeats checks heartbeat monitors and opens or resolves their alerts; may be nil.
	Heartbeats func(ctx context.Context, now time.Time) (int, error)
}

// Engine is the paging loop of one process.
type Engine struct {
	opts   Options
	wake   chan struct{}
	leader leader
	// cycle runs one Cycle at a time in this process (tests call Cycle beside Run).
	cycle sync.Mutex
	// remindedAt is when schedules were last looked over for reminders and
	// gaps, under cycle. Losing it (a restart) costs one extra look.
	remindedAt time.Time
}

// New returns an engine; Run starts it.
func New(opts Options) *Engine {
	if opts.Tick <= 0 {
		opts.Tick = time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = 45 * time.Second
	}
	if opts.OnChange == nil {
		opts.OnChange = func() {}
	}
	return &Engine{opts: opts, wake: make(chan struct{}, 1), leader: newLeader(opts.DB, opts.Log)}
}

// Wake makes the engine run a cycle now: a write it must act on happened.
// It never blocks.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run cycles until ctx ends: at every wake and every tick, if this process
// leads, it escalates what is due and sends what is due.
func (e *Engine) Run(ctx context.Context) {
	defer e.leader.release()
	ticker := time.NewTicker(e.opts.Tick)
	defer ticker.Stop()
	for {
		if lead, err := e.leader.acquire(ctx); err != nil {
			e.opts.Log.Warn("engine: leadership check failed", "err", err)
		} else if lead {
			if err := e.Cycle(ctx); err != nil && ctx.Err() == nil {
				e.opts.Log.Error("engine cycle failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		case <-ticker.C:
		}
	}
}

// Cycle does everything due now, once: escalation steps, then messages, then
// heartbeats. It repeats a part while a full batch came back, so that a
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
	}
	if e.opts.Heartbeats != nil {
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
	if _, err := e.opts.DB.ReclaimExpired(ctx, now); err != nil {
		return err
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
