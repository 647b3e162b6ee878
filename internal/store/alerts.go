package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

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
	in, list := inIDs(db.dialect, "a.id", 1, ids)
	rows, err := db.read.QueryContext(ctx, `SELECT `+alertColumns+` FROM alerts a WHERE `+in, list)
	if err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out[a.ID] = a
	}
	return out, rows.Err()
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
	UserID  int64              // the user, who is not sent a status update of their own action (0: none)
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
				if err := tx.escalationFollows(ctx, id, to, act.UserID, now); err != nil {
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
