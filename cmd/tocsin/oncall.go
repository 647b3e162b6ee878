package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
	"github.com/tocsin/tocsin/internal/store"
)

type oncallCmd struct {
	database
	Schedule string `arg:"" optional:"" help:"Schedule name or id; every schedule when left out."`
	At       string `placeholder:"TIME" help:"Ask about TIME instead of now: RFC 3339 (2026-11-23T09:00:00+01:00), or \"2026-11-23 09:00\" in the schedule's time zone."`
}

// handoffHorizon is how far ahead the next handoff is looked for.
const handoffHorizon = 90 * 24 * time.Hour

func (c *oncallCmd) Run(ctx context.Context, out io.Writer, clock tocsin.Clock) error {
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	var schedules []*tocsin.Schedule
	if c.Schedule == "" {
		if schedules, err = db.Schedules(ctx, 0); err != nil {
			return err
		}
		if len(schedules) == 0 {
			fmt.Fprintln(out, "no schedules yet (declare them under schedules: and run tocsin apply)")
			return nil
		}
	} else {
		s, err := findSchedule(ctx, db, c.Schedule)
		if err != nil {
			return err
		}
		schedules = append(schedules, s)
	}
	names := map[int64]string{}
	users, err := db.Users(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		names[u.ID] = fmt.Sprintf("%s <%s>", u.Name, u.Email)
	}
	zones := oncall.Zones{}
	for _, s := range schedules {
		compiled, err := oncall.Compile(s, zones)
		if err != nil {
			return fmt.Errorf("schedule %s: %w", s.Name, err)
		}
		loc, _ := zones.Load(s.Timezone)
		at := clock.Now()
		if c.At != "" {
			if at, err = parseAt(c.At, loc); err != nil {
				return err
			}
		}
		who := compiled.At(at)
		stamp := at.In(loc).Format("2006-01-02 15:04 MST")
		if who.Final.UserID == 0 {
			fmt.Fprintf(out, "%s (%s): nobody is on call at %s\n", s.Name, s.Timezone, stamp)
		} else {
			fmt.Fprintf(out, "%s (%s): %s is on call at %s (%s)\n", s.Name, s.Timezone, names[who.Final.UserID], stamp, reason(s, who.Final))
		}
		plan, err := compiled.Shifts(at, at.Add(handoffHorizon))
		if err != nil {
			return err
		}
		next := nextHandoff(plan, at)
		switch {
		case next == nil && who.Final.UserID == 0:
			fmt.Fprintf(out, "  nobody in the next %d days\n", int(handoffHorizon.Hours()/24))
		case next == nil:
			fmt.Fprintf(out, "  no handoff in the next %d days\n", int(handoffHorizon.Hours()/24))
		case next.UserID == 0:
			fmt.Fprintf(out, "  next handoff: %s → nobody\n", next.Start.In(loc).Format("2006-01-02 15:04 MST"))
		default:
			fmt.Fprintf(out, "  next handoff: %s → %s\n", next.Start.In(loc).Format("2006-01-02 15:04 MST"), names[next.UserID])
		}
	}
	return nil
}

// nextHandoff is the first change of who is paged after at: the next final
// shift (UserID 0 when a gap follows), or nil when nothing changes in the plan.
func nextHandoff(plan oncall.Plan, at time.Time) *oncall.Shift {
	var current int64
	for _, s := range plan.Final {
		if !s.Start.After(at) && s.End.After(at) {
			current = s.UserID
		}
	}
	var best *oncall.Shift
	for i := range plan.Final {
		s := &plan.Final[i]
		if s.Start.After(at) && s.UserID != current {
			best = s
			break
		}
	}
	for _, g := range plan.Gaps {
		if current != 0 && g.Start.After(at) && (best == nil || g.Start.Before(best.Start)) {
			best = &oncall.Shift{Start: g.Start, End: g.End}
			break
		}
	}
	return best
}

func reason(s *tocsin.Schedule, a oncall.Assignment) string {
	layer := "final row"
	if a.Layer >= 0 && a.Layer < len(s.Layers) {
		layer = "layer " + s.Layers[a.Layer].Name
	}
	return string(a.Reason) + ", " + layer
}

// parseAt reads RFC 3339, or a local "2026-11-23 09:00" in loc: as the web's
// forms do, a time the clocks skip is refused rather than moved by the jump.
// A date alone is the start of that day, even where midnight does not exist.
func parseAt(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return oncall.StartOfDay(d.Year(), d.Month(), d.Day(), loc).UTC(), nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			if wall, _ := time.Parse(layout, s); t.In(loc).Format(time.DateTime) != wall.Format(time.DateTime) {
				return time.Time{}, tocsin.Errorf(tocsin.EINVALID, "--at %q does not exist in %s: the clocks jump forward over that time", s, loc)
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, tocsin.Errorf(tocsin.EINVALID, "--at %q is not RFC 3339 (2026-11-23T09:00:00+01:00) nor a local \"2026-11-23 09:00\"", s)
}

// findSchedule finds a schedule by id (digits) or by name.
func findSchedule(ctx context.Context, db *store.DB, idOrName string) (*tocsin.Schedule, error) {
	if id, err := strconv.ParseInt(idOrName, 10, 64); err == nil && id > 0 {
		return db.Schedule(ctx, id)
	}
	return db.ScheduleByName(ctx, idOrName)
}
