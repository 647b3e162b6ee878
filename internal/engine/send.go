package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/store"
)

const (
	// sendBatch is how many due messages one pass claims.
	sendBatch = 100
	// maxAttempts is when a message that keeps failing is given up: retries back
	// off from 5 s to 10 min, so about an hour and a half.
	maxAttempts = 14
	// sendTimeout bounds one provider call.
	sendTimeout = 20 * time.Second
)

// throttle is the least time between two pages to one destination; pages
// that arrive meanwhile wait and leave together, as one message. A phone
// rings once for a storm, not once per alert.
func throttle(typ tocsin.ContactType) time.Duration {
	switch typ {
	case tocsin.ContactVoice:
		return 2 * time.Minute
	case tocsin.ContactSMS:
		return time.Minute
	}
	return 30 * time.Second
}

// backoff is the wait before retry n (from 1).
func backoff(n int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < n && d < 10*time.Minute; i++ {
		d *= 2
	}
	return min(d, 10*time.Minute)
}

// sendWorkers is how many provider calls run at once.
const sendWorkers = notify.SendsAtOnce

// delivery is one message to send: a row, or a bundle of pages (head first).
type delivery struct {
	rows       []*store.Outgoing
	msg        notify.Message
	err        error // from composing, then from the provider
	providerID string
	// waitFor: an earlier message to the same subscriber failed in this
	// pass, so this one is not sent before it (held until its retry).
	waitFor *delivery
	retryAt time.Time // when this one, having failed, is tried again
}

// send claims due messages, sends them and records what happened; it reports
// how many rows it claimed.
func (e *Engine) send(ctx context.Context, now time.Time) (int, error) {
	db := e.opts.DB
	claim, rows, err := db.ClaimDue(ctx, now, e.opts.Lease, sendBatch)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	claimed := len(rows)
	m := &composer{e: e, alerts: map[int64]*tocsin.Alert{}, services: map[int64]string{}}
	if err := m.loadAlerts(ctx, rows); err != nil {
		return claimed, err
	}
	var outcomes []store.Outcome
	var deliveries []*delivery
	// Pages group by destination, in claim order, for throttling and bundling.
	type destination struct {
		typ  tocsin.ContactType
		to   string
		rows []*store.Outgoing
	}
	var order []*destination
	groups := map[string]*destination{}
	// A subscriber's messages go one at a time, oldest first: "Resolved"
	// must not overtake "Identified".
	var subscribers []*destination
	bySubscriber := map[string]*destination{}
	for _, o := range rows {
		alert, err := m.alert(ctx, o.AlertID)
		if err != nil {
			return claimed, err
		}
		if (o.Kind == tocsin.NotifyPage || o.Kind == tocsin.NotifyChat) && (alert == nil || alert.Status != tocsin.StatusTriggered) {
			outcomes = append(outcomes, store.Outcome{ID: o.ID, Status: tocsin.NotificationCancelled, Error: "not needed: the alert is no longer triggered"})
			continue
		}
		if o.Kind == tocsin.NotifySubscriber {
			k := string(o.Type) + "\x00" + o.Destination
			g := bySubscriber[k]
			if g == nil {
				g = &destination{typ: o.Type, to: o.Destination}
				bySubscriber[k] = g
				subscribers = append(subscribers, g)
			}
			g.rows = append(g.rows, o)
			continue
		}
		if o.Kind != tocsin.NotifyPage {
			deliveries = append(deliveries, &delivery{rows: []*store.Outgoing{o}})
			continue
		}
		k := string(o.Type) + "\x00" + o.Destination
		g := groups[k]
		if g == nil {
			g = &destination{typ: o.Type, to: o.Destination}
			groups[k] = g
			order = append(order, g)
		}
		g.rows = append(g.rows, o)
	}
	inBatch := make(map[int64]bool, len(rows))
	for _, o := range rows {
		inBatch[o.ID] = true
	}
	for _, g := range order {
		last, err := db.LastPageSent(ctx, g.typ, g.to)
		if err != nil {
			return claimed, err
		}
		if open := last.Add(throttle(g.typ)); !last.IsZero() && now.Before(open) {
			for _, o := range g.rows {
				outcomes = append(outcomes, store.Outcome{ID: o.ID, Status: tocsin.NotificationPending, Postpone: true, NextAt: open})
			}
			continue
		}
		if len(g.rows) == 1 {
			deliveries = append(deliveries, &delivery{rows: g.rows})
			continue
		}
		// Several at once: take every due page for this destination, even
		// beyond this batch, and send one message for all.
		more, err := db.ClaimDestination(ctx, claim, g.typ, g.to, now, e.opts.Lease)
		if err != nil {
			return claimed, err
		}
		members := g.rows
		for _, o := range more {
			if inBatch[o.ID] {
				continue // in g.rows, or already cancelled above
			}
			alert, err := m.alert(ctx, o.AlertID)
			if err != nil {
				return claimed, err
			}
			if alert == nil || alert.Status != tocsin.StatusTriggered {
				outcomes = append(outcomes, store.Outcome{ID: o.ID, Status: tocsin.NotificationCancelled, Error: "not needed: the alert is no longer triggered"})
				continue
			}
			members = append(members, o)
		}
		deliveries = append(deliveries, &delivery{rows: members})
	}
	// Each delivery is a lane of its own but a subscriber's, whose messages
	// share one lane in the order they were queued.
	lanes := make([][]*delivery, 0, len(deliveries)+len(subscribers))
	for _, d := range deliveries {
		lanes = append(lanes, []*delivery{d})
	}
	for _, g := range subscribers {
		slices.SortFunc(g.rows, func(a, b *store.Outgoing) int { return cmp.Compare(a.ID, b.ID) })
		// One queued earlier and still unsent (retrying, or held by
		// another sender) goes first: these wait until it is tried again.
		at, waiting, err := db.EarlierUnsent(ctx, tocsin.NotifySubscriber, g.typ, g.to, g.rows[0].ID)
		if err != nil {
			return claimed, err
		}
		if waiting {
			if soonest := now.Add(time.Second); at.Before(soonest) {
				at = soonest // not again in this cycle
			}
			for _, o := range g.rows {
				outcomes = append(outcomes, store.Outcome{ID: o.ID, Status: tocsin.NotificationPending, Postpone: true, NextAt: at})
			}
			continue
		}
		lane := make([]*delivery, len(g.rows))
		for k, o := range g.rows {
			lane[k] = &delivery{rows: []*store.Outgoing{o}}
		}
		lanes = append(lanes, lane)
	}
	for _, lane := range lanes {
		for _, d := range lane {
			var bundle []*store.Outgoing
			if len(d.rows) > 1 {
				bundle = d.rows
			}
			d.msg, d.err = m.message(ctx, d.rows[0], bundle)
		}
	}
	e.transmit(ctx, lanes)
	for _, lane := range lanes {
		for _, d := range lane {
			if d.waitFor != nil {
				// After an earlier message failed for good, the next pass sends it.
				at := d.waitFor.retryAt
				if at.IsZero() {
					at = now
				}
				for _, o := range d.rows {
					outcomes = append(outcomes, store.Outcome{ID: o.ID, Status: tocsin.NotificationPending, Postpone: true, NextAt: at})
				}
				continue
			}
			out := e.outcomes(ctx, m, d, now)
			if len(out) > 0 && out[0].Status == tocsin.NotificationPending {
				d.retryAt = out[0].NextAt
			}
			outcomes = append(outcomes, out...)
		}
	}
	return claimed, db.Record(ctx, claim, outcomes, now)
}

// transmit hands the composed messages to their providers, several lanes
// at once, each lane's one after the other. When one in a lane fails, the
// rest of the lane wait for it (waitFor) rather than overtake it.
func (e *Engine) transmit(ctx context.Context, lanes [][]*delivery) {
	var wg sync.WaitGroup
	slots := make(chan struct{}, sendWorkers)
	for _, lane := range lanes {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			for k, d := range lane {
				if d.err == nil {
					sendCtx, cancel := context.WithTimeout(ctx, sendTimeout)
					d.providerID, d.err = e.opts.Senders.Send(sendCtx, d.rows[0].Type, d.msg)
					cancel()
				}
				var pointless *notNeeded
				if d.err != nil && !errors.As(d.err, &pointless) {
					for _, rest := range lane[k+1:] {
						rest.waitFor = d
					}
					return
				}
			}
		}()
	}
	wg.Wait()
}

// outcomes says what became of each row of a delivery.
func (e *Engine) outcomes(ctx context.Context, m *composer, d *delivery, now time.Time) []store.Outcome {
	head := d.rows[0]
	var pointless *notNeeded
	if errors.As(d.err, &pointless) {
		out := make([]store.Outcome, len(d.rows))
		for k, o := range d.rows {
			out[k] = store.Outcome{ID: o.ID, Status: tocsin.NotificationCancelled, Error: pointless.Error()}
		}
		return out
	}
	if d.err != nil {
		first := e.failed(ctx, head, d.err, now)
		out := []store.Outcome{first}
		for _, o := range d.rows[1:] {
			if first.Status == tocsin.NotificationPending {
				// The whole bundle is retried together.
				out = append(out, store.Outcome{ID: o.ID, Status: tocsin.NotificationPending, Postpone: true, NextAt: first.NextAt})
			} else {
				out = append(out, e.failed(ctx, o, d.err, now))
			}
		}
		return out
	}
	first := store.Outcome{ID: head.ID, Status: tocsin.NotificationSent, ProviderID: d.providerID}
	if head.Type == tocsin.ContactSlack && (head.Kind == tocsin.NotifyPage || head.Kind == tocsin.NotifyChat) {
		first.Rewritable = head.AlertID
	}
	if head.AlertID != 0 && head.Kind != tocsin.NotifyStatus {
		first.Timeline = []store.TimelineLine{{AlertID: head.AlertID, Kind: tocsin.TimelineNotified, Actor: "Tocsin", Channel: tocsin.ChannelEngine,
			Message: fmt.Sprintf("%s sent (%s)", m.describe(head), orDash(d.providerID))}}
	}
	out := []store.Outcome{first}
	for _, o := range d.rows[1:] {
		out = append(out, store.Outcome{ID: o.ID, Status: tocsin.NotificationBundled, ProviderID: d.providerID, BundleID: head.ID,
			Timeline: []store.TimelineLine{{AlertID: o.AlertID, Kind: tocsin.TimelineNotified, Actor: "Tocsin", Channel: tocsin.ChannelEngine,
				Message: fmt.Sprintf("%s sent, in one message with %d other alerts (%s)", m.describe(o), len(d.rows)-1, orDash(d.providerID))}}})
	}
	return out
}

// failed decides between a retry and giving up, and on giving up on a page,
// falls through to the person's next method.
func (e *Engine) failed(ctx context.Context, o *store.Outgoing, err error, now time.Time) store.Outcome {
	attempt := o.Attempts + 1
	text := err.Error()
	if len(text) > 500 {
		text = text[:500] + "…"
	}
	line := func(msg string) []store.TimelineLine {
		if o.AlertID == 0 {
			return nil
		}
		return []store.TimelineLine{{AlertID: o.AlertID, Kind: tocsin.TimelineNotifyFailed, Actor: "Tocsin", Channel: tocsin.ChannelEngine, Message: msg}}
	}
	who := (&composer{e: e}).describe(o)
	if !notify.IsPermanent(err) && attempt < maxAttempts {
		wait := backoff(attempt)
		if after := notify.RetryAfter(err); after > wait {
			wait = min(after, time.Hour)
		}
		return store.Outcome{ID: o.ID, Status: tocsin.NotificationPending, Error: text, NextAt: now.Add(wait),
			Timeline: line(fmt.Sprintf("%s failed (%s); retry %d in %s", who, text, attempt, wait))}
	}
	out := store.Outcome{ID: o.ID, Status: tocsin.NotificationFailed, Error: text}
	reason := "refused for good"
	if !notify.IsPermanent(err) {
		reason = fmt.Sprintf("failed %d times", attempt)
	}
	msg := fmt.Sprintf("%s %s (%s)", who, reason, text)
	if o.Kind == tocsin.NotifyPage && o.UserID != 0 {
		next, why := e.fallThrough(ctx, o, now)
		if next != nil {
			out.Then = append(out.Then, next)
		}
		msg += "; " + why
	}
	out.Timeline = line(msg)
	return out
}

// fallThrough finds how else to reach a person whose method failed for good.
// If another page for the same step is still to come, that is the next
// method; otherwise the first other verified method is used at once.
func (e *Engine) fallThrough(ctx context.Context, o *store.Outgoing, now time.Time) (*tocsin.Notification, string) {
	db := e.opts.DB
	person := fmt.Sprintf("/u%d/", o.UserID)
	i := strings.Index(o.Key, person)
	if i < 0 {
		return nil, "NOT reached"
	}
	if pending, err := db.PendingFor(ctx, o.Key[:i+len(person)], o.ID); err == nil && pending {
		return nil, "their next method follows as their rules say"
	}
	// Methods already fallen through to are in the key (…/f<id>/f<id>): each is tried once.
	tried := map[int64]bool{o.ContactMethodID: true}
	for _, part := range strings.Split(o.Key[i:], "/") {
		if id, err := strconv.ParseInt(strings.TrimPrefix(part, "f"), 10, 64); err == nil && strings.HasPrefix(part, "f") {
			tried[id] = true
		}
	}
	methods, err := db.ContactMethods(ctx, o.UserID)
	if err != nil {
		return nil, "no other method could be read: " + err.Error()
	}
	for _, c := range methods {
		if !c.Verified() || tried[c.ID] || (c.Type == o.Type && c.Value == o.Destination) || !e.opts.Senders.Offers(c.Type) {
			continue
		}
		return &tocsin.Notification{Key: fmt.Sprintf("%s/f%d", o.Key, c.ID), Kind: tocsin.NotifyPage, AlertID: o.AlertID, UserID: o.UserID,
				ContactMethodID: c.ID, Type: c.Type, Destination: c.Value, Step: o.Step, RuleID: o.RuleID, NextAttemptAt: now},
			fmt.Sprintf("trying %s %s instead", c.Type, c.Name)
	}
	return nil, "they have no other verified method: NOT reached"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// hostOf shows a webhook's host only: its path may hold a secret.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "(invalid URL)"
}
