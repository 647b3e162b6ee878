package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tocsin/tocsin"
)

// Bounds on what the schedule form reads, before the schedule's own limits.
const (
	maxScheduleFormField = 20000 // a textarea: participants, holiday dates
	maxScheduleFormLine  = 300   // any other field
)

// readScheduleForm reads the posted form as typed; it fails only on a form
// no page of ours would send (too many blocks, fields too long).
func readScheduleForm(r *http.Request) (scheduleForm, error) {
	f := scheduleForm{Name: formValue(r, "name"), TeamID: formValue(r, "team"), Timezone: formValue(r, "timezone"),
		Language: formValue(r, "language"), Country: formValue(r, "country"), Dates: r.PostFormValue("dates"),
		Currency: formValue(r, "currency"), Weekday: formValue(r, "pay_weekday"), Weekend: formValue(r, "pay_weekend"),
		Holiday: formValue(r, "pay_holiday"), Hourly: formValue(r, "pay_hourly"), Version: formValue(r, "version")}
	tooLong := func(s string, limit int) bool { return len(s) > limit }
	for _, s := range []string{f.Name, f.TeamID, f.Timezone, f.Language, f.Country, f.Currency, f.Weekday, f.Weekend, f.Holiday, f.Hourly} {
		if tooLong(s, maxScheduleFormLine) {
			return f, tocsin.Errorf(tocsin.EINVALID, "a field of the schedule is too long")
		}
	}
	if tooLong(f.Dates, maxScheduleFormField) {
		return f, tocsin.Errorf(tocsin.EINVALID, "holidays: the list of dates is too long")
	}
	n, err := formCount(r, "layers", tocsin.MaxLayers+1)
	if err != nil {
		return f, err
	}
	for i := range n {
		l := layerForm{Index: i}
		l.Name = formValue(r, l.F("name"))
		l.Remove = checked(r, l.F("remove"))
		if fixed := r.PostFormValue(l.F("fixed")); fixed != "" {
			l.Fixed, l.Name = true, strings.TrimSpace(fixed)
			f.Layers = append(f.Layers, l)
			continue
		}
		l.Participants = r.PostFormValue(l.F("participants"))
		l.Length, l.Handoff, l.Start, l.TimeOff = formValue(r, l.F("length")), formValue(r, l.F("handoff")), formValue(r, l.F("start")), formValue(r, l.F("timeoff"))
		for _, s := range []string{l.Name, l.Length, l.Handoff, l.Start, l.TimeOff} {
			if tooLong(s, maxScheduleFormLine) {
				return f, tocsin.Errorf(tocsin.EINVALID, "a field of layer %d is too long", i+1)
			}
		}
		if tooLong(l.Participants, maxScheduleFormField) {
			return f, tocsin.Errorf(tocsin.EINVALID, "layer %d: the list of participants is too long", i+1)
		}
		rows, err := formCount(r, l.F("restrictions"), tocsin.MaxRestrictions+1)
		if err != nil {
			return f, err
		}
		for j := range rows {
			rf := restrictionForm{Layer: i, Index: j, Days: map[string]bool{}}
			rf.Start, rf.End, rf.Outside = formValue(r, rf.F("start")), formValue(r, rf.F("end")), checked(r, rf.F("outside"))
			if tooLong(rf.Start, 20) || tooLong(rf.End, 20) {
				return f, tocsin.Errorf(tocsin.EINVALID, "layer %d, restriction %d: a time is too long", i+1, j+1)
			}
			for _, d := range r.PostForm[rf.F("days")] {
				if len(rf.Days) < 7 {
					rf.Days[strings.ToLower(strings.TrimSpace(d))] = true
				}
			}
			l.Restrictions = append(l.Restrictions, rf)
		}
		f.Layers = append(f.Layers, l)
	}
	return f, nil
}

// formCount reads a hidden count of repeated blocks, at most limit.
func formCount(r *http.Request, name string, limit int) (int, error) {
	raw := formValue(r, name)
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 || n > limit {
		return 0, tocsin.Errorf(tocsin.EINVALID, "the form has too many blocks (%s=%q, at most %d)", name, raw, limit)
	}
	return n, nil
}

// toSchedule turns the form into a schedule for the store, which validates the
// rest as it does for the API. Participants are e-mail addresses; fixed layers
// are taken from the stored schedule unchanged.
func (f *scheduleForm) toSchedule(existing *tocsin.Schedule, users []*tocsin.User) (*tocsin.Schedule, error) {
	s := &tocsin.Schedule{Name: f.Name, Timezone: f.Timezone, Language: f.Language,
		Holidays: tocsin.HolidayCalendar{Country: f.Country}, Pay: tocsin.PayRates{Currency: f.Currency}}
	if existing != nil {
		s.ID = existing.ID
	}
	var err error
	if s.TeamID, err = optionalID(f.TeamID, "team"); err != nil {
		return nil, err
	}
	for _, line := range strings.Split(f.Dates, "\n") {
		if d := strings.TrimSpace(line); d != "" {
			s.Holidays.Dates = append(s.Holidays.Dates, d)
		}
	}
	for _, m := range []struct {
		what string
		in   string
		out  *tocsin.Money
	}{{"per weekday", f.Weekday, &s.Pay.Weekday}, {"per weekend day", f.Weekend, &s.Pay.Weekend},
		{"per holiday", f.Holiday, &s.Pay.Holiday}, {"per hour of intervention", f.Hourly, &s.Pay.Hourly}} {
		if *m.out, err = tocsin.ParseMoney(m.in); err != nil {
			return nil, tocsin.Errorf(tocsin.EINVALID, "pay %s: %s", m.what, tocsin.ErrorMessage(err))
		}
	}
	byEmail := make(map[string]int64, len(users))
	for _, u := range users {
		byEmail[strings.ToLower(u.Email)] = u.ID
	}
	for i, l := range f.Layers {
		if l.Remove || l.blank() {
			continue
		}
		if l.Fixed {
			kept := fixedLayer(existing, l.Name)
			if kept == nil {
				return nil, tocsin.Errorf(tocsin.EINVALID, "layer %d: the imported layer %q is no longer in the schedule", i+1, l.Name)
			}
			s.Layers = append(s.Layers, *kept)
			continue
		}
		x := tocsin.Layer{Name: l.Name, Kind: tocsin.LayerRotation, Handoff: l.Handoff, Start: l.Start,
			TimeOff: tocsin.TimeOffPolicy(strings.ToLower(l.TimeOff))}
		bad := func(err error) error {
			return tocsin.Errorf(tocsin.EINVALID, "layer %d (%q): %s", i+1, l.Name, tocsin.ErrorMessage(err))
		}
		if l.Length != "" {
			if x.Length, err = tocsin.ParseShiftLength(l.Length); err != nil {
				return nil, bad(err)
			}
		}
		for _, line := range strings.Split(l.Participants, "\n") {
			email := strings.TrimSpace(line)
			if email == "" {
				continue
			}
			id, ok := byEmail[strings.ToLower(email)]
			if !ok {
				return nil, bad(tocsin.Errorf(tocsin.EINVALID, "no user has the e-mail address %q", email))
			}
			if len(x.Participants) == tocsin.MaxParticipants {
				return nil, bad(tocsin.Errorf(tocsin.EINVALID, "a rotation has at most %d participants", tocsin.MaxParticipants))
			}
			x.Participants = append(x.Participants, id)
		}
		for _, rf := range l.Restrictions {
			if rf.blank() {
				continue
			}
			// Restrictions are wall-clock hours in the schedule's zone: they follow it.
			w := tocsin.TimeWindow{Timezone: s.Timezone, Start: rf.Start, End: rf.End, Outside: rf.Outside}
			if w.Timezone == "" {
				w.Timezone = "UTC"
			}
			for _, d := range weekdayNames() {
				if rf.Days[d] {
					w.Days = append(w.Days, d)
				}
			}
			x.Restrictions = append(x.Restrictions, w)
		}
		s.Layers = append(s.Layers, x)
	}
	return s, nil
}

// fixedLayer finds a stored fixed layer by name.
func fixedLayer(s *tocsin.Schedule, name string) *tocsin.Layer {
	if s == nil {
		return nil
	}
	for i := range s.Layers {
		if l := &s.Layers[i]; l.Kind == tocsin.LayerFixed && l.Name == name {
			return l
		}
	}
	return nil
}

// moveLayer applies a "move up"/"move down" button: "up:2" swaps blocks 2 and 1.
func (f *scheduleForm) moveLayer(action string) bool {
	dir, at, ok := strings.Cut(action, ":")
	i, err := strconv.Atoi(at)
	if !ok || err != nil || i < 0 || i >= len(f.Layers) {
		return false
	}
	j := i - 1
	if dir == "down" {
		j = i + 1
	} else if dir != "up" {
		return false
	}
	if j < 0 || j >= len(f.Layers) || f.Layers[j].blank() || f.Layers[i].blank() {
		return true // nothing to swap with: show the form again as it is
	}
	f.Layers[i], f.Layers[j] = f.Layers[j], f.Layers[i]
	return true
}

// scheduleSave serves POST /schedules (create) and POST /schedules/{id}/edit.
// The buttons that move a layer or add rows show the form again, unsaved; a
// schedule the store refuses comes back with the input kept and a 400.
func (h *Handler) scheduleSave(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	var existing *tocsin.Schedule
	if r.PathValue("id") != "" {
		if existing = h.pathSchedule(w, r, v); existing == nil {
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		h.showError(w, r, v, http.StatusBadRequest, v.T("error.bad_form"))
		return
	}
	f, err := readScheduleForm(r)
	if existing != nil {
		f.ID = existing.ID
		// The fixed layers' sizes are shown again from what is stored.
		for i := range f.Layers {
			if l := fixedLayer(existing, f.Layers[i].Name); f.Layers[i].Fixed && l != nil {
				f.Layers[i].FixedShifts = len(l.Fixed)
			}
		}
	}
	switch action := formValue(r, "action"); {
	case err != nil:
	case action == "add":
		h.renderScheduleForm(w, r, v, http.StatusOK, f)
		return
	case f.moveLayer(action):
		h.renderScheduleForm(w, r, v, http.StatusOK, f)
		return
	}
	if err == nil && existing != nil && f.Version != scheduleVersion(existing) {
		// Saving would silently undo what they did (a new imported layer, new rates).
		err = tocsin.Errorf(tocsin.ECONFLICT, "someone changed this schedule (at %s) since you opened this form: open it again to see their change, then redo yours", v.Time(existing.UpdatedAt))
	}
	var s *tocsin.Schedule
	if err == nil {
		users, uerr := h.opts.DB.Users(ctx)
		if uerr != nil {
			h.fail(w, r, v, uerr)
			return
		}
		s, err = f.toSchedule(existing, users)
	}
	if err == nil {
		if existing == nil {
			err = h.opts.DB.CreateSchedule(ctx, s, h.opts.Clock.Now())
		} else {
			err = h.opts.DB.UpdateSchedule(ctx, s, h.opts.Clock.Now())
		}
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		f.Error = tocsin.ErrorMessage(err)
		h.renderScheduleForm(w, r, v, statusOf(err), f)
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("schedule_edit.saved", "Name", s.Name))
	redirect(w, r, fmt.Sprintf("/schedules/%d", s.ID))
}
