package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// IngestItem is one decoded event ready to be stored: rules have run, and the
// pipeline says where to route it and whether to page.
type IngestItem struct {
	Integration  *tocsin.Integration
	Event        tocsin.AlertEvent
	RouteTo      string   // service name chosen by a rule; "" keeps the integration's service
	Suppress     bool     // kept, not paged
	Drop         bool     // discarded by a rule: only an Opsgenie request record is written
	RulesApplied []string // names, for the timeline
}

// openAlert is what ApplyEvents keeps of an alert while a batch runs.
type openAlert struct {
	id            int64
	integrationID int64
	dedupKey      string
	status        tocsin.AlertStatus
	priority      tocsin.Priority
	repeats       int // occurrences to add at the end of the batch
	lastSeen      time.Time
	loggedAt      time.Time // when repeats last went into the timeline
	unlogged      int       // repeats counted since then
}

// repeatLogInterval spaces the "received again" lines of a noisy alert's timeline.
const repeatLogInterval = time.Minute

// batch holds the alerts a batch has touched, so that
// a burst of events about one alert costs one row update, not one per event.
type batch struct {
	tx    *Tx
	now   time.Time
	byKey map[string]*openAlert
	byID  map[int64]*openAlert
	// looked are the keys (dedupIndex) whose open alert, if any, is in byKey:
	// read ahead for the whole batch, or opened or closed by it.
	looked map[string]bool
	paging map[int64]*servicePaging
	routes map[string]int64 // service ids by name, for processing rules' routes
	// opening are the new alerts not written yet: they are written together
	// at the end of the batch, or as soon as an event needs one's row.
	opening []*opening
	// numbered are results that name an alert written later: they take its
	// number once it has one.
	numbered []numbered
	requests []request // Opsgenie requests, whose outcomes are written at the end
}

// request is an Opsgenie request of the batch and what became of it.
type request struct {
	id            string
	integrationID int64
	action        tocsin.EventAction
	res           *tocsin.EventResult
}

// opening is a new alert waiting to be written with the others.
type opening struct {
	item     *IngestItem
	alert    *openAlert
	service  int64
	priority tocsin.Priority
	start    escalationStart
}

type numbered struct {
	res   *tocsin.EventResult
	alert *openAlert
}

// ApplyEvents stores a batch of events in one transaction and reports what
// happened to each, in order. Nothing is written when it returns an error.
func (db *DB) ApplyEvents(ctx context.Context, items []IngestItem, now time.Time) ([]tocsin.EventResult, error) {
	var results []tocsin.EventResult
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		results, err = db.applyInTx(ctx, tx, items, now)
		return err
	})
	if err != nil {
		if isUniqueViolation(err) || isTransient(err) {
			// Another committer opened or changed the same alert at the same
			// instant; a retry sees what it did.
			return nil, tocsin.Errorf(tocsin.ECONFLICT, "alert changed concurrently, retry")
		}
		return nil, err
	}
	return results, nil
}

func (b *batch) addTimeline(ctx context.Context, alertID int64, kind tocsin.TimelineKind, actor string, channel tocsin.Channel, message string) error {
	_, err := b.tx.exec(ctx, `INSERT INTO alert_timeline (alert_id, at, kind, actor, channel, message) VALUES ($1, $2, $3, $4, $5, $6)`,
		alertID, ms(b.now), kind, actor, channel, message)
	return err
}

// lookup finds the open alert an event names, from the batch or the database.
func (b *batch) lookup(ctx context.Context, integrationID int64, e *tocsin.AlertEvent) (*openAlert, error) {
	if e.AlertID != 0 {
		if a, ok := b.byID[e.AlertID]; ok {
			if a.status == tocsin.StatusResolved || a.integrationID != integrationID {
				return nil, nil
			}
			return a, nil
		}
		a := &openAlert{id: e.AlertID}
		var logged int64
		// A closed alert is not open: closing or editing it again does nothing.
		err := b.tx.queryRow(ctx, `SELECT integration_id, dedup_key, status, priority, repeat_logged_at, repeats_unlogged FROM alerts WHERE id = $1 AND integration_id = $2 AND status <> 'resolved'`, e.AlertID, integrationID).
			Scan(&a.integrationID, &a.dedupKey, &a.status, &a.priority, &logged, &a.unlogged)
		return b.found(a, logged, err)
	}
	key := dedupIndex(integrationID, e.DedupKey)
	if a, ok := b.byKey[key]; ok {
		if a.status == tocsin.StatusResolved {
			return nil, nil
		}
		return a, nil
	}
	if b.looked[key] {
		return nil, nil
	}
	a := &openAlert{integrationID: integrationID, dedupKey: e.DedupKey}
	var logged int64
	err := b.tx.queryRow(ctx, `SELECT id, status, priority, repeat_logged_at, repeats_unlogged FROM alerts WHERE integration_id = $1 AND dedup_key = $2 AND status <> 'resolved'`,
		integrationID, e.DedupKey).Scan(&a.id, &a.status, &a.priority, &logged, &a.unlogged)
	return b.found(a, logged, err)
}

// found ends a lookup that read a (last logged at logged) with err: the
// open alert, or nil when there is none.
func (b *batch) found(a *openAlert, logged int64, err error) (*openAlert, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a.loggedAt = fromMS(logged)
	b.remember(a)
	return a, nil
}

func (b *batch) remember(a *openAlert) {
	b.byID[a.id] = a
	if a.status.Open() {
		b.byKey[dedupIndex(a.integrationID, a.dedupKey)] = a
	}
}

// readAhead reads the open alerts that the batch's events name by key, in
// one statement per integration on PostgreSQL: a storm's batch then costs a
// round trip to look up, not one per event. SQLite has no round trips and
// looks up each key with its prepared statement as the events come.
//
// Each key is looked up by itself (LATERAL … LIMIT 1 keeps PostgreSQL
// from planning it otherwise): statistics taken before a storm can say
// that almost no alert is open, and PostgreSQL then planned a join of the
// keys with alerts, or "dedup_key = ANY(keys)", as a walk over every open
// alert of the integration, thousands during the storm.
func (b *batch) readAhead(ctx context.Context, items []IngestItem) error {
	if b.tx.dialect != Postgres {
		return nil
	}
	keys := map[int64][]string{}
	for i := range items {
		it := &items[i]
		if it.Drop || it.Event.AlertID != 0 {
			continue
		}
		key := dedupIndex(it.Integration.ID, it.Event.DedupKey)
		if !b.looked[key] {
			b.looked[key] = true
			keys[it.Integration.ID] = append(keys[it.Integration.ID], it.Event.DedupKey)
		}
	}
	for integrationID, dedupKeys := range keys {
		rows, err := b.tx.tx.QueryContext(ctx, `SELECT a.id, k.key, a.status, a.priority, a.repeat_logged_at, a.repeats_unlogged
			FROM unnest(CAST($2 AS TEXT[])) AS k(key) CROSS JOIN LATERAL (SELECT id, status, priority, repeat_logged_at, repeats_unlogged FROM alerts
				WHERE integration_id = $1 AND dedup_key = k.key AND status <> 'resolved' LIMIT 1) a`, integrationID, dedupKeys)
		if err != nil {
			return err
		}
		for rows.Next() {
			a := &openAlert{integrationID: integrationID}
			var logged int64
			if err := rows.Scan(&a.id, &a.dedupKey, &a.status, &a.priority, &logged, &a.unlogged); err != nil {
				rows.Close()
				return err
			}
			a.loggedAt = fromMS(logged)
			b.remember(a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

func dedupIndex(integrationID int64, key string) string {
	return fmt.Sprint(integrationID, "\x00", key)
}

// applyInTx applies events in tx, in order: ApplyEvents in a transaction of
// its own, a heartbeat with its state so that both change or neither.
func (db *DB) applyInTx(ctx context.Context, tx *Tx, items []IngestItem, now time.Time) ([]tocsin.EventResult, error) {
	b := &batch{tx: tx, now: now, byKey: map[string]*openAlert{}, byID: map[int64]*openAlert{}, looked: map[string]bool{},
		paging: map[int64]*servicePaging{}, routes: map[string]int64{}}
	if err := b.readAhead(ctx, items); err != nil {
		return nil, fmt.Errorf("look up open alerts: %w", err)
	}
	results := make([]tocsin.EventResult, len(items))
	for i := range items {
		if err := b.apply(ctx, &items[i], &results[i]); err != nil {
			return nil, err
		}
	}
	if err := b.writeOpenings(ctx); err != nil {
		return nil, err
	}
	for _, n := range b.numbered {
		n.res.AlertID = n.alert.id
	}
	if err := b.recordRequests(ctx); err != nil {
		return nil, err
	}
	return results, b.flush(ctx)
}

func (b *batch) apply(ctx context.Context, item *IngestItem, res *tocsin.EventResult) error {
	e := &item.Event
	integ := item.Integration
	var a *openAlert
	var err error
	if !item.Drop {
		if a, err = b.lookup(ctx, integ.ID, e); err != nil {
			return err
		}
	}
	*res = tocsin.EventResult{DedupKey: e.DedupKey, Outcome: tocsin.OutcomeUpdated}
	actor := e.Actor
	if actor == "" {
		actor = string(e.Channel)
	}
	switch {
	case item.Drop:
		res.Outcome = tocsin.OutcomeDropped
	case e.Action == tocsin.ActionTrigger && a == nil:
		a, err = b.create(ctx, item)
		res.Outcome = tocsin.OutcomeCreated
		if item.Suppress {
			res.Outcome = tocsin.OutcomeSuppressed
		}
	case e.Action == tocsin.ActionTrigger && e.Priority != "" && e.Priority < a.priority:
		// Reported as more urgent than before: the priority goes up, and an
		// acknowledged alert is triggered again (Opsgenie: "raising the priority
		// restarts the notification flow"). A plain re-send only counts.
		err = b.raisePriority(ctx, a, e.Priority, actor, e.Channel)
	case e.Action == tocsin.ActionTrigger:
		a.repeats++
		a.lastSeen = b.now
		res.Outcome = tocsin.OutcomeRepeated
	case a == nil:
		// Acknowledge, resolve or edit of an alert that is not open: accepted and
		// dropped, as PagerDuty does.
		res.Outcome = tocsin.OutcomeDropped
	case e.Action == tocsin.ActionAcknowledge:
		if a.status == tocsin.StatusTriggered {
			err = b.setStatus(ctx, a, tocsin.StatusAcknowledged, tocsin.TimelineAcknowledged, actor, e.Channel, "")
		}
	case e.Action == tocsin.ActionUnacknowledge:
		if a.status == tocsin.StatusAcknowledged {
			err = b.setStatus(ctx, a, tocsin.StatusTriggered, tocsin.TimelineUnacknowledged, actor, e.Channel, "")
		}
	case e.Action == tocsin.ActionResolve:
		err = b.setStatus(ctx, a, tocsin.StatusResolved, tocsin.TimelineResolved, actor, e.Channel, e.SenderTime(b.now))
	case e.Action == tocsin.ActionSetSummary:
		if err = b.written(ctx, a); err == nil {
			if _, err = b.tx.exec(ctx, `UPDATE alerts SET summary = $1, updated_at = $2 WHERE id = $3`, e.Summary, ms(b.now), a.id); err == nil {
				err = b.addTimeline(ctx, a.id, tocsin.TimelineUpdated, actor, e.Channel, "summary changed to: "+e.Summary)
			}
		}
	case e.Action == tocsin.ActionSetDetails:
		if err = b.written(ctx, a); err == nil {
			if _, err = b.tx.exec(ctx, `UPDATE alerts SET details = $1, updated_at = $2 WHERE id = $3`, e.Details, ms(b.now), a.id); err == nil {
				err = b.addTimeline(ctx, a.id, tocsin.TimelineUpdated, actor, e.Channel, "details changed")
			}
		}
	}
	if err != nil {
		return err
	}
	if a != nil {
		res.AlertID, res.DedupKey = a.id, a.dedupKey
		if a.id == 0 {
			b.numbered = append(b.numbered, numbered{res, a})
		}
	}
	if a != nil && strings.TrimSpace(e.Note) != "" {
		if err = b.written(ctx, a); err != nil {
			return err
		}
		err = b.addTimeline(ctx, a.id, tocsin.TimelineNote, actor, e.Channel, e.Note)
		if err == nil && e.Action == tocsin.ActionNote {
			_, err = b.tx.exec(ctx, `UPDATE alerts SET updated_at = $1 WHERE id = $2`, ms(b.now), a.id)
		}
	}
	if err == nil && e.RequestID != "" {
		b.requests = append(b.requests, request{e.RequestID, integ.ID, e.Action, res})
	}
	return err
}

// raisePriority makes an open alert more urgent, triggers it again if it was
// acknowledged, and counts the occurrence that said so.
func (b *batch) raisePriority(ctx context.Context, a *openAlert, to tocsin.Priority, actor string, channel tocsin.Channel) error {
	if err := b.written(ctx, a); err != nil {
		return err
	}
	why := fmt.Sprintf("priority raised from %s to %s", a.priority, to)
	if _, err := b.tx.exec(ctx, `UPDATE alerts SET priority = $1, occurrences = occurrences + 1, last_seen_at = $2, updated_at = $2 WHERE id = $3`, to, ms(b.now), a.id); err != nil {
		return fmt.Errorf("raise priority: %w", err)
	}
	a.priority = to
	if a.status == tocsin.StatusAcknowledged {
		return b.setStatus(ctx, a, tocsin.StatusTriggered, tocsin.TimelineRetriggered, actor, channel, "triggered again: "+why)
	}
	return b.addTimeline(ctx, a.id, tocsin.TimelineUpdated, actor, channel, why)
}

// create opens an alert; its row is written later, with the batch's other
// new alerts (writeOpenings).
func (b *batch) create(ctx context.Context, item *IngestItem) (*openAlert, error) {
	e := &item.Event
	serviceID := item.Integration.ServiceID
	if item.RouteTo != "" {
		routed, ok := b.routes[item.RouteTo]
		if !ok {
			var err error
			if routed, err = b.tx.serviceIDByName(ctx, item.RouteTo); err != nil {
				return nil, err
			}
			b.routes[item.RouteTo] = routed
		}
		if routed != 0 {
			serviceID = routed
		}
	}
	priority := e.Priority
	if priority == "" {
		priority = tocsin.DefaultPriority
	}
	// The escalation is planned first and starts with the row: an UPDATE
	// after the INSERT would write every new alert twice.
	var start escalationStart
	if !item.Suppress {
		var err error
		if start, err = b.tx.planEscalation(ctx, serviceID, b.now, b.paging, false); err != nil {
			return nil, err
		}
	}
	a := &openAlert{integrationID: item.Integration.ID, dedupKey: e.DedupKey, status: tocsin.StatusTriggered, priority: priority}
	b.byKey[dedupIndex(a.integrationID, a.dedupKey)] = a
	b.opening = append(b.opening, &opening{item: item, alert: a, service: serviceID, priority: priority, start: start})
	return a, nil
}

// written makes sure an alert of the batch has its row: an event about to
// change it needs one.
func (b *batch) written(ctx context.Context, a *openAlert) error {
	if a.id != 0 {
		return nil
	}
	return b.writeOpenings(ctx)
}

// writeOpenings writes the new alerts waiting, with their first timeline
// lines: one statement for the alerts and one for the lines on PostgreSQL.
func (b *batch) writeOpenings(ctx context.Context) error {
	if len(b.opening) == 0 {
		return nil
	}
	rows := make([][]any, len(b.opening))
	byKey := make(map[string]*openAlert, len(b.opening))
	for i, o := range b.opening {
		e := &o.item.Event
		labels, _ := json.Marshal(e.Labels)
		if e.Labels == nil {
			labels = []byte("{}")
		}
		links, _ := json.Marshal(e.Links)
		if e.Links == nil {
			links = []byte("[]")
		}
		rows[i] = []any{o.item.Integration.ID, nullID(o.service), e.DedupKey, e.Summary, e.Details, e.Source, o.priority, string(labels), string(links), o.item.Suppress, o.start.policy, o.start.escAt()}
		byKey[dedupIndex(o.alert.integrationID, o.alert.dedupKey)] = o.alert
	}
	// The rows come back in no promised order: each is matched by its key,
	// which no two open alerts of an integration share.
	err := b.tx.runRows(ctx, rowsStatement{
		head: `INSERT INTO alerts (integration_id, service_id, dedup_key, summary, details, source, priority, labels, links, suppressed, esc_policy_id, esc_next_at,
				status, occurrences, first_seen_at, last_seen_at, updated_at)
			SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, v.column8, v.column9, v.column10, v.column11, v.column12,
				'triggered', 1, $1, $1, $1
			FROM `,
		tail:  ` RETURNING id, integration_id, dedup_key`,
		fixed: []any{ms(b.now)},
		types: []string{"BIGINT", "BIGINT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "BOOLEAN", "BIGINT", "BIGINT"},
		scan: func(r *sql.Rows) error {
			var id, integrationID int64
			var key string
			if err := r.Scan(&id, &integrationID, &key); err != nil {
				return err
			}
			if a := byKey[dedupIndex(integrationID, key)]; a != nil {
				a.id = id
			}
			return nil
		},
	}, rows)
	if err != nil {
		return fmt.Errorf("insert alerts: %w", err)
	}
	var lines []TimelineLine
	for _, o := range b.opening {
		a, e := o.alert, &o.item.Event
		if a.id == 0 {
			return fmt.Errorf("insert alerts: no row came back for %q", a.dedupKey)
		}
		b.byID[a.id] = a
		actor := e.Actor
		if actor == "" {
			actor = o.item.Integration.Name
		}
		msg := "received through integration " + o.item.Integration.Name
		if dated := e.SenderTime(b.now); dated != "" {
			msg += "; " + dated
		}
		lines = append(lines, TimelineLine{AlertID: a.id, Kind: tocsin.TimelineCreated, Actor: actor, Channel: e.Channel, Message: msg})
		for _, name := range o.item.RulesApplied {
			lines = append(lines, TimelineLine{AlertID: a.id, Kind: tocsin.TimelineRuleApplied, Channel: e.Channel, Message: name})
		}
		switch {
		case o.item.Suppress:
			lines = append(lines, TimelineLine{AlertID: a.id, Kind: tocsin.TimelineSuppressed, Channel: e.Channel, Message: "kept without paging anyone"})
		case o.start.note != "":
			lines = append(lines, o.start.timeline(a.id))
		}
	}
	b.opening = b.opening[:0]
	return b.tx.addTimeline(ctx, b.now, lines...)
}

func (b *batch) setStatus(ctx context.Context, a *openAlert, to tocsin.AlertStatus, kind tocsin.TimelineKind, actor string, channel tocsin.Channel, message string) error {
	if err := b.written(ctx, a); err != nil {
		return err
	}
	if err := setAlertStatus(ctx, b.tx, a.id, a.status, to, actor, channel, b.now); err != nil {
		return err
	}
	if to == tocsin.StatusResolved {
		delete(b.byKey, dedupIndex(a.integrationID, a.dedupKey))
	}
	a.status = to
	if err := b.addTimeline(ctx, a.id, kind, actor, channel, message); err != nil {
		return err
	}
	return b.tx.escalationFollows(ctx, a.id, to, 0, b.now)
}

// setAlertStatus moves an alert from a status to another and records who did it,
// through what. If the alert is no longer in the status it was read in (another
// transaction changed it meanwhile), it fails with ECONFLICT and changes nothing,
// so that the caller retries on fresh data instead of overwriting that change.
func setAlertStatus(ctx context.Context, tx *Tx, id int64, from, to tocsin.AlertStatus, actor string, channel tocsin.Channel, now time.Time) error {
	var res sql.Result
	var err error
	switch to {
	case tocsin.StatusAcknowledged:
		res, err = tx.exec(ctx, `UPDATE alerts SET status = 'acknowledged', acked_at = $1, acked_by = $2, ack_channel = $3, updated_at = $1 WHERE id = $4 AND status = $5`, ms(now), actor, channel, id, from)
	case tocsin.StatusResolved:
		res, err = tx.exec(ctx, `UPDATE alerts SET status = 'resolved', resolved_at = $1, resolved_by = $2, resolve_channel = $3, updated_at = $1 WHERE id = $4 AND status = $5`, ms(now), actor, channel, id, from)
	case tocsin.StatusTriggered:
		res, err = tx.exec(ctx, `UPDATE alerts SET status = 'triggered', acked_at = 0, acked_by = '', ack_channel = '', updated_at = $1 WHERE id = $2 AND status = $3`, ms(now), id, from)
	}
	if err != nil {
		return fmt.Errorf("set alert %d %s: %w", id, to, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return tocsin.Errorf(tocsin.ECONFLICT, "alert %d changed meanwhile; try again", id)
	}
	return nil
}

// countRepeats is the SET list that adds n occurrences, seen last at seen,
// to an alert, and either logs them now (log true) or counts them for later.
func countRepeats(n, seen, log string) string {
	return fmt.Sprintf(`occurrences = occurrences + %[1]s, last_seen_at = %[2]s, updated_at = %[2]s,
		repeat_logged_at = CASE WHEN %[3]s THEN %[2]s ELSE repeat_logged_at END,
		repeats_unlogged = CASE WHEN %[3]s THEN 0 ELSE repeats_unlogged + %[1]s END`, n, seen, log)
}

// flush writes the coalesced repeats: one row update per alert, in one
// statement on PostgreSQL, and a timeline line per alert at most once every
// repeatLogInterval.
func (b *batch) flush(ctx context.Context) error {
	// In id order, so that concurrent committers on PostgreSQL lock rows in the
	// same order and rarely deadlock (a deadlock is retried).
	ids := slices.Sorted(maps.Keys(b.byID))
	var rows [][]any
	var lines []TimelineLine
	for _, id := range ids {
		a := b.byID[id]
		if a.repeats == 0 {
			continue
		}
		log := a.loggedAt.IsZero() || b.now.Sub(a.loggedAt) >= repeatLogInterval
		rows = append(rows, []any{id, a.repeats, ms(a.lastSeen), log})
		if log {
			msg := "received again"
			if n := a.repeats + a.unlogged; n > 1 {
				msg = fmt.Sprintf("received again %d times", n)
			}
			lines = append(lines, TimelineLine{AlertID: id, Kind: tocsin.TimelineRepeated, Message: msg})
		}
	}
	var err error
	if b.tx.dialect == SQLite {
		// No round trips to save: one row at a time, by primary key.
		update := `UPDATE alerts SET ` + countRepeats("$2", "$3", "$4") + ` WHERE id = $1`
		for _, row := range rows {
			if _, err = b.tx.exec(ctx, update, row...); err != nil {
				break
			}
		}
	} else {
		err = b.tx.runRows(ctx, rowsStatement{
			head:  `UPDATE alerts SET ` + countRepeats("v.column2", "v.column3", "v.column4") + ` FROM `,
			tail:  ` WHERE alerts.id = v.column1`,
			types: []string{"BIGINT", "BIGINT", "BIGINT", "BOOLEAN"},
		}, rows)
	}
	if err != nil {
		return fmt.Errorf("count repeats: %w", err)
	}
	if err := b.tx.addTimeline(ctx, b.now, lines...); err != nil {
		return err
	}
	return b.tx.bump(ctx, CounterAlerts)
}

// recordRequests writes the outcomes of the batch's Opsgenie requests, for
// GET /v2/alerts/requests/{id}, once every alert has its number.
func (b *batch) recordRequests(ctx context.Context) error {
	rows := make([][]any, len(b.requests))
	for i, r := range b.requests {
		res, trigger := r.res, r.action == tocsin.ActionTrigger
		success, status := res.Outcome != tocsin.OutcomeDropped || trigger, "Request processed"
		switch {
		case res.Outcome == tocsin.OutcomeCreated || res.Outcome == tocsin.OutcomeSuppressed:
			status = "Created alert"
		case res.Outcome == tocsin.OutcomeRepeated:
			status = "Alert already exists; count incremented"
		case res.Outcome == tocsin.OutcomeDropped && trigger:
			status = "Alert dropped by a processing rule"
		case res.Outcome == tocsin.OutcomeDropped:
			status = "Alert does not exist or is closed"
		}
		rows[i] = []any{r.id, r.integrationID, opsgenieAction(r.action), success, status, res.AlertID, res.DedupKey}
	}
	err := b.tx.runRows(ctx, rowsStatement{
		head: `INSERT INTO ingest_requests (id, integration_id, action, success, status, alert_id, alias, processed_at) SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, $1 FROM `,
		// WHERE true: SQLite would read ON CONFLICT as a join's ON.
		tail:  ` WHERE true ON CONFLICT (id) DO NOTHING`,
		fixed: []any{ms(b.now)},
		types: []string{"TEXT", "BIGINT", "TEXT", "BOOLEAN", "TEXT", "BIGINT", "TEXT"},
	}, rows)
	if err != nil {
		return fmt.Errorf("record requests: %w", err)
	}
	return nil
}

func opsgenieAction(a tocsin.EventAction) string {
	switch a {
	case tocsin.ActionTrigger:
		return "Create"
	case tocsin.ActionAcknowledge:
		return "Acknowledge"
	case tocsin.ActionUnacknowledge:
		return "UnAcknowledge"
	case tocsin.ActionResolve:
		return "Close"
	case tocsin.ActionSetSummary:
		return "Update Message"
	case tocsin.ActionSetDetails:
		return "Update Description"
	}
	return "AddNote"
}
