package apply

import (
	"context"
	"fmt"
	"reflect"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

// Schedule is an on-call schedule: a time zone and rotation layers, lowest
// first (a higher layer wins wherever it has someone). Overrides and time off
// are day-to-day actions, made in the UI, the API or the CLI, not here.
type Schedule struct {
	Name     string  `yaml:"name"`
	Team     string  `yaml:"team,omitempty"`
	Timezone string  `yaml:"timezone,omitempty"` // default UTC
	Layers   []Layer `yaml:"layers,omitempty"`

	Language string                 `yaml:"language,omitempty"` // en or fr: the on-call phone number's prompts
	Holidays tocsin.HolidayCalendar `yaml:"holidays,omitempty"` // for the on-call pay report
	Pay      tocsin.PayRates        `yaml:"pay,omitempty"`      // rates, for the on-call pay report
	src      string
}

// options copies what a schedule says beyond its layers.
func (s *Schedule) options(dst *tocsin.Schedule) {
	dst.Language, dst.Holidays, dst.Pay = s.Language, s.Holidays, s.Pay
	dst.Holidays.Dates = append([]string(nil), s.Holidays.Dates...)
}

// Layer is a rotation. Fixed layers (imported plans) are not written in files
// yet: apply keeps those a schedule has, export leaves them out.
type Layer struct {
	Name          string               `yaml:"name"`
	Participants  []string             `yaml:"participants,omitempty"` // e-mails, in rotation order
	Rotation      Rotation             `yaml:"rotation"`
	Restrictions  []tocsin.TimeWindow  `yaml:"restrictions,omitempty"` // time zone: the schedule's
	TimeOffPolicy tocsin.TimeOffPolicy `yaml:"time_off_policy,omitempty"`
}

// Rotation is how a layer's participants take turns.
type Rotation struct {
	Length  string `yaml:"length"`  // 12h, 1d, 1w…
	Handoff string `yaml:"handoff"` // "09:00", or "Mon 09:00" for weekly rotations
	Start   string `yaml:"start"`   // local date of the first handoff, YYYY-MM-DD
}

// layerOf turns a file's layer into the domain's, user ids from id.
func layerOf(l Layer, id func(email string) int64) (tocsin.Layer, error) {
	out := tocsin.Layer{Name: l.Name, Kind: tocsin.LayerRotation, Handoff: l.Rotation.Handoff, Start: l.Rotation.Start,
		TimeOff: l.TimeOffPolicy, Restrictions: append([]tocsin.TimeWindow(nil), l.Restrictions...)}
	if l.Rotation.Length != "" {
		length, err := tocsin.ParseShiftLength(l.Rotation.Length)
		if err != nil {
			return out, tocsin.Errorf(tocsin.EINVALID, "layer %q: %s", l.Name, tocsin.ErrorMessage(err))
		}
		out.Length = length
	}
	for _, e := range l.Participants {
		out.Participants = append(out.Participants, id(normalEmail(e)))
	}
	return out, nil
}

// fileLayer turns a validated rotation layer back into the file's shape:
// restrictions in the schedule's zone leave the zone out.
func fileLayer(l tocsin.Layer, zone string, email func(int64) string) Layer {
	out := Layer{Name: l.Name, Rotation: Rotation{Length: l.Length.String(), Handoff: l.Handoff, Start: l.Start}, TimeOffPolicy: l.TimeOff}
	for _, id := range l.Participants {
		out.Participants = append(out.Participants, email(id))
	}
	for _, w := range l.Restrictions {
		if w.Timezone == zone {
			w.Timezone = ""
		}
		out.Restrictions = append(out.Restrictions, w)
	}
	return out
}

func (p *planner) planSchedules() {
	seen := map[string]string{}
	for i := range p.doc.Schedules {
		s := &p.doc.Schedules[i]
		if prev, dup := seen[s.Name]; dup && s.Name != "" {
			p.fail(s.src, "schedule %s is declared twice (also at %s)", s.Name, prev)
			continue
		}
		seen[s.Name] = s.src
		p.planSchedule(s)
	}
}

func (p *planner) planSchedule(s *Schedule) {
	ok := true
	if s.Team != "" && !p.teamKnown(s.Team) {
		p.fail(s.src, "schedule %s: team %s does not exist (declare it under teams:)", s.Name, s.Team)
		ok = false
	}
	// Check with stand-in ids (1, 2… by e-mail): the users may not exist yet.
	fake := map[string]int64{}
	emails := map[int64]string{}
	idOf := func(email string) int64 {
		if id, ok := fake[email]; ok {
			return id
		}
		id := int64(len(fake) + 1)
		fake[email], emails[id] = id, email
		return id
	}
	check := tocsin.Schedule{Name: s.Name, Timezone: s.Timezone}
	s.options(&check)
	for _, l := range s.Layers {
		for _, e := range l.Participants {
			if email := normalEmail(e); !p.userKnown(email) {
				p.fail(s.src, "schedule %s: layer %s: participant %s is not a user (declare it under users:)", s.Name, l.Name, email)
				ok = false
			}
		}
		layer, err := layerOf(l, idOf)
		if err != nil {
			p.fail(s.src, "schedule %s: %s", s.Name, tocsin.ErrorMessage(err))
			ok = false
			continue
		}
		check.Layers = append(check.Layers, layer)
	}
	if !ok {
		return
	}
	if err := check.Validate(); err != nil {
		p.fail(s.src, "schedule %s: %s", s.Name, tocsin.ErrorMessage(err))
		return
	}
	if _, err := oncall.Compile(&check, nil); err != nil {
		p.fail(s.src, "schedule %s: %s", s.Name, tocsin.ErrorMessage(err))
		return
	}
	want := make([]Layer, len(check.Layers))
	for i, l := range check.Layers {
		want[i] = fileLayer(l, check.Timezone, func(id int64) string { return emails[id] })
	}
	name, zone, team := check.Name, check.Timezone, s.Team
	opts := Schedule{Language: check.Language, Holidays: check.Holidays, Pay: check.Pay}
	build := func(x *executor, keep []tocsin.Layer) []tocsin.Layer {
		var layers []tocsin.Layer
		for _, l := range want {
			layer, _ := layerOf(l, func(email string) int64 { return x.ids.users[email] })
			layers = append(layers, layer)
		}
		return append(layers, keep...)
	}

	cur := p.cur.scheduleByName[name]
	if cur == nil {
		detail := fmt.Sprintf("%s, %d layers", zone, len(want))
		if len(want) == 1 {
			detail = zone + ", 1 layer"
		}
		if team != "" {
			detail = "team " + team + ", " + detail
		}
		p.change(Change{Op: Create, What: "schedule " + name, Detail: detail,
			run: func(ctx context.Context, x *executor) error {
				sched := &tocsin.Schedule{Name: name, TeamID: x.ids.teams[team], Timezone: zone, Layers: build(x, nil)}
				opts.options(sched)
				return x.db.CreateSchedule(ctx, sched, x.now)
			}})
		return
	}
	have, fixed := p.cur.fileLayers(cur)
	var diffs []string
	if curTeam := p.cur.teamNameByID[cur.TeamID]; curTeam != team {
		diffs = append(diffs, fmt.Sprintf("team %s → %s", orNone(curTeam), orNone(team)))
	}
	if cur.Timezone != zone {
		diffs = append(diffs, fmt.Sprintf("time zone %s → %s", cur.Timezone, zone))
	}
	if cur.Language != opts.Language {
		diffs = append(diffs, fmt.Sprintf("language %s → %s", orNone(cur.Language), orNone(opts.Language)))
	}
	if !reflect.DeepEqual(holidayDates(cur.Holidays), holidayDates(opts.Holidays)) || cur.Holidays.Country != opts.Holidays.Country {
		diffs = append(diffs, "holidays")
	}
	if cur.Pay != opts.Pay {
		diffs = append(diffs, "pay")
	}
	diffs = append(diffs, layerDiffs(have, want)...)
	if len(diffs) == 0 {
		return
	}
	id := cur.ID
	p.change(Change{Op: Update, What: "schedule " + name, Detail: list(diffs),
		run: func(ctx context.Context, x *executor) error {
			sched := &tocsin.Schedule{ID: id, Name: name, TeamID: x.ids.teams[team], Timezone: zone, Layers: build(x, fixed)}
			opts.options(sched)
			return x.db.UpdateSchedule(ctx, sched, x.now)
		}})
}

// holidayDates is a calendar's extra dates, nil when there are none.
func holidayDates(h tocsin.HolidayCalendar) []string {
	if len(h.Dates) == 0 {
		return nil
	}
	return h.Dates
}

// layerDiffs names what changes between two lists of layers.
func layerDiffs(have, want []Layer) []string {
	var diffs []string
	byName := map[string]Layer{}
	for _, l := range have {
		byName[l.Name] = l
	}
	wanted := map[string]bool{}
	for i, l := range want {
		wanted[l.Name] = true
		h, ok := byName[l.Name]
		switch {
		case !ok:
			diffs = append(diffs, "+layer "+l.Name)
		case !reflect.DeepEqual(h, l):
			diffs = append(diffs, "layer "+l.Name)
		case i >= len(have) || have[i].Name != l.Name:
			diffs = append(diffs, "layer "+l.Name+" moved")
		}
	}
	for _, l := range have {
		if !wanted[l.Name] {
			diffs = append(diffs, "-layer "+l.Name)
		}
	}
	return diffs
}

// fileLayers returns a stored schedule's rotation layers in the file's shape,
// and its fixed layers, which files do not hold.
func (c *current) fileLayers(s *tocsin.Schedule) (rotations []Layer, fixed []tocsin.Layer) {
	for _, l := range s.Layers {
		if l.Kind == tocsin.LayerFixed {
			fixed = append(fixed, l)
			continue
		}
		rotations = append(rotations, fileLayer(l, s.Timezone, func(id int64) string { return c.emailByID[id] }))
	}
	return rotations, fixed
}

func (p *planner) pruneSchedules() {
	if !p.pruning("schedules") {
		return
	}
	declared := map[string]bool{}
	for _, s := range p.doc.Schedules {
		declared[s.Name] = true
	}
	for _, s := range p.cur.schedules {
		if declared[s.Name] {
			continue
		}
		id := s.ID
		detail := ""
		if n := len(s.Overrides); n > 0 {
			detail = fmt.Sprintf("with its %d overrides", n)
		}
		p.deletes = append(p.deletes, Change{Op: Delete, What: "schedule " + s.Name, Detail: detail,
			run: func(ctx context.Context, x *executor) error { return x.db.DeleteSchedule(ctx, id) }})
	}
}

// exportSchedules writes the schedules with their rotation layers; fixed
// layers are left out (apply keeps them).
func (c *current) exportSchedules() []Schedule {
	var out []Schedule
	for _, s := range c.schedules {
		layers, _ := c.fileLayers(s)
		out = append(out, Schedule{Name: s.Name, Team: c.teamNameByID[s.TeamID], Timezone: s.Timezone, Layers: layers,
			Language: s.Language, Holidays: s.Holidays, Pay: s.Pay})
	}
	return out
}
