package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// scheduleForm is a schedule as its form shows it: text as typed, so that a
// refused form comes back exactly as it was sent.
type scheduleForm struct {
	ID                                          int64
	Version                                     string // the stored schedule's updated_at (ms) when the form was opened
	Name, TeamID, Timezone, Language            string
	Country, Dates                              string // holidays: built-in calendar, extra dates one a line
	Currency, Weekday, Weekend, Holiday, Hourly string // pay rates
	Layers                                      []layerForm
	Error                                       string
}

// layerForm is one layer block of the form, lowest first.
type layerForm struct {
	Index        int  // position in the form, for field names
	Fixed        bool // an imported plan: shown read-only and kept as it is
	FixedShifts  int
	Name         string
	Participants string // one e-mail address a line, in rotation order
	Length       string
	Handoff      string
	Start        string
	TimeOff      string
	Restrictions []restrictionForm
	Remove       bool
	New          bool // the "add a layer" block
	First, Last  bool // no "move up" on the first block, no "move down" on the last
}

// restrictionForm is one row of a layer's restrictions.
type restrictionForm struct {
	Layer, Index int
	Days         map[string]bool
	Start, End   string
	Outside      bool
}

// F names a field of the layer in the form: "l2.name".
func (l layerForm) F(field string) string { return fmt.Sprintf("l%d.%s", l.Index, field) }

// ID is the HTML id of a field of the layer: "l2-name".
func (l layerForm) ID(field string) string { return fmt.Sprintf("l%d-%s", l.Index, field) }

// F names a field of the restriction row in the form: "l2.r0.start".
func (r restrictionForm) F(field string) string {
	return fmt.Sprintf("l%d.r%d.%s", r.Layer, r.Index, field)
}

// ID is the HTML id of a field of the restriction row.
func (r restrictionForm) ID(field string) string {
	return fmt.Sprintf("l%d-r%d-%s", r.Layer, r.Index, field)
}

func (r restrictionForm) blank() bool {
	return r.Start == "" && r.End == "" && !r.Outside && len(r.Days) == 0
}

func (l layerForm) blank() bool {
	return !l.Fixed && l.Name == "" && strings.TrimSpace(l.Participants) == ""
}

// scheduleEditPage is the form that creates or edits a schedule.
type scheduleEditPage struct {
	*view
	Form      scheduleForm
	Teams     []*tocsin.Team
	Users     []*tocsin.User
	Languages []string
	Countries []string
	Weekdays  []string
	Lengths   []string
}

// scheduleFormFrom shows a stored schedule in the form.
func scheduleFormFrom(s *tocsin.Schedule, users []*tocsin.User) scheduleForm {
	emails := make(map[int64]string, len(users))
	for _, u := range users {
		emails[u.ID] = u.Email
	}
	f := scheduleForm{ID: s.ID, Version: scheduleVersion(s), Name: s.Name, Timezone: s.Timezone, Language: s.Language,
		Country: s.Holidays.Country, Dates: strings.Join(s.Holidays.Dates, "\n"), Currency: s.Pay.Currency}
	if f.Language == "" {
		f.Language = tocsin.Locales()[0]
	}
	if s.TeamID != 0 {
		f.TeamID = fmt.Sprint(s.TeamID)
	}
	money := func(m tocsin.Money) string {
		if m == 0 {
			return ""
		}
		return m.String()
	}
	f.Weekday, f.Weekend, f.Holiday, f.Hourly = money(s.Pay.Weekday), money(s.Pay.Weekend), money(s.Pay.Holiday), money(s.Pay.Hourly)
	for _, l := range s.Layers {
		lf := layerForm{Name: l.Name, Handoff: l.Handoff, Start: l.Start, TimeOff: string(l.TimeOff)}
		if l.Kind == tocsin.LayerFixed {
			lf.Fixed, lf.FixedShifts = true, len(l.Fixed)
			f.Layers = append(f.Layers, lf)
			continue
		}
		if l.Length != (tocsin.ShiftLength{}) {
			lf.Length = l.Length.String()
		}
		var lines []string
		for _, id := range l.Participants {
			if e, ok := emails[id]; ok {
				lines = append(lines, e)
			} else {
				lines = append(lines, fmt.Sprintf("#%d", id))
			}
		}
		lf.Participants = strings.Join(lines, "\n")
		for _, w := range l.Restrictions {
			rf := restrictionForm{Days: map[string]bool{}, Start: w.Start, End: w.End, Outside: w.Outside}
			for _, d := range w.Days {
				rf.Days[strings.ToLower(d)] = true
			}
			lf.Restrictions = append(lf.Restrictions, rf)
		}
		f.Layers = append(f.Layers, lf)
	}
	return f
}

// newLayerBlock is the empty "add a layer" block, with the usual weekly rotation
// filled in so that a name and participants are all it needs. It starts at the
// last Monday 09:00 already passed, so that its first participant is on call
// from the moment it is saved: a start of today would leave the layer empty
// until next Monday.
func (v *view) newLayerBlock() layerForm {
	now := v.now.In(v.tz)
	y, m, d := now.Date()
	d -= (int(now.Weekday()) + 6) % 7 // this week's Monday
	if now.Before(time.Date(y, m, d, 9, 0, 0, 0, v.tz)) {
		d -= 7
	}
	start := time.Date(y, m, d, 12, 0, 0, 0, v.tz).Format("2006-01-02")
	return layerForm{Length: "1w", Handoff: "mon 09:00", Start: start, TimeOff: string(tocsin.TimeOffSkip), New: true}
}

// scheduleNew serves GET /schedules/new.
func (h *Handler) scheduleNew(w http.ResponseWriter, r *http.Request, v *view) {
	f := scheduleForm{Timezone: v.tz.String(), Language: v.Lang}
	if id, err := optionalID(r.URL.Query().Get("team"), "team"); err == nil && id != 0 {
		f.TeamID = fmt.Sprint(id)
	}
	h.renderScheduleForm(w, r, v, http.StatusOK, f)
}

// scheduleEdit serves GET /schedules/{id}/edit.
func (h *Handler) scheduleEdit(w http.ResponseWriter, r *http.Request, v *view) {
	s := h.pathSchedule(w, r, v)
	if s == nil {
		return
	}
	ctx := r.Context()
	users, err := h.opts.DB.Users(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.renderScheduleForm(w, r, v, http.StatusOK, scheduleFormFrom(s, users))
}

// renderScheduleForm shows the form with one empty restriction row per
// rotation and one empty "add a layer" block.
func (h *Handler) renderScheduleForm(w http.ResponseWriter, r *http.Request, v *view, status int, f scheduleForm) {
	ctx := r.Context()
	p := &scheduleEditPage{view: v, Languages: tocsin.Locales(), Countries: tocsin.HolidayCountries(), Weekdays: weekdayNames(),
		Lengths: []string{"12h", "1d", "1w", "2w"}}
	layers := slices.DeleteFunc(slices.Clone(f.Layers), layerForm.blank)
	if len(layers) < tocsin.MaxLayers {
		layers = append(layers, v.newLayerBlock())
	}
	for i := range layers {
		l := &layers[i]
		l.Index, l.First, l.Last = i, i == 0, i == len(layers)-1 || layers[i+1].New
		if l.Fixed {
			continue
		}
		rows := slices.DeleteFunc(slices.Clone(l.Restrictions), restrictionForm.blank)
		if len(rows) < tocsin.MaxRestrictions {
			rows = append(rows, restrictionForm{})
		}
		for j := range rows {
			rows[j].Layer, rows[j].Index = i, j
		}
		l.Restrictions = rows
	}
	p.Form = f
	p.Form.Layers = layers
	var err error
	if p.Teams, err = h.opts.DB.Teams(ctx); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if p.Users, err = h.opts.DB.Users(ctx); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, status, "schedule_edit", p)
}

// scheduleVersion is what the edit form carries to notice a change made by
// someone else while it was open.
func scheduleVersion(s *tocsin.Schedule) string {
	return strconv.FormatInt(s.UpdatedAt.UnixMilli(), 10)
}
