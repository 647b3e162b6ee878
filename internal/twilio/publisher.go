package twilio

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
	"github.com/tocsin/tocsin/internal/store"
)

// PublisherOptions say where the static documents go.
type PublisherOptions struct {
	DB       *store.DB
	Clock    tocsin.Clock
	Log      *slog.Logger
	Fallback string // E.164; empty: none
	Ring     int    // seconds each phone rings
	Dir      string // a folder to write to (synced to, or served by, a static host); empty: none
	URL      string // a base URL to PUT each document under (bucket, WebDAV); empty: none
	Client   *http.Client
	// PollGap is how often the schedules' change counter and the clock are
	// looked at (default 500ms): the documents change within that delay.
	PollGap time.Duration
}

const (
	// refreshEvery republishes what changed even when no schedule did: a
	// person's phone number, for example, has no change counter.
	refreshEvery = 5 * time.Minute
	// retryAfter is how long a failed publication waits before the next try.
	retryAfter = 30 * time.Second
	// resendEvery sends a document again even when it has not changed: the
	// host may have lost it (a lifecycle rule, a rebuilt server), and it is
	// the one that must be there when Tocsin is down.
	resendEvery = time.Hour
	// lookAhead is how far the next handoff is looked for.
	lookAhead = 24 * time.Hour
)

// Publisher keeps, for each schedule, a static TwiML copy of what the
// on-call number answers, on a host that does not depend on this instance:
// at start, whenever schedules change, and at each handoff.
type Publisher struct {
	opts PublisherOptions
	mu   sync.Mutex
	sent map[string]sentDoc // by document name: what the targets hold
}

// sentDoc is what was last published under a name, and when.
type sentDoc struct {
	sum [sha256.Size]byte
	at  time.Time
}

// NewPublisher returns a publisher; Enabled says whether it has a target.
func NewPublisher(opts PublisherOptions) *Publisher {
	if opts.Clock == nil {
		opts.Clock = tocsin.SystemClock{}
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 15 * time.Second}
	}
	if opts.PollGap <= 0 {
		opts.PollGap = 500 * time.Millisecond
	}
	opts.URL = strings.TrimRight(opts.URL, "/")
	return &Publisher{opts: opts, sent: map[string]sentDoc{}}
}

// Enabled reports whether there is somewhere to publish to.
func (p *Publisher) Enabled() bool { return p.opts.Dir != "" || p.opts.URL != "" }

// VoiceDocument and SMSDocument name a schedule's published documents: by id,
// which a rename does not change.
func VoiceDocument(scheduleID int64) string { return fmt.Sprintf("oncall-%d-voice.xml", scheduleID) }

// SMSDocument names a schedule's published SMS document.
func SMSDocument(scheduleID int64) string { return fmt.Sprintf("oncall-%d-sms.xml", scheduleID) }

// Run publishes until ctx ends: at once, then when the schedules' change
// counter moves, and when the app clock reaches the next handoff, the next
// refresh or the retry of a failed publication.
func (p *Publisher) Run(ctx context.Context) {
	if !p.Enabled() {
		return
	}
	ticker := time.NewTicker(p.opts.PollGap)
	defer ticker.Stop()
	seen := int64(-1)
	var due time.Time // zero: now
	for {
		now := p.opts.Clock.Now()
		v, err := p.opts.DB.Counter(ctx, store.CounterSchedules)
		if err != nil && ctx.Err() == nil {
			p.opts.Log.Warn("twiml publisher: read the schedules' counter", "err", err)
		}
		if (err == nil && v != seen) || !now.Before(due) {
			if err == nil {
				seen = v
			}
			next, err := p.Publish(ctx, now)
			if err != nil && ctx.Err() == nil {
				p.opts.Log.Error("twiml publisher: the fallback documents are not up to date", "err", err)
				if retry := now.Add(retryAfter); retry.Before(next) {
					next = retry
				}
			}
			due = next
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// Publish writes every schedule's documents as of now, sending only those
// that changed, and returns when they should be published again (the next
// handoff, or the next refresh). It goes on past a failed document and
// returns the first error.
func (p *Publisher) Publish(ctx context.Context, now time.Time) (time.Time, error) {
	next := now.Add(refreshEvery)
	schedules, err := p.opts.DB.Schedules(ctx, 0)
	if err != nil {
		return next, err
	}
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	for _, s := range schedules {
		c, err := oncall.Compile(s, nil)
		if err != nil {
			keep(fmt.Errorf("schedule %s: %w", s.Name, err))
			continue
		}
		if change, ok := nextChange(c, now); ok && change.Before(next) {
			next = change
		}
		who, err := whoToReach(ctx, p.opts.DB, s, now)
		if err != nil {
			keep(fmt.Errorf("schedule %s: %w", s.Name, err))
			continue
		}
		pr := promptsFor(s.Language)
		keep(p.put(ctx, now, VoiceDocument(s.ID), staticVoice(pr, who, p.opts.Fallback, p.opts.Ring).Render()))
		keep(p.put(ctx, now, SMSDocument(s.ID), staticSMS(pr, who, p.opts.Fallback).Render()))
	}
	return next, first
}

// nextChange is the first instant after now, within lookAhead, where any row
// of the schedule (a layer or the final one) changes hands: the static
// document lists the people of every layer.
func nextChange(c *oncall.Compiled, now time.Time) (time.Time, bool) {
	plan, err := c.Shifts(now, now.Add(lookAhead))
	if err != nil {
		return time.Time{}, false
	}
	var best time.Time
	consider := func(t time.Time) {
		if t.After(now) && t.Before(plan.To) && (best.IsZero() || t.Before(best)) {
			best = t
		}
	}
	for _, sh := range plan.Final {
		consider(sh.Start)
		consider(sh.End)
	}
	for _, g := range plan.Gaps {
		consider(g.Start)
		consider(g.End)
	}
	for _, l := range plan.Layers {
		for _, sh := range l.Shifts {
			consider(sh.Start)
			consider(sh.End)
		}
		for _, g := range l.Gaps {
			consider(g.Start)
			consider(g.End)
		}
	}
	return best, !best.IsZero()
}

// put sends one document to every target, unless they were sent the same
// one less than resendEvery ago.
func (p *Publisher) put(ctx context.Context, now time.Time, name string, doc []byte) error {
	sum := sha256.Sum256(doc)
	p.mu.Lock()
	last := p.sent[name]
	p.mu.Unlock()
	same := last.sum == sum && now.Sub(last.at) < resendEvery
	if same {
		return nil
	}
	var errs []error
	if p.opts.Dir != "" {
		errs = append(errs, writeFile(p.opts.Dir, name, doc))
	}
	if p.opts.URL != "" {
		errs = append(errs, p.upload(ctx, name, doc))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	p.mu.Lock()
	p.sent[name] = sentDoc{sum, now}
	p.mu.Unlock()
	p.opts.Log.Info("twiml publisher: published", "document", name)
	return nil
}

// writeFile replaces dir/name in one step: a static host syncing the folder
// never serves half a document.
func writeFile(dir, name string, doc []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("twiml publish folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return fmt.Errorf("twiml publish folder: %w", err)
	}
	_, err = tmp.Write(doc)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("twiml publish folder: write %s: %w", name, err)
	}
	return nil
}

// upload PUTs a document under the base URL. Credentials in the URL are sent
// as HTTP Basic authentication and never logged.
func (p *Publisher) upload(ctx context.Context, name string, doc []byte) error {
	target := p.opts.URL + "/" + name
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, target, bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("twiml publish URL: %w", err)
	}
	req.Header.Set("Content-Type", ContentType)
	res, err := p.opts.Client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its message holds the URL, maybe with a password
		}
		return fmt.Errorf("twiml publish URL: PUT %s: %w", redacted(target), err)
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("twiml publish URL: PUT %s: %s", redacted(target), res.Status)
	}
	return nil
}

// redacted is a URL without its password.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unreadable URL)"
	}
	return u.Redacted()
}
