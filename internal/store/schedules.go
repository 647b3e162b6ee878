package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

func encodeLayers(layers []tocsin.Layer) (string, error) {
	b, err := json.Marshal(layers)
	return string(b), err
}

func decodeLayers(text string) ([]tocsin.Layer, error) {
	var layers []tocsin.Layer
	err := json.Unmarshal([]byte(text), &layers)
	return layers, err
}

// scheduleOptions is the options column: what a schedule says beyond its layers.
type scheduleOptions struct {
	Language string                 `json:"language,omitempty"`
	Holidays tocsin.HolidayCalendar `json:"holidays"`
	Pay      tocsin.PayRates        `json:"pay"`
}

func encodeOptions(s *tocsin.Schedule) string {
	b, _ := json.Marshal(scheduleOptions{Language: s.Language, Holidays: s.Holidays, Pay: s.Pay})
	return string(b)
}

const scheduleColumns = `id, name, COALESCE(team_id, 0), timezone, layers, options, created_at, updated_at`

func scanSchedule(row interface{ Scan(...any) error }) (*tocsin.Schedule, error) {
	var s tocsin.Schedule
	var layers, options string
	var created, updated int64
	err := row.Scan(&s.ID, &s.Name, &s.TeamID, &s.Timezone, &layers, &options, &created, &updated)
	if err != nil {
		return nil, err
	}
	s.CreatedAt, s.UpdatedAt = fromMS(created), fromMS(updated)
	if s.Layers, err = decodeLayers(layers); err != nil {
		return nil, fmt.Errorf("schedule %d layers: %w", s.ID, err)
	}
	var o scheduleOptions
	if err := json.Unmarshal([]byte(options), &o); err != nil {
		return nil, fmt.Errorf("schedule %d options: %w", s.ID, err)
	}
	s.Language, s.Holidays, s.Pay = o.Language, o.Holidays, o.Pay
	return &s, nil
}

// scheduleUsers lists every user a schedule's layers name: rotation
// participants and the users of fixed shifts, each once, sorted.
func scheduleUsers(s *tocsin.Schedule) []int64 {
	var ids []int64
	for _, l := range s.Layers {
		ids = append(ids, l.Participants...)
		for _, f := range l.Fixed {
			ids = append(ids, f.UserID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// checkSchedule validates s and fills its defaults. Validate is the contract
// internal/oncall computes on (zone, handoffs, lengths, override layers), so
// the store needs nothing from the package above it.
func checkSchedule(s *tocsin.Schedule) error {
	return s.Validate()
}

// CreateSchedule stores a new schedule with its layers and overrides. Time off
// belongs to users (AddTimeOff); s.TimeOff is ignored.
func (db *DB) CreateSchedule(ctx context.Context, s *tocsin.Schedule, now time.Time) error {
	s.TimeOff = nil
	if err := checkSchedule(s); err != nil {
		return err
	}
	layers, err := encodeLayers(s.Layers)
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.checkScheduleRefs(ctx, s); err != nil {
			return err
		}
		id, err := tx.insertID(ctx, `INSERT INTO schedules (name, team_id, timezone, layers, options, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
			s.Name, nullID(s.TeamID), s.Timezone, layers, encodeOptions(s), ms(now))
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "schedule %q exists already", s.Name)
		}
		if err != nil {
			return fmt.Errorf("create schedule: %w", err)
		}
		if err := tx.setScheduleUsers(ctx, id, s); err != nil {
			return err
		}
		for i := range s.Overrides {
			if err := tx.insertOverride(ctx, id, &s.Overrides[i], now); err != nil {
				return err
			}
		}
		if err := tx.bump(ctx, CounterSchedules); err != nil {
			return err
		}
		s.ID, s.CreatedAt = id, now.UTC().Truncate(time.Millisecond)
		s.UpdatedAt = s.CreatedAt
		return nil
	})
}

// UpdateSchedule changes a schedule's name, team, time zone, options and layers (by
// s.ID); its overrides stay, and must still name existing layers.
func (db *DB) UpdateSchedule(ctx context.Context, s *tocsin.Schedule, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		overrides, err := tx.overrides(ctx, s.ID)
		if err != nil {
			return err
		}
		check := *s
		check.Overrides, check.TimeOff = overrides, nil
		names := make(map[string]bool, len(s.Layers))
		for _, l := range s.Layers {
			names[strings.TrimSpace(tocsin.CleanText(l.Name))] = true
		}
		for _, o := range overrides {
			if o.Layer != "" && !names[o.Layer] {
				return tocsin.Errorf(tocsin.EINVALID, "layer %q has overrides (the first from %s): keep the layer, or delete its overrides first", o.Layer, o.Start.Format(time.RFC3339))
			}
		}
		if err := checkSchedule(&check); err != nil {
			return err
		}
		s.Name, s.Timezone, s.Layers, s.Overrides = check.Name, check.Timezone, check.Layers, overrides
		s.Language, s.Holidays, s.Pay = check.Language, check.Holidays, check.Pay
		layers, err := encodeLayers(s.Layers)
		if err != nil {
			return err
		}
		check.Overrides = nil // stored already; their users may have gone since
		if err := tx.checkScheduleRefs(ctx, &check); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE schedules SET name = $1, team_id = $2, timezone = $3, layers = $4, options = $5, updated_at = $6 WHERE id = $7`,
			s.Name, nullID(s.TeamID), s.Timezone, layers, encodeOptions(s), ms(now), s.ID)
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "schedule %q exists already", s.Name)
		}
		if err != nil {
			return fmt.Errorf("update schedule: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "schedule %d not found", s.ID)
		}
		if err := tx.setScheduleUsers(ctx, s.ID, s); err != nil {
			return err
		}
		s.UpdatedAt = now.UTC().Truncate(time.Millisecond)
		return tx.bump(ctx, CounterSchedules)
	})
}

// DeleteSchedule removes a schedule with its overrides.
func (db *DB) DeleteSchedule(ctx context.Context, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM schedules WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete schedule: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "schedule %d not found", id)
		}
		return tx.bump(ctx, CounterSchedules)
	})
}

// checkScheduleRefs checks that the team and every user the schedule names exist.
func (tx *Tx) checkScheduleRefs(ctx context.Context, s *tocsin.Schedule) error {
	var n int
	if s.TeamID != 0 {
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM teams WHERE id = $1`, s.TeamID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return tocsin.Errorf(tocsin.EINVALID, "team %d not found", s.TeamID)
		}
	}
	users := scheduleUsers(s)
	for _, o := range s.Overrides {
		users = append(users, o.UserID)
	}
	for _, id := range users {
		if err := tx.checkUser(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) checkUser(ctx context.Context, id int64) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE id = $1`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return tocsin.Errorf(tocsin.EINVALID, "user %d not found", id)
	}
	return nil
}

func (tx *Tx) setScheduleUsers(ctx context.Context, id int64, s *tocsin.Schedule) error {
	if _, err := tx.exec(ctx, `DELETE FROM schedule_participants WHERE schedule_id = $1`, id); err != nil {
		return fmt.Errorf("clear schedule participants: %w", err)
	}
	for _, u := range scheduleUsers(s) {
		if _, err := tx.exec(ctx, `INSERT INTO schedule_participants (schedule_id, user_id) VALUES ($1, $2)`, id, u); err != nil {
			return fmt.Errorf("add schedule participant: %w", err)
		}
	}
	return nil
}

// scheduleNamesOf lists the schedules whose layers name a user, by name.
func (tx *Tx) scheduleNamesOf(ctx context.Context, userID int64) ([]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT s.name FROM schedule_participants p JOIN schedules s ON s.id = p.schedule_id WHERE p.user_id = $1 ORDER BY s.name`, userID)
	if err != nil {
		return nil, fmt.Errorf("schedules of user: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// Schedule returns a schedule with its overrides and the time off of every
// user it names (participants and override users).
func (db *DB) Schedule(ctx context.Context, id int64) (*tocsin.Schedule, error) {
	s, err := scanSchedule(db.read.QueryRowContext(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "schedule %d not found", id)
	}
	return s, db.fillSchedule(ctx, s)
}

// ScheduleByName returns a schedule by name, as Schedule does.
func (db *DB) ScheduleByName(ctx context.Context, name string) (*tocsin.Schedule, error) {
	s, err := scanSchedule(db.read.QueryRowContext(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE name = $1`, name))
	if err != nil {
		return nil, notFound(err, "schedule %q not found", name)
	}
	return s, db.fillSchedule(ctx, s)
}

// Schedules lists schedules by name, complete as Schedule returns them: every
// schedule when teamID is 0, otherwise the team's.
func (db *DB) Schedules(ctx context.Context, teamID int64) ([]*tocsin.Schedule, error) {
	if teamID != 0 {
		return db.listSchedules(ctx, `WHERE team_id = $1`, teamID)
	}
	return db.listSchedules(ctx, ``)
}

// SchedulesOf lists, by name, the schedules that may put userID on call (as a
// participant, a fixed shift's holder or an override's), complete as Schedule
// returns them.
func (db *DB) SchedulesOf(ctx context.Context, userID int64) ([]*tocsin.Schedule, error) {
	return db.listSchedules(ctx, `WHERE id IN (
		SELECT schedule_id FROM schedule_participants WHERE user_id = $1 UNION SELECT schedule_id FROM schedule_overrides WHERE user_id = $1)`, userID)
}

// listSchedules reads the schedules a WHERE clause picks, by name, with their overrides.
func (db *DB) listSchedules(ctx context.Context, where string, args ...any) ([]*tocsin.Schedule, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+scheduleColumns+` FROM schedules `+where+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	var out []*tocsin.Schedule
	for rows.Next() {
		s, err := scanSchedule(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, s := range out {
		if err := db.fillSchedule(ctx, s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (db *DB) fillSchedule(ctx context.Context, s *tocsin.Schedule) error {
	rows, err := db.read.QueryContext(ctx, `SELECT id, layer, user_id, start_at, end_at, note, created_at FROM schedule_overrides WHERE schedule_id = $1 ORDER BY id`, s.ID)
	if err != nil {
		return fmt.Errorf("schedule overrides: %w", err)
	}
	s.Overrides, err = scanOverrides(rows)
	if err != nil {
		return err
	}
	rows, err = db.read.QueryContext(ctx, `SELECT id, user_id, start_at, end_at, note FROM time_off
		WHERE user_id IN (SELECT user_id FROM schedule_participants WHERE schedule_id = $1 UNION SELECT user_id FROM schedule_overrides WHERE schedule_id = $1)
		ORDER BY start_at, id`, s.ID)
	if err != nil {
		return fmt.Errorf("schedule time off: %w", err)
	}
	s.TimeOff, err = scanTimeOff(rows)
	return err
}

type rowsScanner interface {
	Next() bool
	Scan(...any) error
	Close() error
	Err() error
}

func scanOverrides(rows rowsScanner) ([]tocsin.Override, error) {
	defer rows.Close()
	var out []tocsin.Override
	for rows.Next() {
		var o tocsin.Override
		var start, end, created int64
		if err := rows.Scan(&o.ID, &o.Layer, &o.UserID, &start, &end, &o.Note, &created); err != nil {
			return nil, err
		}
		o.Start, o.End, o.CreatedAt = fromMS(start), fromMS(end), fromMS(created)
		out = append(out, o)
	}
	return out, rows.Err()
}

func scanTimeOff(rows rowsScanner) ([]tocsin.TimeOff, error) {
	defer rows.Close()
	var out []tocsin.TimeOff
	for rows.Next() {
		var t tocsin.TimeOff
		var start, end int64
		if err := rows.Scan(&t.ID, &t.UserID, &start, &end, &t.Note); err != nil {
			return nil, err
		}
		t.Start, t.End = fromMS(start), fromMS(end)
		out = append(out, t)
	}
	return out, rows.Err()
}

func (tx *Tx) overrides(ctx context.Context, scheduleID int64) ([]tocsin.Override, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT id, layer, user_id, start_at, end_at, note, created_at FROM schedule_overrides WHERE schedule_id = $1 ORDER BY id`, scheduleID)
	if err != nil {
		return nil, fmt.Errorf("schedule overrides: %w", err)
	}
	return scanOverrides(rows)
}

func (tx *Tx) insertOverride(ctx context.Context, scheduleID int64, o *tocsin.Override, now time.Time) error {
	id, err := tx.insertID(ctx, `INSERT INTO schedule_overrides (schedule_id, layer, user_id, start_at, end_at, note, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		scheduleID, o.Layer, o.UserID, ms(o.Start), ms(o.End), o.Note, ms(now))
	if err != nil {
		return fmt.Errorf("add override: %w", err)
	}
	o.ID, o.CreatedAt = id, now.UTC().Truncate(time.Millisecond)
	return nil
}

// AddOverrides adds overrides to a schedule, all or none: a swap is two.
// Later overrides win over earlier ones where they overlap.
func (db *DB) AddOverrides(ctx context.Context, scheduleID int64, overrides []tocsin.Override, now time.Time) error {
	if len(overrides) == 0 {
		return tocsin.Errorf(tocsin.EINVALID, "no override given")
	}
	return db.InTx(ctx, func(tx *Tx) error {
		s, err := scanSchedule(tx.queryRow(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE id = $1`, scheduleID))
		if err != nil {
			return notFound(err, "schedule %d not found", scheduleID)
		}
		existing, err := tx.overrides(ctx, scheduleID)
		if err != nil {
			return err
		}
		names := make(map[string]bool, len(s.Layers))
		for _, l := range s.Layers {
			names[l.Name] = true
		}
		if len(existing)+len(overrides) > tocsin.MaxOverrides {
			return tocsin.Errorf(tocsin.EINVALID, "a schedule has at most %d overrides", tocsin.MaxOverrides)
		}
		for i := range overrides {
			o := &overrides[i]
			if err := o.Validate(); err != nil {
				return err
			}
			if o.Layer != "" && !names[o.Layer] {
				return tocsin.Errorf(tocsin.EINVALID, "schedule %q has no layer named %q", s.Name, o.Layer)
			}
			if err := tx.checkUser(ctx, o.UserID); err != nil {
				return err
			}
			if err := tx.insertOverride(ctx, scheduleID, o, now); err != nil {
				return err
			}
		}
		return tx.bump(ctx, CounterSchedules)
	})
}

// DeleteOverride removes one override of a schedule.
func (db *DB) DeleteOverride(ctx context.Context, scheduleID, overrideID int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM schedule_overrides WHERE id = $1 AND schedule_id = $2`, overrideID, scheduleID)
		if err != nil {
			return fmt.Errorf("delete override: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "override %d of schedule %d not found", overrideID, scheduleID)
		}
		return tx.bump(ctx, CounterSchedules)
	})
}

// AddTimeOff records a window when a user must not be scheduled, in every
// schedule they are in.
func (db *DB) AddTimeOff(ctx context.Context, t *tocsin.TimeOff, now time.Time) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM time_off WHERE user_id = $1`, t.UserID).Scan(&n); err != nil {
			return err
		}
		if n >= tocsin.MaxTimeOffEntries {
			return tocsin.Errorf(tocsin.EINVALID, "a user has at most %d time-off entries", tocsin.MaxTimeOffEntries)
		}
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE id = $1`, t.UserID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "user %d not found", t.UserID)
		}
		id, err := tx.insertID(ctx, `INSERT INTO time_off (user_id, start_at, end_at, note, created_at) VALUES ($1, $2, $3, $4, $5)`,
			t.UserID, ms(t.Start), ms(t.End), t.Note, ms(now))
		if err != nil {
			return fmt.Errorf("add time off: %w", err)
		}
		t.ID = id
		return tx.bump(ctx, CounterSchedules)
	})
}

// DeleteTimeOff removes one of a user's time-off entries.
func (db *DB) DeleteTimeOff(ctx context.Context, userID, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM time_off WHERE id = $1 AND user_id = $2`, id, userID)
		if err != nil {
			return fmt.Errorf("delete time off: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "time off %d of user %d not found", id, userID)
		}
		return tx.bump(ctx, CounterSchedules)
	})
}

// TimeOff lists a user's time off, earliest first.
func (db *DB) TimeOff(ctx context.Context, userID int64) ([]tocsin.TimeOff, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, user_id, start_at, end_at, note FROM time_off WHERE user_id = $1 ORDER BY start_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("time off: %w", err)
	}
	return scanTimeOff(rows)
}
