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

// ingestStmts are the statements of the ingest hot path, prepared once per
// connection (database/sql re-prepares them on a connection that lacks them)
// rather than once per transaction.
type ingestStmts struct {
	findOpen, insert, timeline, repeat, quiet *sql.Stmt
}

func (db *DB) ingestStatements(ctx context.Context) (*ingestStmts, error) {
	db.prepareMu.Lock()
	defer db.prepareMu.Unlock()
	if db.ingest != nil {
		return db.ingest, nil
	}
	queries := []string{
		`SELECT id, status, priority, repeat_logged_at, repeats_unlogged FROM alerts WHERE integration_id = $1 AND dedup_key = $2 AND status <> 'resolved'`,
		`INSERT INTO alerts (integration_id, service_id, dedup_key, summary, details, source, priority, labels, links, status, suppressed, occurrences, first_seen_at, last_seen_at, updated_at, esc_policy_id, esc_next_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'triggered', $10, 1, $11, $11, $11, $12, $13) RETURNING id`,
		`INSERT INTO alert_timeline (alert_id, at, kind, actor, channel, message) VALUES ($1, $2, $3, $4, $5, $6)`,
		`UPDATE alerts SET occurrences = occurrences + $1, last_seen_at = $2, updated_at = $2, repeat_logged_at = $2, repeats_unlogged = 0 WHERE id = $3`,
		`UPDATE alerts SET occurrences = occurrences + $1, last_seen_at = $2, updated_at = $2, repeats_unlogged = repeats_unlogged + $1 WHERE id = $3`,
	}
	stmts := make([]*sql.Stmt, len(queries))
	for i, q := range queries {
		stmt, err := db.write.PrepareContext(ctx, q)
		if err != nil {
			for _, s := range stmts[:i] {
				s.Close()
			}
			return nil, fmt.Errorf("prepare ingest statements: %w", err)
		}
		stmts[i] = stmt
	}
	db.ingest = &ingestStmts{findOpen: stmts[0], insert: stmts[1], timeline: stmts[2], repeat: stmts[3], quiet: stmts[4]}
	return db.ingest, nil
}

// batch holds the prepared statements and the alerts a batch has touched, so that
// a burst of events about one alert costs one row update, not one per event.
type batch struct {
	tx       *Tx
	now      time.Time
	byKey    map[string]*openAlert
	byID     map[int64]*openAlert
	findOpen *sql.Stmt
	insert   *sql.Stmt
	timeline *sql.Stmt
	repeat   *sql.Stmt // count repeats and log them
	quiet    *sql.Stmt // count repeats, log later
	paging   map[int64]*servicePaging
}

// ApplyEvents stores a batch of events in one transaction and reports what
// happened to each, in order. Nothing is written when it returns an error.
func (db *DB) ApplyEvents(ctx context.Context, items []IngestItem, now time.Time) ([]tocsin.EventResult, error) {
	stmts, err := db.ingestStatements(ctx)
	if err != nil {
		return nil, err
	}
	results := make([]tocsin.EventResult, len(items))
	err = db.InTx(ctx, func(tx *Tx) error {
		b := &batch{tx: tx, now: now, byKey: map[string]*openAlert{}, byID: map[int64]*openAlert{}, paging: map[int64]*servicePaging{},
			findOpen: tx.tx.StmtContext(ctx, stmts.findOpen), insert: tx.tx.StmtContext(ctx, stmts.insert),
			timeline: tx.tx.StmtContext(ctx, stmts.timeline), repeat: tx.tx.StmtContext(ctx, stmts.repeat), quiet: tx.tx.StmtContext(ctx, stmts.quiet)}
		var err error
		for i := range items {
			if results[i], err = b.apply(ctx, &items[i]); err != nil {
				return err
			}
		}
		return b.flush(ctx)
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
	_, err := b.timeline.ExecContext(ctx, alertID, ms(b.now), kind, actor, channel, message)
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
		a.loggedAt = fromMS(logged)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		b.remember(a)
		return a, nil
	}
	key := dedupIndex(integrationID, e.DedupKey)
	if a, ok := b.byKey[key]; ok {
		if a.status == tocsin.StatusResolved {
			return nil, nil
		}
		return a, nil
	}
	a := &openAlert{integrationID: integrationID, dedupKey: e.DedupKey}
	var logged int64
	err := b.findOpen.QueryRowContext(ctx, integrationID, e.DedupKey).Scan(&a.id, &a.status, &a.priority, &logged, &a.unlogged)
	a.loggedAt = fromMS(logged)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	b.remember(a)
	return a, nil
}

func (b *batch) remember(a *openAlert) {
	b.byID[a.id] = a
	if a.status.Open() {
		b.byKey[dedupIndex(a.integrationID, a.dedupKey)] = a
	}
}

func dedupIndex(integrationID int64, key string) string {
	return fmt.Sprint(integrationID, "\x00", key)
}

func (b *batch) apply(ctx context.Context, item *IngestItem) (tocsin.EventResult, error) {
	e := &item.Event
	integ := item.Integration
	var a *openAlert
	var err error
	if !item.Drop {
		if a, err = b.lookup(ctx, integ.ID, e); err != nil {
			return tocsin.EventResult{}, err
		}
	}
	res := tocsin.EventResult{DedupKey: e.DedupKey, Outcome: tocsin.OutcomeUpdated}
	if a != nil {
		res.AlertID, res.DedupKey = a.id, a.dedupKey
	}
	actor := e.Actor
	if actor == "" {
		actor = string(e.Channel)
	}
	switch {
	case item.Drop:
		res.Outcome = tocsin.OutcomeDropped
	case e.Action == tocsin.ActionTrigger && a == nil:
		res.AlertID, err = b.create(ctx, item)
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
		err = b.setStatus(ctx, a, tocsin.StatusResolved, tocsin.TimelineResolved, actor, e.Channel, "")
	case e.Action == tocsin.ActionSetSummary:
		if _, err = b.tx.exec(ctx, `UPDATE alerts SET summary = $1, updated_at = $2 WHERE id = $3`, e.Summary, ms(b.now), a.id); err == nil {
			err = b.addTimeline(ctx, a.id, tocsin.TimelineUpdated, actor, e.Channel, "summary changed to: "+e.Summary)
		}
	case e.Action == tocsin.ActionSetDetails:
		if _, err = b.tx.exec(ctx, `UPDATE alerts SET details = $1, updated_at = $2 WHERE id = $3`, e.Details, ms(b.now), a.id); err == nil {
			err = b.addTimeline(ctx, a.id, tocsin.TimelineUpdated, actor, e.Channel, "details changed")
		}
	}
	if err == nil && res.AlertID != 0 && strings.TrimSpace(e.Note) != "" {
		err = b.addTimeline(ctx, res.AlertID, tocsin.TimelineNote, actor, e.Channel, e.Note)
		if err == nil && e.Action == tocsin.ActionNote {
			_, err = b.tx.exec(ctx, `UPDATE alerts SET updated_at = $1 WHERE id = $2`, ms(b.now), res.AlertID)
		}
	}
	if err == nil && e.RequestID != "" {
		err = b.recordRequest(ctx, item, res)
	}
	return res, err
}

// raisePriority makes an open alert more urgent, triggers it again if it was
// acknowledged, and counts the occurrence that said so.
func (b *batch) raisePriority(ctx context.Context, a *openAlert, to tocsin.Priority, actor string, channel tocsin.Channel) error {
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

func (b *batch) create(ctx context.Context, item *IngestItem) (int64, error) {
	e := &item.Event
	serviceID := item.Integration.ServiceID
	if item.RouteTo != "" {
		routed, err := b.tx.serviceIDByName(ctx, item.RouteTo)
		if err != nil {
			return 0, err
		}
		if routed != 0 {
			serviceID = routed
		}
	}
	labels, _ := json.Marshal(e.Labels)
	if e.Labels == nil {
		labels = []byte("{}")
	}
	links, _ := json.Marshal(e.Links)
	if e.Links == nil {
		links = []byte("[]")
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
			return 0, err
		}
	}
	var id int64
	if err := b.insert.QueryRowContext(ctx, item.Integration.ID, nullID(serviceID), e.DedupKey, e.Summary, e.Details, e.Source, priority, string(labels), string(links), item.Suppress, ms(b.now),
		start.policy, start.escAt()).Scan(&id); err != nil {
		return 0, fmt.Errorf("insert alert: %w", err)
	}
	actor := e.Actor
	if actor == "" {
		actor = item.Integration.Name
	}
	if err := b.addTimeline(ctx, id, tocsin.TimelineCreated, actor, e.Channel, "received through integration "+item.Integration.Name); err != nil {
		return 0, err
	}
	for _, name := range item.RulesApplied {
		if err := b.addTimeline(ctx, id, tocsin.TimelineRuleApplied, "", e.Channel, name); err != nil {
			return 0, err
		}
	}
	if item.Suppress {
		if err := b.addTimeline(ctx, id, tocsin.TimelineSuppressed, "", e.Channel, "kept without paging anyone"); err != nil {
			return 0, err
		}
	} else if err := start.record(ctx, b.tx, id, b.now); err != nil {
		return 0, err
	}
	b.remember(&openAlert{id: id, integrationID: item.Integration.ID, dedupKey: e.DedupKey, status: tocsin.StatusTriggered, priority: priority})
	return id, nil
}

func (b *batch) setStatus(ctx context.Context, a *openAlert, to tocsin.AlertStatus, kind tocsin.TimelineKind, actor string, channel tocsin.Channel, message string) error {
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
	return b.tx.escalationFollows(ctx, a.id, to, b.now)
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

// flush writes the coalesced repeats: one update and one timeline line per alert.
func (b *batch) flush(ctx context.Context) error {
	// In id order, so that concurrent committers on PostgreSQL lock rows in the
	// same order and never deadlock.
	ids := slices.Sorted(maps.Keys(b.byID))
	for _, id := range ids {
		a := b.byID[id]
		if a.repeats == 0 {
			continue
		}
		if !a.loggedAt.IsZero() && b.now.Sub(a.loggedAt) < repeatLogInterval {
			if _, err := b.quiet.ExecContext(ctx, a.repeats, ms(a.lastSeen), id); err != nil {
				return fmt.Errorf("count repeats: %w", err)
			}
			continue
		}
		if _, err := b.repeat.ExecContext(ctx, a.repeats, ms(a.lastSeen), id); err != nil {
			return fmt.Errorf("count repeats: %w", err)
		}
		msg := "received again"
		if n := a.repeats + a.unlogged; n > 1 {
			msg = fmt.Sprintf("received again %d times", n)
		}
		if err := b.addTimeline(ctx, id, tocsin.TimelineRepeated, "", "", msg); err != nil {
			return err
		}
	}
	return b.tx.bump(ctx, CounterAlerts)
}

func (b *batch) recordRequest(ctx context.Context, item *IngestItem, res tocsin.EventResult) error {
	action, status := opsgenieAction(item.Event.Action), "Request processed"
	success := res.Outcome != tocsin.OutcomeDropped || item.Event.Action == tocsin.ActionTrigger
	switch {
	case res.Outcome == tocsin.OutcomeCreated || res.Outcome == tocsin.OutcomeSuppressed:
		status = "Created alert"
	case res.Outcome == tocsin.OutcomeRepeated:
		status = "Alert already exists; count incremented"
	case res.Outcome == tocsin.OutcomeDropped && item.Event.Action == tocsin.ActionTrigger:
		status = "Alert dropped by a processing rule"
	case res.Outcome == tocsin.OutcomeDropped:
		status = "Alert does not exist or is closed"
	}
	_, err := b.tx.exec(ctx, `INSERT INTO ingest_requests (id, integration_id, action, success, status, alert_id, alias, processed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
		item.Event.RequestID, item.Integration.ID, action, success, status, res.AlertID, res.DedupKey, ms(b.now))
	return err
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

// PruneIngestRequests forgets the outcomes of Opsgenie requests processed before
// an instant: senders poll them within seconds, and each one is a row.
func (db *DB) PruneIngestRequests(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM ingest_requests WHERE processed_at < $1`, ms(before))
		if err != nil {
			return fmt.Errorf("prune requests: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// IngestRequest returns the recorded outcome of an Opsgenie request made with an integration's key.
func (db *DB) IngestRequest(ctx context.Context, integrationID int64, id string) (*tocsin.IngestRequest, error) {
	var r tocsin.IngestRequest
	var processed int64
	err := db.read.QueryRowContext(ctx, `SELECT id, integration_id, action, success, status, alert_id, alias, processed_at FROM ingest_requests WHERE id = $1 AND integration_id = $2`, id, integrationID).
		Scan(&r.ID, &r.IntegrationID, &r.Action, &r.Success, &r.Status, &r.AlertID, &r.Alias, &processed)
	if err != nil {
		return nil, notFound(err, "request %s not found", id)
	}
	r.ProcessedAt = fromMS(processed)
	return &r, nil
}

const alertColumns = `a.id, COALESCE(a.integration_id, 0), COALESCE(a.service_id, 0), a.dedup_key, a.summary, a.details, a.source, a.priority, a.labels, a.links, a.status, a.suppressed, a.occurrences,
	a.first_seen_at, a.last_seen_at, a.acked_at, a.acked_by, a.ack_channel, a.resolved_at, a.resolved_by, a.resolve_channel, a.updated_at,
	a.esc_policy_id, a.esc_epoch, a.esc_loop, a.esc_step, a.esc_next_at, a.esc_user_id`

func scanAlert(row interface{ Scan(...any) error }) (*tocsin.Alert, error) {
	var a tocsin.Alert
	var labels, links string
	var first, last, acked, resolved, updated, next int64
	e := &a.Escalation
	if err := row.Scan(&a.ID, &a.IntegrationID, &a.ServiceID, &a.DedupKey, &a.Summary, &a.Details, &a.Source, &a.Priority, &labels, &links, &a.Status, &a.Suppressed, &a.Occurrences,
		&first, &last, &acked, &a.AckedBy, &a.AckChannel, &resolved, &a.ResolvedBy, &a.ResolveChannel, &updated,
		&e.PolicyID, &e.Epoch, &e.Loop, &e.Step, &next, &e.UserID); err != nil {
		return nil, err
	}
	e.NextAt = fromMS(next)
	a.FirstSeenAt, a.LastSeenAt, a.AckedAt, a.ResolvedAt, a.UpdatedAt = fromMS(first), fromMS(last), fromMS(acked), fromMS(resolved), fromMS(updated)
	if err := json.Unmarshal([]byte(labels), &a.Labels); err != nil {
		return nil, fmt.Errorf("alert %d labels: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(links), &a.Links); err != nil {
		return nil, fmt.Errorf("alert %d links: %w", a.ID, err)
	}
	return &a, nil
}

// Alert returns an alert by number.
func (db *DB) Alert(ctx context.Context, id int64) (*tocsin.Alert, error) {
	a, err := scanAlert(db.read.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts a WHERE a.id = $1`, id))
	return a, notFound(err, "alert %d not found", id)
}

// AlertsByID reads the alerts of ids that exist, in one query.
func (db *DB) AlertsByID(ctx context.Context, ids []int64) (map[int64]*tocsin.Alert, error) {
	out := make(map[int64]*tocsin.Alert, len(ids))
	for chunk := range slices.Chunk(ids, maxParams) {
		rows, err := db.read.QueryContext(ctx, `SELECT `+alertColumns+` FROM alerts a WHERE a.id IN (`+placeholders(1, len(chunk))+`)`, anySlice(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("read alerts: %w", err)
		}
		for rows.Next() {
			a, err := scanAlert(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[a.ID] = a
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Alerts lists the alerts a filter selects and how many there are in all.
func (db *DB) Alerts(ctx context.Context, f tocsin.AlertFilter) ([]*tocsin.Alert, int, error) {
	where, args := alertWhere(f)
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts a LEFT JOIN services s ON s.id = a.service_id`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count alerts: %w", err)
	}
	order := " ORDER BY a.id DESC"
	switch f.Sort {
	case "oldest":
		order = " ORDER BY a.id ASC"
	case "priority":
		order = " ORDER BY a.priority ASC, a.id DESC"
	case "updated":
		order = " ORDER BY a.updated_at DESC, a.id DESC"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 500 {
		limit = 500
	}
	offset := max(f.Offset, 0)
	args = append(args, limit, offset)
	query := `SELECT ` + alertColumns + ` FROM alerts a LEFT JOIN services s ON s.id = a.service_id` + where + order + fmt.Sprintf(" LIMIT $%d OFFSET $%d", len(args)-1, len(args))
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list alerts: %w", err)
	}
	defer rows.Close()
	var alerts []*tocsin.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, 0, err
		}
		alerts = append(alerts, a)
	}
	return alerts, total, rows.Err()
}

// likeEscaper escapes LIKE's wildcards so user text matches literally.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func alertWhere(f tocsin.AlertFilter) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if len(f.Statuses) > 0 {
		var in []string
		for _, s := range f.Statuses {
			in = append(in, arg(string(s)))
		}
		conds = append(conds, "a.status IN ("+strings.Join(in, ", ")+")")
	}
	if len(f.Priorities) > 0 {
		var in []string
		for _, p := range f.Priorities {
			in = append(in, arg(string(p)))
		}
		conds = append(conds, "a.priority IN ("+strings.Join(in, ", ")+")")
	}
	if f.ServiceID != 0 {
		conds = append(conds, "a.service_id = "+arg(f.ServiceID))
	}
	if f.TeamID != 0 {
		conds = append(conds, "s.team_id = "+arg(f.TeamID))
	}
	if f.Label != "" {
		// Labels are stored as JSON with sorted keys: match the encoded pair.
		k, v, hasValue := strings.Cut(f.Label, "=")
		key, _ := json.Marshal(strings.TrimSpace(k))
		pattern := likeEscaper.Replace(string(key)) + ":"
		if hasValue {
			val, _ := json.Marshal(strings.TrimSpace(v))
			pattern += likeEscaper.Replace(string(val))
		}
		conds = append(conds, `a.labels LIKE `+arg("%"+pattern+"%")+` ESCAPE '\'`)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		p := arg("%" + likeEscaper.Replace(strings.ToLower(t)) + "%")
		conds = append(conds, fmt.Sprintf(`(LOWER(a.summary) LIKE %[1]s ESCAPE '\' OR LOWER(a.source) LIKE %[1]s ESCAPE '\' OR LOWER(a.dedup_key) LIKE %[1]s ESCAPE '\')`, p))
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// OpenAlertCounts returns how many alerts are triggered and how many acknowledged
// (for the menu badge and the list's tabs). Only open alerts are counted: they
// are few and indexed, while resolved ones pile up forever.
func (db *DB) OpenAlertCounts(ctx context.Context) (map[tocsin.AlertStatus]int, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT status, COUNT(*) FROM alerts WHERE status IN ('triggered', 'acknowledged') GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[tocsin.AlertStatus]int{}
	for rows.Next() {
		var s tocsin.AlertStatus
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		counts[s] = n
	}
	return counts, rows.Err()
}

// Timeline returns an alert's history, oldest first.
func (db *DB) Timeline(ctx context.Context, alertID int64) ([]tocsin.TimelineEntry, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, alert_id, at, kind, actor, channel, message FROM alert_timeline WHERE alert_id = $1 ORDER BY id`, alertID)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	defer rows.Close()
	var entries []tocsin.TimelineEntry
	for rows.Next() {
		var t tocsin.TimelineEntry
		var at int64
		if err := rows.Scan(&t.ID, &t.AlertID, &at, &t.Kind, &t.Actor, &t.Channel, &t.Message); err != nil {
			return nil, err
		}
		t.At = fromMS(at)
		entries = append(entries, t)
	}
	return entries, rows.Err()
}

// AlertAction is what a person does to alerts from the UI, the API or the CLI.
type AlertAction struct {
	Action  tocsin.EventAction // acknowledge, unacknowledge, resolve or note
	Actor   string             // the user's name
	Channel tocsin.Channel
	Note    string
}

// ActOnAlerts applies a person's action to several alerts in one transaction and
// returns the ids that changed. Alerts already in the asked state are left as they are.
func (db *DB) ActOnAlerts(ctx context.Context, ids []int64, act AlertAction, now time.Time) ([]int64, error) {
	if len(ids) == 0 {
		return nil, tocsin.Errorf(tocsin.EINVALID, "no alert selected")
	}
	if len(ids) > 500 {
		return nil, tocsin.Errorf(tocsin.EINVALID, "at most 500 alerts at once")
	}
	act.Note = strings.TrimSpace(tocsin.CleanText(act.Note))
	act.Actor = tocsin.CleanText(act.Actor)
	if act.Action == tocsin.ActionNote && act.Note == "" {
		return nil, tocsin.Errorf(tocsin.EINVALID, "note is empty")
	}
	if len(act.Note) > tocsin.MaxNoteLen {
		return nil, tocsin.Errorf(tocsin.EINVALID, "note is longer than %d characters", tocsin.MaxNoteLen)
	}
	var to tocsin.AlertStatus
	var kind tocsin.TimelineKind
	switch act.Action {
	case tocsin.ActionAcknowledge:
		to, kind = tocsin.StatusAcknowledged, tocsin.TimelineAcknowledged
	case tocsin.ActionUnacknowledge:
		to, kind = tocsin.StatusTriggered, tocsin.TimelineUnacknowledged
	case tocsin.ActionResolve:
		to, kind = tocsin.StatusResolved, tocsin.TimelineResolved
	case tocsin.ActionNote:
	default:
		return nil, tocsin.Errorf(tocsin.EINVALID, "unknown action %q", act.Action)
	}
	// A conflict means an alert changed between our read and our write (on
	// PostgreSQL, a committer at the same instant): try again on fresh data.
	var changed []int64
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		changed, err = db.actOnAlerts(ctx, ids, act, to, kind, now)
		if tocsin.ErrorCode(err) != tocsin.ECONFLICT {
			break
		}
	}
	return changed, err
}

func (db *DB) actOnAlerts(ctx context.Context, ids []int64, act AlertAction, to tocsin.AlertStatus, kind tocsin.TimelineKind, now time.Time) ([]int64, error) {
	var changed []int64
	err := db.InTx(ctx, func(tx *Tx) error {
		for _, id := range ids {
			var status tocsin.AlertStatus
			if err := tx.queryRow(ctx, `SELECT status FROM alerts WHERE id = $1`, id).Scan(&status); err != nil {
				return notFound(err, "alert %d not found", id)
			}
			move := to != "" && status != to &&
				!(to == tocsin.StatusAcknowledged && status != tocsin.StatusTriggered) &&
				!(to == tocsin.StatusTriggered && status != tocsin.StatusAcknowledged)
			if move {
				if err := setAlertStatus(ctx, tx, id, status, to, act.Actor, act.Channel, now); err != nil {
					return err
				}
				if _, err := tx.exec(ctx, `INSERT INTO alert_timeline (alert_id, at, kind, actor, channel, message) VALUES ($1, $2, $3, $4, $5, '')`, id, ms(now), kind, act.Actor, act.Channel); err != nil {
					return err
				}
				if err := tx.escalationFollows(ctx, id, to, now); err != nil {
					return err
				}
			}
			if act.Note != "" {
				if _, err := tx.exec(ctx, `INSERT INTO alert_timeline (alert_id, at, kind, actor, channel, message) VALUES ($1, $2, 'note', $3, $4, $5)`, id, ms(now), act.Actor, act.Channel, act.Note); err != nil {
					return err
				}
				if !move {
					if _, err := tx.exec(ctx, `UPDATE alerts SET updated_at = $1 WHERE id = $2`, ms(now), id); err != nil {
						return err
					}
				}
			}
			if move || act.Note != "" {
				changed = append(changed, id)
			}
		}
		return tx.bump(ctx, CounterAlerts)
	})
	return changed, err
}
