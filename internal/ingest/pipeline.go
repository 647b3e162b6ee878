// Package ingest turns what monitoring tools send into stored alerts. Each wire
// format has its own file that decodes a request into []tocsin.AlertEvent and
// answers in that format's shape; the Pipeline validates, applies processing
// rules, and commits events from many concurrent requests in shared transactions,
// so that a durable commit costs one sync for many alerts.
package ingest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// maxBatch bounds how many events share one transaction: enough to amortise the
// sync, small enough that no request waits long behind others.
const maxBatch = 2000

// On PostgreSQL, a committer that committed a moment ago (a storm is on)
// gathers events for up to gatherFor before it commits, or until none has
// come for gatherIdle: a storm of 1,000 events a second then costs about a
// hundred transactions, not a thousand, and each costs PostgreSQL round
// trips and a server process woken for every statement. A lone event is
// committed at once. SQLite commits in-process and needs no gathering.
const (
	gatherWhenBusy = 10 * time.Millisecond
	gatherFor      = 5 * time.Millisecond
	gatherIdle     = 2 * time.Millisecond
)

// pending is one request's events waiting for the committer.
type pending struct {
	items   []store.IngestItem
	results []tocsin.EventResult
	err     error
	done    chan struct{}
}

// Pipeline is the way in for every alert event, whatever its format.
type Pipeline struct {
	db      *store.DB
	clock   tocsin.Clock
	log     *slog.Logger
	metrics *Metrics
	queue   chan *pending
	gather  bool // whether a busy committer gathers events (PostgreSQL)
	limiter *rateLimiter
	changed func() // called after each commit (live pages refresh)
	wake    func() // called after a commit the engine must act on

	mu           sync.Mutex
	rulesVersion int64
	rules        map[int64]*tocsin.CompiledRules // by integration id
	keysVersion  int64
	keys         map[string]*tocsin.Integration // by SHA-256 of the key
	prunedAt     time.Time                      // when old request outcomes were last deleted
}

// Outcomes of Opsgenie requests are kept this long for GET /v2/alerts/requests/{id}.
const (
	requestRetention = 7 * 24 * time.Hour
	pruneEvery       = time.Hour
)

// Options configures a Pipeline.
type Options struct {
	RateLimit float64 // requests per second per integration key; 0 disables
	Burst     int     // requests a key may send at once above the rate
	OnCommit  func()  // called after each commit: live pages refresh
	// Wake is called after a commit that opened, changed or closed an alert:
	// the engine has work. Not after one that only counted repeats of open
	// alerts, which change nothing the engine acts on: in a storm of repeats
	// the engine would otherwise run a cycle for every commit.
	Wake func()
}

// NewPipeline makes a pipeline; Run must be running for Submit to return.
func NewPipeline(db *store.DB, clock tocsin.Clock, log *slog.Logger, metrics *Metrics, opts Options) *Pipeline {
	if opts.OnCommit == nil {
		opts.OnCommit = func() {}
	}
	if opts.Wake == nil {
		opts.Wake = func() {}
	}
	return &Pipeline{
		db: db, clock: clock, log: log, metrics: metrics,
		queue:   make(chan *pending, 4096),
		gather:  db.Dialect() == store.Postgres,
		limiter: newRateLimiter(opts.RateLimit, opts.Burst),
		changed: opts.OnCommit,
		wake:    opts.Wake,
		rules:   map[int64]*tocsin.CompiledRules{},
		keys:    map[string]*tocsin.Integration{},
	}
}

// Run commits queued events until ctx ends. One committer makes the largest
// batches; multi-row statements keep a batch's round trips few on
// PostgreSQL, and SQLite has one writer anyway.
func (p *Pipeline) Run(ctx context.Context) {
	var committed time.Time
	for {
		var first *pending
		select {
		case <-ctx.Done():
			return
		case first = <-p.queue:
		}
		group := []*pending{first}
		n := len(first.items)
		var until <-chan time.Time
		if p.gather && time.Since(committed) < gatherWhenBusy {
			until = time.After(gatherFor)
		}
	drain:
		for n < maxBatch {
			var next *pending
			select {
			case next = <-p.queue:
			default:
				if until == nil {
					break drain
				}
				idle := time.NewTimer(gatherIdle)
				select {
				case next = <-p.queue:
				case <-idle.C:
				case <-until:
				case <-ctx.Done():
				}
				idle.Stop()
				if next == nil {
					break drain
				}
			}
			group = append(group, next)
			n += len(next.items)
		}
		p.commit(ctx, group)
		committed = time.Now()
	}
}

func (p *Pipeline) commit(ctx context.Context, group []*pending) {
	p.pruneRequests(ctx)
	var items []store.IngestItem
	for _, pd := range group {
		items = append(items, pd.items...)
	}
	results, err := p.applyWithRetry(ctx, items)
	if err != nil && len(group) > 1 {
		// Keep one request's failure from failing the others: commit each alone.
		for _, pd := range group {
			pd.results, pd.err = p.applyWithRetry(ctx, pd.items)
			close(pd.done)
		}
		p.signal(true)
		return
	}
	work := engineWork(results)
	for _, pd := range group {
		if err != nil {
			pd.err = err
		} else {
			pd.results, results = results[:len(pd.items)], results[len(pd.items):]
		}
		close(pd.done)
	}
	p.metrics.BatchSize.Observe(float64(len(items)))
	if err == nil {
		p.signal(work)
	}
}

// signal tells the engine when it has work, then live pages that alerts changed.
func (p *Pipeline) signal(engine bool) {
	if engine {
		p.wake()
	}
	p.changed()
}

// engineWork is whether a batch's results hold anything the engine acts on:
// an alert opened, or one changed (acknowledged, resolved, raised). Repeats
// only count, and dropped events wrote nothing.
func engineWork(results []tocsin.EventResult) bool {
	for _, r := range results {
		if r.Outcome != tocsin.OutcomeRepeated && r.Outcome != tocsin.OutcomeDropped {
			return true
		}
	}
	return false
}

// pruneRequests deletes old request outcomes, at most once every pruneEvery.
func (p *Pipeline) pruneRequests(ctx context.Context) {
	now := p.clock.Now()
	p.mu.Lock()
	due := now.Sub(p.prunedAt) >= pruneEvery
	if due {
		p.prunedAt = now
	}
	p.mu.Unlock()
	if !due {
		return
	}
	if _, err := p.db.PruneIngestRequests(ctx, now.Add(-requestRetention)); err != nil {
		p.log.Warn("prune request outcomes", "err", err)
	}
}

func (p *Pipeline) applyWithRetry(ctx context.Context, items []store.IngestItem) ([]tocsin.EventResult, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var results []tocsin.EventResult
		results, err = p.db.ApplyEvents(ctx, items, p.clock.Now())
		if err == nil {
			return results, nil
		}
		if tocsin.ErrorCode(err) != tocsin.ECONFLICT {
			break
		}
	}
	p.log.Error("commit alerts", "err", err, "events", len(items))
	return nil, err
}

// Authenticate returns the live integration a key belongs to. Keys are cached
// (by hash: no secret is kept in memory longer than a request) and the cache is
// dropped whenever any process changes an integration.
func (p *Pipeline) Authenticate(ctx context.Context, key string) (*tocsin.Integration, error) {
	if key == "" {
		return nil, tocsin.Errorf(tocsin.EUNAUTHORIZED, "integration key missing")
	}
	if len(key) > 256 {
		return nil, tocsin.Errorf(tocsin.EUNAUTHORIZED, "integration key unknown or revoked")
	}
	sum := sha256.Sum256([]byte(key))
	hash := string(sum[:])
	version, err := p.db.Counter(ctx, store.CounterIntegrations)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	if version != p.keysVersion {
		p.keys, p.keysVersion = map[string]*tocsin.Integration{}, version
	}
	integ, ok := p.keys[hash]
	p.mu.Unlock()
	if ok {
		return integ, nil
	}
	integ, err = p.db.IntegrationByKey(ctx, key)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	// Only into the cache of the version it was read under: a key revoked while
	// we looked it up must not live on in a newer cache.
	if p.keysVersion == version {
		if len(p.keys) > 10000 {
			p.keys = map[string]*tocsin.Integration{}
		}
		p.keys[hash] = integ
	}
	p.mu.Unlock()
	return integ, nil
}

// Allow applies the per-key rate limit; when it says no, retryAfter says when to come back.
func (p *Pipeline) Allow(integ *tocsin.Integration) (ok bool, retryAfter time.Duration) {
	return p.limiter.allow(integ.ID, p.clock.Now())
}

func (p *Pipeline) compiledRules(ctx context.Context, integrationID int64) (*tocsin.CompiledRules, error) {
	version, err := p.db.Counter(ctx, store.CounterRules)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	if version != p.rulesVersion {
		p.rules, p.rulesVersion = map[int64]*tocsin.CompiledRules{}, version
	}
	compiled, ok := p.rules[integrationID]
	p.mu.Unlock()
	if ok {
		return compiled, nil
	}
	rules, err := p.db.RulesFor(ctx, integrationID)
	if err != nil {
		return nil, err
	}
	compiled = tocsin.CompileRules(rules)
	p.mu.Lock()
	if p.rulesVersion == version {
		p.rules[integrationID] = compiled
	}
	p.mu.Unlock()
	return compiled, nil
}

// Submit validates a request's events, runs the processing rules on triggers, and
// returns once they are committed, with one result per event. Invalid input is
// refused whole (EINVALID) and nothing is written.
func (p *Pipeline) Submit(ctx context.Context, integ *tocsin.Integration, events []tocsin.AlertEvent) ([]tocsin.EventResult, error) {
	if len(events) == 0 {
		return nil, nil
	}
	now := p.clock.Now()
	items := make([]store.IngestItem, 0, len(events))
	var rules *tocsin.CompiledRules
	for i := range events {
		e := events[i]
		e.Normalize()
		if err := e.Validate(); err != nil {
			if len(events) > 1 {
				return nil, tocsin.Errorf(tocsin.EINVALID, "event %d: %s", i+1, tocsin.ErrorMessage(err))
			}
			return nil, err
		}
		item := store.IngestItem{Integration: integ, Event: e}
		if e.Action == tocsin.ActionTrigger {
			tocsin.ApplyNamingConvention(&item.Event)
			if rules == nil {
				var err error
				if rules, err = p.compiledRules(ctx, integ.ID); err != nil {
					return nil, fmt.Errorf("load rules: %w", err)
				}
			}
			out := rules.Apply(&item.Event, now)
			item.RulesApplied, item.Suppress, item.RouteTo, item.Drop = out.Applied, out.Suppress, out.RouteTo, out.Drop
			if item.RouteTo == "" && integ.Global() {
				item.RouteTo = conventionalService(item.Event.Labels)
			}
		}
		items = append(items, item)
	}
	pd := &pending{items: items, done: make(chan struct{})}
	select {
	case p.queue <- pd:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once queued the events will be committed: wait for the outcome even if the
	// client has gone, so that what we answer is what happened.
	<-pd.done
	return pd.results, pd.err
}

// conventionalService routes an alert from a global integration that no rule
// routed: a "service" label naming a service, else the "app" label of the naming
// convention. A name that matches no service leaves the alert unrouted.
func conventionalService(labels map[string]string) string {
	if s := labels["service"]; s != "" {
		return s
	}
	return labels["app"]
}

// RecordChange stores a change event (a deploy) for the integration's service.
func (p *Pipeline) RecordChange(ctx context.Context, integ *tocsin.Integration, c *tocsin.ChangeEvent) error {
	c.IntegrationID, c.ServiceID = integ.ID, integ.ServiceID
	return p.db.CreateChangeEvent(ctx, c, p.clock.Now())
}

// IngestRequest returns the outcome of an earlier Opsgenie request made with this integration's key.
func (p *Pipeline) IngestRequest(ctx context.Context, integ *tocsin.Integration, id string) (*tocsin.IngestRequest, error) {
	return p.db.IngestRequest(ctx, integ.ID, id)
}
