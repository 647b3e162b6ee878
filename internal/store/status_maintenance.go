package store

import (
	"context"
	"fmt"
	"time"

	"github.com/tocsin/tocsin"
)

// What a maintenance says when it moves by itself, in the page's language.
var maintenanceWords = map[string]map[tocsin.IncidentStatus]string{
	"en": {
		tocsin.MaintenanceInProgress: "The scheduled maintenance is in progress. We will provide updates as necessary.",
		tocsin.MaintenanceCompleted:  "The scheduled maintenance has been completed.",
	},
	"fr": {
		tocsin.MaintenanceInProgress: "La maintenance programmée est en cours. Nous donnerons des nouvelles si nécessaire.",
		tocsin.MaintenanceCompleted:  "La maintenance programmée est terminée.",
	},
}

// AdvanceMaintenances moves the maintenances that move by themselves
// (AutoTransition): scheduled → in_progress at ScheduledFor, its components
// under maintenance; in_progress (or verifying) → completed at
// ScheduledUntil, its components back to operational unless changed
// meanwhile; one whose whole window passed unseen straight to completed.
// Each move posts an update, which subscribers are told about when the
// maintenance's Notify is set. Such a maintenance also reminds subscribers
// remindBefore it starts (0: no reminders) — unless they heard of it less
// than remindBefore before its start (it was scheduled, or an update told
// them, that late): two messages minutes apart say nothing more. It
// returns how many moves and reminders it made. Calling it again, or from
// two engines at once, does nothing more.
func (db *DB) AdvanceMaintenances(ctx context.Context, now time.Time, remindBefore time.Duration) (int, error) {
	now = now.UTC().Truncate(time.Millisecond)
	due, err := db.ids(ctx, `SELECT i.id FROM status_incidents i WHERE i.maintenance AND i.auto_transition AND (
		(i.status = 'scheduled' AND i.scheduled_for <= $1) OR (i.status IN ('in_progress', 'verifying') AND i.scheduled_until <= $1))
		ORDER BY i.scheduled_for, i.id LIMIT 200`, ms(now))
	if err != nil {
		return 0, fmt.Errorf("due maintenances: %w", err)
	}
	done := 0
	for _, id := range due {
		moved := false
		err := db.InTx(ctx, func(tx *Tx) error {
			var err error
			moved, err = tx.advanceMaintenance(ctx, id, now)
			return err
		})
		if err != nil {
			return done, statusRetry(err)
		}
		if moved {
			done++
		}
	}
	if remindBefore <= 0 {
		return done, nil
	}
	soon, err := db.ids(ctx, `SELECT i.id FROM status_incidents i WHERE i.maintenance AND i.notify AND i.status = 'scheduled' AND i.reminded_at = 0
		AND i.scheduled_for > $1 AND i.scheduled_for <= $2 AND i.created_at < i.scheduled_for - $3
		AND NOT EXISTS (SELECT 1 FROM status_updates u WHERE u.incident_id = i.id AND u.notify AND u.created_at >= i.scheduled_for - $3)
		ORDER BY i.scheduled_for, i.id LIMIT 200`, ms(now), ms(now.Add(remindBefore)), remindBefore.Milliseconds())
	if err != nil {
		return done, fmt.Errorf("maintenances to remind: %w", err)
	}
	for _, id := range soon {
		err := db.InTx(ctx, func(tx *Tx) error {
			// Conditional: whoever sets reminded_at first sends the reminder.
			res, err := tx.exec(ctx, `UPDATE status_incidents SET reminded_at = $1 WHERE id = $2 AND reminded_at = 0 AND status = 'scheduled'`, ms(now), id)
			if err != nil {
				return fmt.Errorf("remind maintenance: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			told, err := tx.fanOutReminder(ctx, id, now)
			if err != nil {
				return err
			}
			done++
			return tx.statusEvent(ctx, id, 0, "maintenance.reminded", fmt.Sprintf("%d subscribers reminded that the maintenance starts soon.", told), now)
		})
		if err != nil {
			return done, statusRetry(err)
		}
	}
	return done, nil
}

// advanceMaintenance makes one due move of a maintenance, if it is still due.
func (tx *Tx) advanceMaintenance(ctx context.Context, id int64, now time.Time) (bool, error) {
	// Claim the move: a second engine finds nothing due any more.
	res, err := tx.exec(ctx, `UPDATE status_incidents SET updated_at = $1 WHERE id = $2 AND maintenance AND auto_transition AND (
		(status = 'scheduled' AND scheduled_for <= $1) OR (status IN ('in_progress', 'verifying') AND scheduled_until <= $1))`, ms(now), id)
	if err != nil {
		return false, fmt.Errorf("claim maintenance: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	inc, err := tx.lockIncident(ctx, id, now)
	if err != nil {
		return false, err
	}
	var language string
	if err := tx.ensureStatusPage(ctx); err != nil {
		return false, err
	}
	if err := tx.queryRow(ctx, `SELECT language FROM status_page WHERE id = 1`).Scan(&language); err != nil {
		return false, fmt.Errorf("page language: %w", err)
	}
	words := maintenanceWords[language]
	if words == nil {
		words = maintenanceWords["en"]
	}
	u := &tocsin.StatusUpdate{Status: tocsin.MaintenanceCompleted, Notify: inc.Notify}
	action := "maintenance.completed"
	if inc.Status == tocsin.MaintenanceScheduled && now.Before(inc.ScheduledUntil) {
		u.Status, action = tocsin.MaintenanceInProgress, "maintenance.started"
	}
	// Without changes, postUpdate puts the components under maintenance at
	// the start and gives them back at the end.
	u.Body = words[u.Status]
	if err := tx.postUpdate(ctx, inc, u, 0, "the maintenance moved by itself", now); err != nil {
		return false, err
	}
	return true, tx.statusEvent(ctx, id, 0, action, fmt.Sprintf("Maintenance %q moved by itself to %s.", inc.Name, u.Status), now)
}

// ids runs a query returning ids.
func (db *DB) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// statusRetry turns a lost race between two engines on PostgreSQL into
// ECONFLICT: the next cycle sees what the other one did.
func statusRetry(err error) error {
	if isUniqueViolation(err) || isTransient(err) {
		return tocsin.Errorf(tocsin.ECONFLICT, "the status page changed concurrently, retry")
	}
	return err
}
