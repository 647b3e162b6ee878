package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tocsin/tocsin"
)

// servicePaging is what deciding an alert's escalation needs of its service.
type servicePaging struct {
	service    tocsin.Service
	firstDelay map[int64]time.Duration // by policy id: the first step's delay
}

// paging reads a service's policies and maintenance windows, through cache.
func (tx *Tx) paging(ctx context.Context, serviceID int64, cache map[int64]*servicePaging) (*servicePaging, error) {
	if p, ok := cache[serviceID]; ok {
		return p, nil
	}
	p := &servicePaging{firstDelay: map[int64]time.Duration{}}
	var hours, maintenance, steps, offSteps string
	err := tx.queryRow(ctx, `SELECT COALESCE(s.escalation_policy_id, 0), COALESCE(s.off_hours_policy_id, 0), s.business_hours, s.maintenance, COALESCE(p.steps, '[]'), COALESCE(o.steps, '[]')
		FROM services s LEFT JOIN escalation_policies p ON p.id = s.escalation_policy_id LEFT JOIN escalation_policies o ON o.id = s.off_hours_policy_id WHERE s.id = $1`, serviceID).
		Scan(&p.service.EscalationPolicyID, &p.service.OffHoursPolicyID, &hours, &maintenance, &steps, &offSteps)
	if errors.Is(err, sql.ErrNoRows) {
		p = nil
	} else if err != nil {
		return nil, fmt.Errorf("read service paging: %w", err)
	} else {
		if hours != "" {
			p.service.BusinessHours = new(tocsin.TimeWindow)
			if err := json.Unmarshal([]byte(hours), p.service.BusinessHours); err != nil {
				return nil, err
			}
		}
		if err := json.Unmarshal([]byte(maintenance), &p.service.Maintenance); err != nil {
			return nil, err
		}
		for id, js := range map[int64]string{p.service.EscalationPolicyID: steps, p.service.OffHoursPolicyID: offSteps} {
			var stored []storedStep
			if err := json.Unmarshal([]byte(js), &stored); err != nil {
				return nil, err
			}
			if len(stored) > 0 {
				p.firstDelay[id] = time.Duration(stored[0].DelayMinutes) * time.Minute
			}
		}
	}
	if cache != nil {
		cache[serviceID] = p
	}
	return p, nil
}

// escalationStart is how a newly triggered alert's escalation begins: its
// policy and first step's time (policy 0: nobody is paged), and the line
// its timeline gets, if any.
type escalationStart struct {
	policy int64
	nextAt time.Time
	line   tocsin.TimelineKind
	note   string
}

// planEscalation chooses the policy of a newly triggered alert and the time
// of its first step, or says why nobody is paged (maintenance, no policy;
// the latter only once, not at every re-trigger: again).
func (tx *Tx) planEscalation(ctx context.Context, serviceID int64, now time.Time, cache map[int64]*servicePaging, again bool) (escalationStart, error) {
	var p *servicePaging
	if serviceID != 0 {
		var err error
		if p, err = tx.paging(ctx, serviceID, cache); err != nil {
			return escalationStart{}, err
		}
	}
	switch {
	case p == nil && again:
		return escalationStart{}, nil
	case p == nil:
		return escalationStart{line: tocsin.TimelineEscalated, note: "no service: nobody is paged (route it to a service with a processing rule)"}, nil
	}
	if w := tocsin.InMaintenance(p.service.Maintenance, now); w != nil {
		return escalationStart{line: tocsin.TimelineMaintenance, note: "the service is in maintenance (" + w.String() + "): recorded without paging"}, nil
	}
	policy, offHours := p.service.PolicyAt(now)
	switch {
	case policy == 0 && again:
		return escalationStart{}, nil
	case policy == 0:
		return escalationStart{line: tocsin.TimelineEscalated, note: "the service has no escalation policy: nobody is paged"}, nil
	}
	start := escalationStart{policy: policy, nextAt: now.Add(p.firstDelay[policy])}
	if offHours {
		start.line, start.note = tocsin.TimelineEscalated, "outside the service's business hours: the off-hours escalation policy applies"
	}
	return start, nil
}

// escAt is the stored esc_next_at of a start: 0 when nothing is due.
func (s escalationStart) escAt() int64 {
	if s.policy == 0 {
		return 0
	}
	return ms(s.nextAt)
}

// record writes the start's timeline line, if it has one.
func (s escalationStart) record(ctx context.Context, tx *Tx, alertID int64, now time.Time) error {
	if s.note == "" {
		return nil
	}
	return tx.addTimeline(ctx, now, s.timeline(alertID))
}

// timeline is the line that says why nobody is paged (when note says so).
func (s escalationStart) timeline(alertID int64) TimelineLine {
	return TimelineLine{AlertID: alertID, Kind: s.line, Actor: "Tocsin", Channel: tocsin.ChannelEngine, Message: s.note}
}

// restartEscalation plans the escalation of an alert triggered again and
// schedules its first step.
func (tx *Tx) restartEscalation(ctx context.Context, alertID, serviceID int64, now time.Time) error {
	start, err := tx.planEscalation(ctx, serviceID, now, nil, true)
	if err != nil {
		return err
	}
	if start.policy != 0 {
		if _, err := tx.exec(ctx, `UPDATE alerts SET esc_policy_id = $1, esc_step = 0, esc_loop = 0, esc_next_at = $2 WHERE id = $3`,
			start.policy, start.escAt(), alertID); err != nil {
			return fmt.Errorf("start escalation: %w", err)
		}
	}
	return start.record(ctx, tx, alertID, now)
}

// escalationFollows keeps an alert's escalation in step with its status:
// acknowledging stops it, resolving ends it (both cancel pages not yet sent and
// tell those paged who opted in, but actorID, the person who did it),
// triggering again restarts it from the first step.
func (tx *Tx) escalationFollows(ctx context.Context, alertID int64, to tocsin.AlertStatus, actorID int64, now time.Time) error {
	if to == tocsin.StatusTriggered {
		var serviceID int64
		if err := tx.queryRow(ctx, `UPDATE alerts SET esc_epoch = esc_epoch + 1, esc_step = 0, esc_loop = 0, esc_next_at = 0 WHERE id = $1 RETURNING COALESCE(service_id, 0)`, alertID).Scan(&serviceID); err != nil {
			return fmt.Errorf("restart escalation: %w", err)
		}
		return tx.restartEscalation(ctx, alertID, serviceID, now)
	}
	if _, err := tx.exec(ctx, `UPDATE alerts SET esc_next_at = 0 WHERE id = $1`, alertID); err != nil {
		return err
	}
	// status || '': the alert's own few messages, by alert_id. Statistics
	// taken while few messages were pending would have PostgreSQL walk every
	// pending message of a storm instead (the pending-only index), 0.7 ms a
	// resolve.
	if _, err := tx.exec(ctx, `UPDATE notifications SET status = 'cancelled', error = $1 WHERE alert_id = $2 AND status || '' = 'pending' AND kind IN ('page', 'chat')`,
		"not needed: the alert was "+string(to), alertID); err != nil {
		return fmt.Errorf("cancel pages: %w", err)
	}
	return tx.queueStatusUpdates(ctx, alertID, to, actorID, now)
}

// queueStatusUpdates tells the people paged about an alert (who asked for it)
// that it was acknowledged or resolved, and rewrites its Slack messages. The
// person who acknowledged or resolved it (actorID; 0: a tool) knows already.
func (tx *Tx) queueStatusUpdates(ctx context.Context, alertID int64, to tocsin.AlertStatus, actorID int64, now time.Time) error {
	var epoch int
	if err := tx.queryRow(ctx, `SELECT esc_epoch FROM alerts WHERE id = $1`, alertID).Scan(&epoch); err != nil {
		return err
	}
	rows, err := tx.tx.QueryContext(ctx, `SELECT n.id, COALESCE(n.user_id, 0), COALESCE(n.contact_method_id, 0), n.type, n.destination, n.provider_id, COALESCE(u.notify_prefs, '{}')
		FROM notifications n LEFT JOIN users u ON u.id = n.user_id
		WHERE n.alert_id = $1 AND n.kind IN ('page', 'chat') AND n.status IN ('sent', 'bundled') ORDER BY n.id`, alertID)
	if err != nil {
		return fmt.Errorf("paged people: %w", err)
	}
	var queue []*tocsin.Notification
	told := map[int64]bool{}
	for rows.Next() {
		var id, userID, contactID int64
		var typ tocsin.ContactType
		var dest, provider, prefs string
		if err := rows.Scan(&id, &userID, &contactID, &typ, &dest, &provider, &prefs); err != nil {
			rows.Close()
			return err
		}
		if typ == tocsin.ContactSlack && provider != "" {
			// The message with the buttons changes in place, for everyone who sees it.
			queue = append(queue, &tocsin.Notification{Key: fmt.Sprintf("update/%d/%d/%s", id, epoch, to), Kind: tocsin.NotifyStatus, AlertID: alertID,
				UserID: userID, ContactMethodID: contactID, Type: typ, Destination: dest, Ref: provider})
			told[userID] = true
			continue
		}
		var p tocsin.NotifyPreferences
		json.Unmarshal([]byte(prefs), &p)
		if userID == 0 || userID == actorID || told[userID] || !p.StatusUpdates || typ == tocsin.ContactVoice {
			continue
		}
		told[userID] = true
		queue = append(queue, &tocsin.Notification{Key: fmt.Sprintf("status/%d/%d/%s/u%d", alertID, epoch, to, userID), Kind: tocsin.NotifyStatus, AlertID: alertID,
			UserID: userID, ContactMethodID: contactID, Type: typ, Destination: dest})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range queue {
		if _, err := tx.enqueue(ctx, n, now); err != nil {
			return err
		}
	}
	return nil
}

// dueEscalation selects the alerts a whose next step is due at $1. The
// status is compared as an expression (concatenated with an empty string) so that SQLite, which has
// no statistics, walks the small due index rather than every triggered
// alert (the status index): with thousands of alerts left open, the engine
// would read them all at each cycle. PostgreSQL plans it the same way.
const dueEscalation = `a.esc_next_at > 0 AND a.esc_next_at <= $1 AND a.status || '' = 'triggered'`

// DueEscalations returns the triggered alerts whose next step is due, oldest first.
func (db *DB) DueEscalations(ctx context.Context, now time.Time, limit int) ([]*tocsin.Alert, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+alertColumns+` FROM alerts a WHERE `+dueEscalation+` ORDER BY a.esc_next_at, a.id LIMIT $2`, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due escalations: %w", err)
	}
	defer rows.Close()
	var out []*tocsin.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// StepRun is what running one escalation step decided: the messages to queue,
// the timeline lines that explain them, and where the escalation goes next.
type StepRun struct {
	Alert    *tocsin.Alert // as read when the step was planned: the step runs only if it is unchanged
	Queue    []*tocsin.Notification
	Timeline []TimelineLine
	NextStep int
	NextLoop int
	NextAt   time.Time // zero: the policy is exhausted
}

// RunSteps records planned steps in one transaction (one durable commit for
// a burst). Each runs only if its alert is still where the plan found it
// (same trigger, pass and step, still triggered and due); the others are
// skipped. Queued rows whose key exists already are skipped too: a step run
// twice pages nobody twice. It returns how many ran.
func (db *DB) RunSteps(ctx context.Context, runs []*StepRun, now time.Time) (int, error) {
	ran := 0
	err := db.InTx(ctx, func(tx *Tx) error {
		applied, err := tx.advanceEscalations(ctx, runs, now)
		if err != nil {
			return err
		}
		ran = 0
		var lines []TimelineLine
		var queue []*tocsin.Notification
		for _, run := range runs {
			if !applied[run.Alert.ID] {
				continue
			}
			ran++
			lines = append(lines, run.Timeline...)
			queue = append(queue, run.Queue...)
		}
		if err := tx.enqueueAll(ctx, queue, now); err != nil {
			return err
		}
		if err := tx.addTimeline(ctx, now, lines...); err != nil {
			return err
		}
		return tx.bump(ctx, CounterAlerts)
	})
	return ran, err
}

// advanceEscalations moves each run's alert to its next step where the
// alert is still as the run was planned from; it returns the alerts moved.
func (tx *Tx) advanceEscalations(ctx context.Context, runs []*StepRun, now time.Time) (map[int64]bool, error) {
	applied := make(map[int64]bool, len(runs))
	rows := make([][]any, len(runs))
	for i, run := range runs {
		e := run.Alert.Escalation
		rows[i] = []any{run.Alert.ID, run.NextStep, run.NextLoop, ms(run.NextAt), e.Epoch, e.Loop, e.Step, e.UserID}
	}
	// The rows: id, then the next step, pass and time, then the epoch,
	// pass, step and person planned from. The status and the due time are
	// compared as expressions, which no index serves, so that the only way
	// to the rows is their ids: statistics taken before a storm can show
	// few alerts open or due, and PostgreSQL then read all of them (by the
	// open-alerts or the due index) to find the batch's, thousands during
	// the storm.
	err := tx.runRows(ctx, rowsStatement{
		head: `UPDATE alerts SET esc_step = v.column2, esc_loop = v.column3, esc_next_at = v.column4, esc_user_id = 0 FROM `,
		tail: ` WHERE alerts.id = v.column1 AND alerts.status || '' = 'triggered' AND alerts.esc_epoch = v.column5 AND alerts.esc_loop = v.column6
			AND alerts.esc_step = v.column7 AND alerts.esc_user_id = v.column8 AND alerts.esc_next_at + 0 BETWEEN 1 AND $1
			RETURNING alerts.id`,
		fixed: []any{ms(now)},
		types: slices.Repeat([]string{"BIGINT"}, 8),
		scan:  scanIDInto(applied),
	}, rows)
	if err != nil {
		return nil, fmt.Errorf("advance escalations: %w", err)
	}
	return applied, nil
}

// EscalateNow makes an alert's next step due at once; an exhausted policy
// starts a new pass. Only a triggered alert escalates.
func (db *DB) EscalateNow(ctx context.Context, alertID int64, actor string, channel tocsin.Channel, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		var status tocsin.AlertStatus
		var policy int64
		if err := tx.queryRow(ctx, `SELECT status, esc_policy_id FROM alerts WHERE id = $1`, alertID).Scan(&status, &policy); err != nil {
			return notFound(err, "alert %d not found", alertID)
		}
		if status != tocsin.StatusTriggered {
			return tocsin.Errorf(tocsin.ECONFLICT, "alert %d is %s: only a triggered alert escalates", alertID, status)
		}
		if policy == 0 {
			return tocsin.Errorf(tocsin.EINVALID, "alert %d has no escalation policy to follow: reassign it to someone instead", alertID)
		}
		if _, err := tx.exec(ctx, `UPDATE alerts SET esc_next_at = $1, updated_at = $1 WHERE id = $2`, ms(now), alertID); err != nil {
			return err
		}
		if err := tx.addTimeline(ctx, now, TimelineLine{AlertID: alertID, Kind: tocsin.TimelineEscalated, Actor: actor, Channel: channel, Message: "escalated now, without waiting"}); err != nil {
			return err
		}
		return tx.bump(ctx, CounterAlerts)
	})
}

// Reassign pages other people about an alert now: a person (by their own
// rules; if nobody acknowledges, the alert's policy starts over after
// tocsin.DefaultRepeatDelay) or a policy (which replaces the alert's, from its
// first step). An acknowledged alert is triggered again: someone else must act.
func (db *DB) Reassign(ctx context.Context, alertID int64, target tocsin.Target, actor string, channel tocsin.Channel, now time.Time) error {
	if target.Kind != tocsin.TargetUser && target.Kind != tocsin.TargetPolicy {
		return tocsin.Errorf(tocsin.EINVALID, "an alert is reassigned to a person (user:EMAIL) or an escalation policy (policy:NAME)")
	}
	return db.InTx(ctx, func(tx *Tx) error {
		var status tocsin.AlertStatus
		if err := tx.queryRow(ctx, `SELECT status FROM alerts WHERE id = $1`, alertID).Scan(&status); err != nil {
			return notFound(err, "alert %d not found", alertID)
		}
		if status == tocsin.StatusResolved {
			return tocsin.Errorf(tocsin.ECONFLICT, "alert %d is resolved", alertID)
		}
		var id int64
		var name string
		if target.Kind == tocsin.TargetUser {
			if err := tx.queryRow(ctx, `SELECT id, name FROM users WHERE email = $1`, target.Ref).Scan(&id, &name); err != nil {
				return notFound(err, "user %s not found", target.Ref)
			}
		} else if err := tx.queryRow(ctx, `SELECT id, name FROM escalation_policies WHERE name = $1`, target.Ref).Scan(&id, &name); err != nil {
			return notFound(err, "escalation policy %s not found", target.Ref)
		}
		if status == tocsin.StatusAcknowledged {
			// Not through escalationFollows: the reassignment decides what comes next.
			if err := setAlertStatus(ctx, tx, alertID, status, tocsin.StatusTriggered, actor, channel, now); err != nil {
				return err
			}
		}
		// A new trigger number: the pages that follow have keys of their own.
		var epoch int
		if err := tx.queryRow(ctx, `UPDATE alerts SET esc_epoch = esc_epoch + 1, updated_at = $1 WHERE id = $2 RETURNING esc_epoch`, ms(now), alertID).Scan(&epoch); err != nil {
			return err
		}
		if target.Kind == tocsin.TargetPolicy {
			_, err := tx.exec(ctx, `UPDATE alerts SET esc_policy_id = $1, esc_step = 0, esc_loop = 0, esc_next_at = $2 WHERE id = $3`, id, ms(now), alertID)
			if err != nil {
				return err
			}
		} else if _, err := tx.exec(ctx, `UPDATE alerts SET esc_user_id = $1, esc_step = 0, esc_loop = 0, esc_next_at = $2 WHERE id = $3`, id, ms(now), alertID); err != nil {
			return err
		}
		if err := tx.addTimeline(ctx, now, TimelineLine{AlertID: alertID, Kind: tocsin.TimelineReassigned, Actor: actor, Channel: channel, Message: "reassigned to " + name}); err != nil {
			return err
		}
		return tx.bump(ctx, CounterAlerts)
	})
}
