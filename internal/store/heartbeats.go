package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/tocsin/tocsin"
)

// Heartbeats. Each one has its own integration (type heartbeat, bound to the
// heartbeat's service) through which it opens and resolves one alert, dedup key
// "heartbeat", so that its alerts dedup and escalate as any other. Every change
// of state takes the heartbeat's row first (an UPDATE, which locks it on
// PostgreSQL; SQLite has one writer) and opens or resolves the alert in that
// same transaction: two engines, or a ping racing the check, cannot open two
// alerts or leave a heartbeat down with nothing open.

// heartbeatDedupKey names the one alert of a heartbeat's integration.
const heartbeatDedupKey = "heartbeat"

const heartbeatColumns = `h.id, h.name, COALESCE(i.service_id, 0), COALESCE(s.name, ''), h.integration_id, h.ping_uuid, h.period, h.grace, h.priority, h.state,
	h.due_at, h.last_ping_at, h.last_ping_kind, h.last_success_at, h.last_start_at, h.last_fail_at, h.last_body, h.alert_id, h.created_at, h.updated_at`
const heartbeatFrom = ` FROM heartbeats h JOIN integrations i ON i.id = h.integration_id LEFT JOIN services s ON s.id = i.service_id`

func scanHeartbeat(row interface{ Scan(...any) error }) (*tocsin.Heartbeat, error) {
	var h tocsin.Heartbeat
	var period, grace, due, ping, success, start, fail, created, updated int64
	if err := row.Scan(&h.ID, &h.Name, &h.ServiceID, &h.ServiceName, &h.IntegrationID, &h.UUID, &period, &grace, &h.Priority, &h.State,
		&due, &ping, &h.LastPingKind, &success, &start, &fail, &h.LastBody, &h.AlertID, &created, &updated); err != nil {
		return nil, err
	}
	h.Period, h.Grace = time.Duration(period)*time.Millisecond, time.Duration(grace)*time.Millisecond
	h.DueAt, h.LastPingAt, h.LastSuccessAt, h.LastStartAt, h.LastFailAt = fromMS(due), fromMS(ping), fromMS(success), fromMS(start), fromMS(fail)
	h.CreatedAt, h.UpdatedAt = fromMS(created), fromMS(updated)
	return &h, nil
}

// heartbeatIntegrationName is the name of a heartbeat's integration, as the
// alert's timeline shows it ("received through integration heartbeat-backup").
func heartbeatIntegrationName(name string) string { return "heartbeat-" + name }

// newPingUUID returns a random (version 4) UUID: the ping URL's only credential.
func newPingUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// checkHeartbeatService turns a service that does not exist into bad input.
func (tx *Tx) checkHeartbeatService(ctx context.Context, id int64) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM services WHERE id = $1`, id).Scan(&n); err != nil {
		return fmt.Errorf("check service: %w", err)
	}
	if n == 0 {
		return tocsin.Errorf(tocsin.EINVALID, "service %d does not exist", id)
	}
	return nil
}

// CreateHeartbeat stores a heartbeat and its integration, with h.UUID as its
// ping id, or a random one when empty. It is "new" until its first ping, and
// goes down Period+Grace after now.
func (db *DB) CreateHeartbeat(ctx context.Context, h *tocsin.Heartbeat, now time.Time) error {
	if err := h.Validate(); err != nil {
		return err
	}
	now = now.UTC().Truncate(time.Millisecond)
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.checkHeartbeatService(ctx, h.ServiceID); err != nil {
			return err
		}
		// A key nobody knows: the integration only carries the heartbeat's alerts.
		key := NewIntegrationKey()
		integName := heartbeatIntegrationName(h.Name)
		integID, err := tx.insertID(ctx, `INSERT INTO integrations (name, type, service_id, key_hash, key_prefix, hmac_secret, created_at) VALUES ($1, $2, $3, $4, $5, '', $6)`,
			integName, tocsin.IntegrationHeartbeat, h.ServiceID, hashSecret(key), key[:6], ms(now))
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "the service has an integration named %q already; rename it or pick another heartbeat name", integName)
		}
		if err != nil {
			return fmt.Errorf("create heartbeat integration: %w", err)
		}
		if h.UUID == "" {
			h.UUID = newPingUUID()
		}
		h.IntegrationID, h.State, h.CreatedAt, h.UpdatedAt = integID, tocsin.HeartbeatNew, now, now
		h.LastPingAt, h.LastSuccessAt, h.LastStartAt, h.LastFailAt, h.LastPingKind, h.LastBody, h.AlertID = time.Time{}, time.Time{}, time.Time{}, time.Time{}, "", "", 0
		h.DueAt = h.NextDue()
		id, err := tx.insertID(ctx, `INSERT INTO heartbeats (name, integration_id, ping_uuid, period, grace, priority, state, due_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
			h.Name, integID, h.UUID, h.Period.Milliseconds(), h.Grace.Milliseconds(), h.Priority, h.State, ms(h.DueAt), ms(now))
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "a heartbeat named %q, or with that ping id, exists already", h.Name)
		}
		if err != nil {
			return fmt.Errorf("create heartbeat: %w", err)
		}
		h.ID = id
		return tx.bump(ctx, CounterIntegrations)
	})
}

// UpdateHeartbeat changes a heartbeat's name, service, period, grace and
// priority; h holds the heartbeat as stored afterwards. Its ping id and state
// stay; when it is not down, its deadline follows the new period and grace.
// An open alert stays on the service it was opened for.
func (db *DB) UpdateHeartbeat(ctx context.Context, h *tocsin.Heartbeat, now time.Time) error {
	if err := h.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.checkHeartbeatService(ctx, h.ServiceID); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE heartbeats SET name = $1, period = $2, grace = $3, priority = $4, updated_at = $5 WHERE id = $6`,
			h.Name, h.Period.Milliseconds(), h.Grace.Milliseconds(), h.Priority, ms(now), h.ID)
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "a heartbeat named %q exists already", h.Name)
		}
		if err != nil {
			return fmt.Errorf("update heartbeat: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "heartbeat %d not found", h.ID)
		}
		stored, err := tx.heartbeat(ctx, `h.id = $1`, h.ID)
		if err != nil {
			return err
		}
		integName := heartbeatIntegrationName(h.Name)
		_, err = tx.exec(ctx, `UPDATE integrations SET name = $1, service_id = $2 WHERE id = $3`, integName, h.ServiceID, stored.IntegrationID)
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "the service has an integration named %q already; rename it or pick another heartbeat name", integName)
		}
		if err != nil {
			return fmt.Errorf("move heartbeat integration: %w", err)
		}
		stored.ServiceID = h.ServiceID
		if stored.State != tocsin.HeartbeatDown {
			stored.DueAt = stored.NextDue()
			if _, err := tx.exec(ctx, `UPDATE heartbeats SET due_at = $1 WHERE id = $2`, ms(stored.DueAt), h.ID); err != nil {
				return fmt.Errorf("update heartbeat: %w", err)
			}
		}
		if stored, err = tx.heartbeat(ctx, `h.id = $1`, h.ID); err != nil {
			return err
		}
		*h = *stored
		return tx.bump(ctx, CounterIntegrations)
	})
}

// DeleteHeartbeat removes a heartbeat and its integration. Its alerts stay,
// for history; an open one is resolved, since nothing can resolve it now.
func (db *DB) DeleteHeartbeat(ctx context.Context, id int64, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		var integID int64
		err := tx.queryRow(ctx, `SELECT integration_id FROM heartbeats WHERE id = $1`, id).Scan(&integID)
		if err != nil {
			return notFound(err, "heartbeat %d not found", id)
		}
		if err := tx.resolveAlertsOf(ctx, `integration_id = $2`, integID, "its heartbeat was deleted", now); err != nil {
			return err
		}
		// The heartbeat goes with its integration (ON DELETE CASCADE).
		if _, err := tx.exec(ctx, `DELETE FROM integrations WHERE id = $1`, integID); err != nil {
			return fmt.Errorf("delete heartbeat: %w", err)
		}
		return tx.bumpAll(ctx, CounterIntegrations, CounterAlerts)
	})
}

func (tx *Tx) heartbeat(ctx context.Context, where string, arg any) (*tocsin.Heartbeat, error) {
	h, err := scanHeartbeat(tx.queryRow(ctx, `SELECT `+heartbeatColumns+heartbeatFrom+` WHERE `+where, arg))
	return h, notFound(err, "heartbeat not found")
}

// Heartbeat returns a heartbeat by id.
func (db *DB) Heartbeat(ctx context.Context, id int64) (*tocsin.Heartbeat, error) {
	h, err := scanHeartbeat(db.read.QueryRowContext(ctx, `SELECT `+heartbeatColumns+heartbeatFrom+` WHERE h.id = $1`, id))
	return h, notFound(err, "heartbeat %d not found", id)
}

// HeartbeatByName returns a heartbeat by name.
func (db *DB) HeartbeatByName(ctx context.Context, name string) (*tocsin.Heartbeat, error) {
	h, err := scanHeartbeat(db.read.QueryRowContext(ctx, `SELECT `+heartbeatColumns+heartbeatFrom+` WHERE h.name = $1`, name))
	return h, notFound(err, "heartbeat %q not found", name)
}

// HeartbeatByUUID returns the heartbeat a ping id belongs to.
func (db *DB) HeartbeatByUUID(ctx context.Context, uuid string) (*tocsin.Heartbeat, error) {
	h, err := scanHeartbeat(db.read.QueryRowContext(ctx, `SELECT `+heartbeatColumns+heartbeatFrom+` WHERE h.ping_uuid = $1`, uuid))
	return h, notFound(err, "not found")
}

// Heartbeats lists heartbeats by name; serviceID 0 lists all.
func (db *DB) Heartbeats(ctx context.Context, serviceID int64) ([]*tocsin.Heartbeat, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+heartbeatColumns+heartbeatFrom+` WHERE ($1 = 0 OR i.service_id = $1) ORDER BY h.name`, serviceID)
	if err != nil {
		return nil, fmt.Errorf("list heartbeats: %w", err)
	}
	defer rows.Close()
	var list []*tocsin.Heartbeat
	for rows.Next() {
		h, err := scanHeartbeat(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, h)
	}
	return list, rows.Err()
}

// RecordPing records a ping of the heartbeat whose ping id is uuid (ENOTFOUND when
// none): a success brings it up and resolves its alert, a start gives the run
// Grace to finish, a failure opens the alert at once, a log only records.
// alertsChanged says whether an alert was opened or resolved.
func (db *DB) RecordPing(ctx context.Context, uuid string, p tocsin.Ping, now time.Time) (h *tocsin.Heartbeat, alertsChanged bool, err error) {
	p.Normalize()
	err = db.InTx(ctx, func(tx *Tx) error {
		alertsChanged = false
		res, err := tx.exec(ctx, `UPDATE heartbeats SET last_ping_at = $1, last_ping_kind = $2, last_body = $3, updated_at = $1 WHERE ping_uuid = $4`,
			ms(now), p.Kind, p.Body, uuid)
		if err != nil {
			return fmt.Errorf("record ping: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "not found")
		}
		if h, err = tx.heartbeat(ctx, `h.ping_uuid = $1`, uuid); err != nil {
			return err
		}
		switch p.Kind {
		case tocsin.PingSuccess:
			wasDown := h.State == tocsin.HeartbeatDown
			h.State, h.LastSuccessAt, h.AlertID = tocsin.HeartbeatUp, now, 0
			h.DueAt = h.NextDue()
			if _, err := tx.exec(ctx, `UPDATE heartbeats SET state = 'up', last_success_at = $1, due_at = $2, alert_id = 0 WHERE id = $3`, ms(now), ms(h.DueAt), h.ID); err != nil {
				return fmt.Errorf("heartbeat up: %w", err)
			}
			if wasDown {
				alertsChanged = true
				_, err := db.applyInTx(ctx, tx, heartbeatEvent(h, tocsin.ActionResolve, "", ""), now)
				return err
			}
		case tocsin.PingStart:
			h.LastStartAt = now
			if h.State != tocsin.HeartbeatDown {
				h.DueAt = h.NextDue()
			}
			if _, err := tx.exec(ctx, `UPDATE heartbeats SET last_start_at = $1, due_at = $2 WHERE id = $3`, ms(now), ms(h.DueAt), h.ID); err != nil {
				return fmt.Errorf("heartbeat start: %w", err)
			}
		case tocsin.PingFail:
			summary := fmt.Sprintf("Heartbeat %s reported failure", h.Name)
			if p.ExitStatus > 0 {
				summary += fmt.Sprintf(" (exit status %d)", p.ExitStatus)
			}
			results, err := db.applyInTx(ctx, tx, heartbeatEvent(h, tocsin.ActionTrigger, summary, p.Body), now)
			if err != nil {
				return err
			}
			alertsChanged = true
			h.State, h.LastFailAt, h.DueAt, h.AlertID = tocsin.HeartbeatDown, now, time.Time{}, results[0].AlertID
			if _, err := tx.exec(ctx, `UPDATE heartbeats SET state = 'down', last_fail_at = $1, due_at = 0, alert_id = $2 WHERE id = $3`, ms(now), h.AlertID, h.ID); err != nil {
				return fmt.Errorf("heartbeat down: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, conflictRetry(err)
	}
	return h, alertsChanged, nil
}

// HeartbeatToPing finds a heartbeat by name for the Opsgenie heartbeat ping:
// among the heartbeats of a service, or of every service when serviceID is 0
// (a global key). Names are matched as Tocsin writes them, in lower case.
func (db *DB) HeartbeatToPing(ctx context.Context, name string, serviceID int64) (*tocsin.Heartbeat, error) {
	h, err := scanHeartbeat(db.read.QueryRowContext(ctx, `SELECT `+heartbeatColumns+heartbeatFrom+` WHERE h.name = $1 AND ($2 = 0 OR i.service_id = $2)`, name, serviceID))
	return h, notFound(err, "heartbeat %q not found", name)
}

// CheckHeartbeats brings down every heartbeat whose deadline has passed and
// opens its alert; the engine calls it every cycle. It returns how many went
// down. Calling it again, or from two engines at once, opens nothing more.
func (db *DB) CheckHeartbeats(ctx context.Context, now time.Time) (changed int, err error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM heartbeats WHERE state <> 'down' AND due_at < $1 ORDER BY due_at LIMIT 500`, ms(now))
	if err != nil {
		return 0, fmt.Errorf("due heartbeats: %w", err)
	}
	var due []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(due) == 0 {
		return 0, nil
	}
	for _, id := range due {
		down, err := db.expireHeartbeat(ctx, id, now)
		if err != nil {
			return changed, conflictRetry(err)
		}
		if down {
			changed++
		}
	}
	return changed, nil
}

// expireHeartbeat brings one heartbeat down if it is still late, and opens its alert.
func (db *DB) expireHeartbeat(ctx context.Context, id int64, now time.Time) (bool, error) {
	down := false
	err := db.InTx(ctx, func(tx *Tx) error {
		down = false
		// Conditional: a ping or another engine that got there first leaves nothing to do.
		res, err := tx.exec(ctx, `UPDATE heartbeats SET state = 'down', due_at = 0, updated_at = $1 WHERE id = $2 AND state <> 'down' AND due_at < $1`, ms(now), id)
		if err != nil {
			return fmt.Errorf("heartbeat down: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		h, err := tx.heartbeat(ctx, `h.id = $1`, id)
		if err != nil {
			return err
		}
		summary, details := missedText(h)
		results, err := db.applyInTx(ctx, tx, heartbeatEvent(h, tocsin.ActionTrigger, summary, details), now)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE heartbeats SET alert_id = $1 WHERE id = $2`, results[0].AlertID, id); err != nil {
			return fmt.Errorf("heartbeat alert: %w", err)
		}
		down = true
		return nil
	})
	return down, err
}

// missedText says why a heartbeat is late, for its alert.
func missedText(h *tocsin.Heartbeat) (summary, details string) {
	at := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
	switch {
	case h.Started() && h.Grace > 0:
		summary = fmt.Sprintf("Heartbeat %s missed: started at %s, not finished after %s", h.Name, at(h.LastStartAt), tocsin.FormatMinutes(h.Grace))
	case h.LastSuccessAt.IsZero():
		summary = fmt.Sprintf("Heartbeat %s missed: no ping since it was created at %s", h.Name, at(h.CreatedAt))
	default:
		summary = fmt.Sprintf("Heartbeat %s missed: no ping since %s", h.Name, at(h.LastSuccessAt))
	}
	details = fmt.Sprintf("A good ping is expected every %s, with %s of grace.", tocsin.FormatMinutes(h.Period), tocsin.FormatMinutes(h.Grace))
	if !h.LastPingAt.IsZero() && h.LastPingKind != tocsin.PingSuccess {
		details += fmt.Sprintf(" The last ping (%s) came at %s.", h.LastPingKind, at(h.LastPingAt))
	}
	return summary, details
}

// heartbeatEvent is what a heartbeat sends its own integration.
func heartbeatEvent(h *tocsin.Heartbeat, action tocsin.EventAction, summary, details string) []IngestItem {
	integ := &tocsin.Integration{ID: h.IntegrationID, Name: heartbeatIntegrationName(h.Name), Type: tocsin.IntegrationHeartbeat, ServiceID: h.ServiceID, ServiceName: h.ServiceName}
	e := tocsin.AlertEvent{
		Action: action, DedupKey: heartbeatDedupKey, Summary: summary, Details: details, Source: h.Name,
		Actor: h.Name, Channel: tocsin.ChannelHeartbeat,
	}
	if action == tocsin.ActionTrigger {
		e.Priority, e.Labels = h.Priority, map[string]string{"heartbeat": h.Name}
	}
	e.Normalize()
	return []IngestItem{{Integration: integ, Event: e}}
}

// conflictRetry turns a lost race on PostgreSQL into ECONFLICT: the next ping
// or cycle sees what the other transaction did.
func conflictRetry(err error) error {
	if isUniqueViolation(err) || isTransient(err) {
		return tocsin.Errorf(tocsin.ECONFLICT, "heartbeat changed concurrently, retry")
	}
	return err
}
