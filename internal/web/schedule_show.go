package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

// planningDays is how far ahead the planning looks, from the start of today.
const planningDays = 56

// schedulePage is a schedule's planning as a picture: one row per layer, the
// final row (who is paged), time off, and the list of gaps.
type schedulePage struct {
	*view
	Schedule *tocsin.Schedule
	Team     string
	From, To time.Time
	Ticks    []planTick
	NowLeft  string // "" when now is outside the window
	Rows     []planRow
	Gaps     []planGap
	// Conflicts are contradictions in the window, worded: an override over
	// another, an override or fixed shift of someone off.
	Conflicts []string
	Legend    []legendItem
	Error     string // the schedule cannot be computed

	Window                        planWindow
	WeekChoices                   []int
	Prev, Next, Today, CSV, Query string // links of the planning's navigation; Query keeps the window in forms
	Overrides                     []overrideRow
}

// overrideRow is an upcoming override, as the schedule page lists it.
type overrideRow struct {
	ID        int64
	UserID    int64
	Name      string
	Start     time.Time
	End       time.Time
	Layer     string // "" for the final row
	Note      string
	CreatedAt time.Time
}

// planRow is one row of the picture.
type planRow struct {
	Name   string
	Kind   string // "layer", "final" or "off"
	Blocks []planBlock
}

// planBlock is a shift, a gap or a time-off entry placed on a row.
type planBlock struct {
	Left, Width string // percentages of the window
	Class       string
	Text        string
	Title       string
	Href        string // final-row shifts: the override form for this window
	UserID      int64
	Key         string // shiftKey, for final-row shifts
}

// planTick is a day line; weeks start on Monday and get a label.
type planTick struct {
	Left  string
	Week  bool
	Label string
}

// planGap is a window with nobody on call.
type planGap struct {
	Start, End time.Time
	Off        string // who is off, when that is the reason
}

// legendItem is a person's colour.
type legendItem struct {
	UserID int64
	Name   string
}

// conflictTexts words a plan's conflicts for people: who, when, and which entry applies.
func conflictTexts(v *view, s *tocsin.Schedule, list []oncall.Conflict, names map[int64]string) []string {
	var out []string
	for _, c := range list {
		row := v.T("schedule.final_row")
		if c.Layer >= 0 && c.Layer < len(s.Layers) {
			row = s.Layers[c.Layer].Name
		}
		args := []any{"Row", row, "From", v.Time(c.Start), "To", v.Time(c.End), "Name", nameOf(names, c.UserID)}
		pair := func(lost, won int64) []any {
			return append(args, "Lost", nameOf(names, lost), "Won", nameOf(names, won))
		}
		key := "schedule.conflict." + string(c.Kind)
		switch c.Kind {
		case oncall.ConflictOverlappingOverrides:
			if c.First < len(s.Overrides) && c.Second < len(s.Overrides) {
				args = pair(s.Overrides[c.First].UserID, s.Overrides[c.Second].UserID)
				if s.Overrides[c.First].UserID == s.Overrides[c.Second].UserID {
					key = "schedule.conflict.overlapping_overrides_same"
				}
			}
		case oncall.ConflictOverlappingFixed:
			if c.Layer >= 0 && c.Layer < len(s.Layers) && c.First < len(s.Layers[c.Layer].Fixed) && c.Second < len(s.Layers[c.Layer].Fixed) {
				args = pair(s.Layers[c.Layer].Fixed[c.First].UserID, s.Layers[c.Layer].Fixed[c.Second].UserID)
			}
		}
		out = append(out, v.T(key, args...))
	}
	return out
}

// planningWindow is the picture's window: 8 weeks from the start of today in the viewer's zone.
func (v *view) planningWindow() (time.Time, time.Time) {
	n := v.now.In(v.tz)
	return oncall.StartOfDay(n.Year(), n.Month(), n.Day(), v.tz), oncall.StartOfDay(n.Year(), n.Month(), n.Day()+planningDays, v.tz)
}

// The planning shows 8 weeks unless asked for 1 to 13.
const (
	defaultPlanWeeks = 8
	maxPlanWeeks     = 13
	maxPlanYears     = 10 // how far from today ?from= may go
)

// planWindow is the planning's window: whole weeks from the start of a day in
// the viewer's zone.
type planWindow struct {
	From, To time.Time
	Weeks    int
	query    string // from=…&weeks=… as asked; "" for the default window
}

// readWindow reads ?from=YYYY-MM-DD and ?weeks=N; empty values take the
// defaults: today, 8 weeks.
func (v *view) readWindow(fromRaw, weeksRaw string) (planWindow, error) {
	fromRaw, weeksRaw = strings.TrimSpace(fromRaw), strings.TrimSpace(weeksRaw)
	win := planWindow{Weeks: defaultPlanWeeks}
	if weeksRaw != "" {
		n, err := strconv.Atoi(weeksRaw)
		if err != nil || n < 1 || n > maxPlanWeeks {
			return win, tocsin.Errorf(tocsin.EINVALID, "weeks=%q is not a number of weeks from 1 to %d", shortParam(weeksRaw, 20), maxPlanWeeks)
		}
		win.Weeks = n
	}
	today, _ := v.planningWindow()
	win.From = today
	if fromRaw != "" {
		date, err := time.Parse(time.DateOnly, fromRaw)
		d := oncall.StartOfDay(date.Year(), date.Month(), date.Day(), v.tz)
		if err != nil {
			return win, tocsin.Errorf(tocsin.EINVALID, "from=%q is not a date (YYYY-MM-DD)", shortParam(fromRaw, 40))
		}
		if d.Before(today.AddDate(-maxPlanYears, 0, 0)) || d.After(today.AddDate(maxPlanYears, 0, 0)) {
			return win, tocsin.Errorf(tocsin.EINVALID, "from=%s is more than %d years away from today", fromRaw, maxPlanYears)
		}
		win.From = d
	}
	win.To = oncall.StartOfDay(win.From.Year(), win.From.Month(), win.From.Day()+7*win.Weeks, v.tz)
	win.query = windowQuery(fromRaw, win.Weeks)
	return win, nil
}

// windowQuery is the query string of a window: "" for today's default one.
func windowQuery(from string, weeks int) string {
	q := url.Values{}
	if from != "" {
		q.Set("from", from)
	}
	if weeks != defaultPlanWeeks {
		q.Set("weeks", strconv.Itoa(weeks))
	}
	return q.Encode()
}

func shortParam(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// scheduleShow serves GET /schedules/{id}.
func (h *Handler) scheduleShow(w http.ResponseWriter, r *http.Request, v *view) {
	s := h.pathSchedule(w, r, v)
	if s == nil {
		return
	}
	ctx := r.Context()
	names, _, err := h.userNames(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p := &schedulePage{view: v, Schedule: s}
	if s.TeamID != 0 {
		if t, err := h.opts.DB.Team(ctx, s.TeamID); err == nil {
			p.Team = t.Name
		}
	}
	q := r.URL.Query()
	win, err := v.readWindow(q.Get("from"), q.Get("weeks"))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p.navigate(win)
	p.listOverrides(names)
	plan, err := oncall.Shifts(s, p.From, p.To)
	if err != nil {
		p.Error = tocsin.ErrorMessage(err)
		h.render(w, r, http.StatusOK, "schedule_show", p)
		return
	}
	p.build(s, plan, names)
	h.render(w, r, http.StatusOK, "schedule_show", p)
}

// navigate sets the window and the links that move it.
func (p *schedulePage) navigate(win planWindow) {
	p.Window, p.From, p.To = win, win.From, win.To
	base := "/schedules/" + strconv.FormatInt(p.Schedule.ID, 10)
	link := func(q string) string {
		if q == "" {
			return base
		}
		return base + "?" + q
	}
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	p.Prev = link(windowQuery(day(oncall.StartOfDay(win.From.Year(), win.From.Month(), win.From.Day()-7*win.Weeks, p.tz)), win.Weeks))
	p.Next = link(windowQuery(day(win.To), win.Weeks))
	p.Today = link(windowQuery("", win.Weeks))
	p.CSV = base + "/planning.csv?" + url.Values{"from": {day(win.From)}, "weeks": {strconv.Itoa(win.Weeks)}}.Encode()
	p.Query = win.query
	for n := 1; n <= maxPlanWeeks; n++ {
		p.WeekChoices = append(p.WeekChoices, n)
	}
}

// listOverrides lists the overrides that have not ended, soonest first.
func (p *schedulePage) listOverrides(names map[int64]string) {
	for _, o := range p.Schedule.Overrides {
		if !o.End.After(p.view.now) {
			continue
		}
		p.Overrides = append(p.Overrides, overrideRow{ID: o.ID, UserID: o.UserID, Name: nameOf(names, o.UserID), Start: o.Start, End: o.End,
			Layer: o.Layer, Note: o.Note, CreatedAt: o.CreatedAt})
	}
	slices.SortStableFunc(p.Overrides, func(a, b overrideRow) int { return a.Start.Compare(b.Start) })
}

// FromDate is the window's first day, for the date field.
func (p *schedulePage) FromDate() string { return p.From.Format(time.DateOnly) }

// pct places an instant in the window, as a percentage.
func (p *schedulePage) pct(t time.Time) float64 {
	span := p.To.Sub(p.From)
	x := float64(t.Sub(p.From)) / float64(span) * 100
	return min(max(x, 0), 100)
}

func fmtPct(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }

func (p *schedulePage) block(start, end time.Time) planBlock {
	l, r := p.pct(start), p.pct(end)
	return planBlock{Left: fmtPct(l), Width: fmtPct(r - l)}
}

func (p *schedulePage) build(s *tocsin.Schedule, plan oncall.Plan, names map[int64]string) {
	v := p.view
	for d := p.From; d.Before(p.To); d = oncall.StartOfDay(d.Year(), d.Month(), d.Day()+1, v.tz) {
		t := planTick{Left: fmtPct(p.pct(d)), Week: d.Weekday() == time.Monday}
		// The window's first day is labelled too, unless a Monday's label
		// follows within three days and the two would overlap.
		nextMonday := (8 - int(d.Weekday())) % 7
		if t.Week || (d.Equal(p.From) && nextMonday > 3) {
			t.Label = d.Format("2006-01-02")
		}
		p.Ticks = append(p.Ticks, t)
	}
	if !v.now.Before(p.From) && v.now.Before(p.To) {
		p.NowLeft = fmtPct(p.pct(v.now))
	}
	seen := map[int64]bool{}
	person := func(id int64) string {
		if !seen[id] {
			seen[id] = true
			p.Legend = append(p.Legend, legendItem{UserID: id, Name: nameOf(names, id)})
		}
		return nameOf(names, id)
	}
	window := func(a, b time.Time) string { return v.Time(a) + " → " + v.Time(b) }
	for _, lp := range plan.Layers {
		row := planRow{Name: lp.Name, Kind: "layer"}
		for _, sh := range lp.Shifts {
			b := p.block(sh.Start, sh.End)
			b.UserID, b.Class, b.Text = sh.UserID, colour(sh.UserID), person(sh.UserID)
			b.Title = b.Text + ": " + window(sh.Start, sh.End)
			row.Blocks = append(row.Blocks, b)
		}
		for _, g := range lp.Gaps {
			b := p.block(g.Start, g.End)
			b.Class, b.Text = "gap", v.T("oncall.nobody")
			b.Title = b.Text + ": " + window(g.Start, g.End)
			row.Blocks = append(row.Blocks, b)
		}
		p.Rows = append(p.Rows, row)
	}
	final := planRow{Name: v.T("schedule.final_row"), Kind: "final"}
	for _, sh := range plan.Final {
		b := p.block(sh.Start, sh.End)
		b.UserID, b.Class, b.Text = sh.UserID, colour(sh.UserID), person(sh.UserID)
		b.Key = shiftKey(sh.Start, sh.End, sh.UserID)
		b.Title = b.Text + ": " + window(sh.Start, sh.End) + " · " + v.reasonText(sh.Reason)
		b.Href = "/schedules/" + strconv.FormatInt(s.ID, 10) + "/override?shift=" + url.QueryEscape(b.Key)
		final.Blocks = append(final.Blocks, b)
	}
	for _, g := range plan.Gaps {
		b := p.block(g.Start, g.End)
		b.Class, b.Text = "gap", v.T("oncall.nobody")
		b.Title = v.T("schedule.gap", "From", v.Time(g.Start), "To", v.Time(g.End))
		final.Blocks = append(final.Blocks, b)
		pg := planGap{Start: g.Start, End: g.End}
		if g.Off != 0 {
			pg.Off = nameOf(names, g.Off)
		}
		p.Gaps = append(p.Gaps, pg)
	}
	p.Rows = append(p.Rows, final)
	p.Conflicts = conflictTexts(v, s, plan.Conflicts, names)
	// One time-off row per person, so that two people off at once both show.
	offRows := map[int64]int{}
	for _, t := range s.TimeOff {
		if !t.End.After(p.From) || !t.Start.Before(p.To) {
			continue
		}
		i, ok := offRows[t.UserID]
		if !ok {
			i = len(p.Rows)
			offRows[t.UserID] = i
			p.Rows = append(p.Rows, planRow{Name: v.T("schedule.time_off_of", "Name", nameOf(names, t.UserID)), Kind: "off"})
		}
		b := p.block(t.Start, t.End)
		b.UserID, b.Class, b.Text = t.UserID, "off "+colour(t.UserID), nameOf(names, t.UserID)
		b.Title = b.Text + ": " + window(t.Start, t.End)
		if t.Note != "" {
			b.Title += " · " + t.Note
			b.Text += " · " + t.Note
		}
		p.Rows[i].Blocks = append(p.Rows[i].Blocks, b)
	}
}
