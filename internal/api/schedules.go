package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

// Plans shown by GET /schedules/{id}: 8 weeks by default, at most 90 days.
const (
	defaultPlanSpan = 8 * 7 * 24 * time.Hour
	maxPlanSpan     = 90 * 24 * time.Hour
)

// personJSON is a user as schedules show them.
type personJSON struct {
	UserID int64  `json:"user_id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
}

// people maps user ids to what schedules show of them; loaded once per request.
type people map[int64]personJSON

func (h *Handler) people(ctx context.Context) (people, error) {
	users, err := h.opts.DB.Users(ctx)
	if err != nil {
		return nil, err
	}
	out := make(people, len(users))
	for _, u := range users {
		out[u.ID] = personJSON{UserID: u.ID, Email: u.Email, Name: u.Name}
	}
	return out, nil
}

// of returns the person with id, or nil for 0 (nobody).
func (p people) of(id int64) *personJSON {
	if id == 0 {
		return nil
	}
	if x, ok := p[id]; ok {
		return &x
	}
	return &personJSON{UserID: id}
}

// scheduleJSON is a schedule as the API shows it.
type scheduleJSON struct {
	ID        int64                  `json:"id"`
	Name      string                 `json:"name"`
	TeamID    *int64                 `json:"team_id"`
	Team      *string                `json:"team"`
	Timezone  string                 `json:"timezone"`
	Layers    []layerJSON            `json:"layers"`
	Overrides []overrideJSON         `json:"overrides"`
	Language  string                 `json:"language"`
	Holidays  tocsin.HolidayCalendar `json:"holidays"`
	Pay       tocsin.PayRates        `json:"pay"`
	CreatedAt time.Time              `json:"created_at"`
	Plan      *planJSON              `json:"plan,omitempty"`
}

type layerJSON struct {
	Name          string              `json:"name"`
	Kind          tocsin.LayerKind    `json:"kind"`
	Participants  []personJSON        `json:"participants"`
	Length        string              `json:"length"`
	Handoff       string              `json:"handoff"`
	Start         string              `json:"start"`
	Restrictions  []tocsin.TimeWindow `json:"restrictions"`
	TimeOffPolicy string              `json:"time_off_policy"`
	Fixed         []fixedJSON         `json:"fixed"`
}

type fixedJSON struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	UserID int64     `json:"user_id"`
	Note   string    `json:"note"`
}

type overrideJSON struct {
	ID        int64       `json:"id"`
	User      *personJSON `json:"user"`
	Start     time.Time   `json:"start"`
	End       time.Time   `json:"end"`
	Layer     *string     `json:"layer"`
	Note      string      `json:"note"`
	CreatedAt time.Time   `json:"created_at"`
}

func overrideToJSON(o tocsin.Override, p people) overrideJSON {
	return overrideJSON{ID: o.ID, User: p.of(o.UserID), Start: o.Start.UTC(), End: o.End.UTC(), Layer: nameOrNull(o.Layer), Note: o.Note, CreatedAt: o.CreatedAt.UTC()}
}

func scheduleToJSON(s *tocsin.Schedule, p people, teams map[int64]string) scheduleJSON {
	out := scheduleJSON{ID: s.ID, Name: s.Name, TeamID: idOrNull(s.TeamID), Timezone: s.Timezone,
		Layers: make([]layerJSON, len(s.Layers)), Overrides: make([]overrideJSON, len(s.Overrides)), CreatedAt: s.CreatedAt.UTC(),
		Language: s.Language, Holidays: s.Holidays, Pay: s.Pay}
	if out.Language == "" {
		out.Language = tocsin.Locales()[0]
	}
	if out.Holidays.Dates == nil {
		out.Holidays.Dates = []string{}
	}
	if s.TeamID != 0 {
		out.Team = nameOrNull(teams[s.TeamID])
	}
	for i, l := range s.Layers {
		lj := layerJSON{Name: l.Name, Kind: l.Kind, Participants: make([]personJSON, len(l.Participants)), Handoff: l.Handoff, Start: l.Start,
			Restrictions: make([]tocsin.TimeWindow, len(l.Restrictions)), TimeOffPolicy: string(l.TimeOff), Fixed: make([]fixedJSON, len(l.Fixed))}
		if lj.Kind == "" {
			lj.Kind = tocsin.LayerRotation
		}
		if l.Length != (tocsin.ShiftLength{}) {
			lj.Length = l.Length.String()
		}
		for j, id := range l.Participants {
			lj.Participants[j] = *p.of(id)
		}
		for j, w := range l.Restrictions {
			lj.Restrictions[j] = withDays(w)
		}
		for j, f := range l.Fixed {
			lj.Fixed[j] = fixedJSON{Start: f.Start.UTC(), End: f.End.UTC(), UserID: f.UserID, Note: f.Note}
		}
		out.Layers[i] = lj
	}
	for i, o := range s.Overrides {
		out.Overrides[i] = overrideToJSON(o, p)
	}
	return out
}

// planJSON is the computed plan of a schedule over [from, to).
type planJSON struct {
	From      time.Time      `json:"from"`
	To        time.Time      `json:"to"`
	Shifts    []shiftJSON    `json:"shifts"`
	Gaps      []gapJSON      `json:"gaps"`
	Conflicts []conflictJSON `json:"conflicts"`
}

type shiftJSON struct {
	Start  time.Time     `json:"start"`
	End    time.Time     `json:"end"`
	UserID int64         `json:"user_id"`
	Layer  *string       `json:"layer"`
	Reason oncall.Reason `json:"reason"`
}

type gapJSON struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

type conflictJSON struct {
	Kind   oncall.ConflictKind `json:"kind"`
	Start  time.Time           `json:"start"`
	End    time.Time           `json:"end"`
	Layer  *string             `json:"layer"`
	UserID int64               `json:"user_id"`
}

func layerName(s *tocsin.Schedule, i int) *string {
	if i < 0 || i >= len(s.Layers) {
		return nil
	}
	return &s.Layers[i].Name
}

func planToJSON(s *tocsin.Schedule, p oncall.Plan) *planJSON {
	out := &planJSON{From: p.From.UTC(), To: p.To.UTC(), Shifts: make([]shiftJSON, len(p.Final)), Gaps: make([]gapJSON, len(p.Gaps)), Conflicts: make([]conflictJSON, len(p.Conflicts))}
	for i, sh := range p.Final {
		out.Shifts[i] = shiftJSON{Start: sh.Start.UTC(), End: sh.End.UTC(), UserID: sh.UserID, Layer: layerName(s, sh.Layer), Reason: sh.Reason}
	}
	for i, g := range p.Gaps {
		out.Gaps[i] = gapJSON{Start: g.Start.UTC(), End: g.End.UTC()}
	}
	for i, c := range p.Conflicts {
		out.Conflicts[i] = conflictJSON{Kind: c.Kind, Start: c.Start.UTC(), End: c.End.UTC(), Layer: layerName(s, c.Layer), UserID: c.UserID}
	}
	return out
}

// scheduleInput is the body of POST /schedules and PATCH /schedules/{id}.
type scheduleInput struct {
	Name     string                 `json:"name"`
	Team     json.RawMessage        `json:"team"` // id or name; null: no owner
	Timezone string                 `json:"timezone"`
	Layers   []layerInput           `json:"layers"`
	Language string                 `json:"language"`
	Holidays tocsin.HolidayCalendar `json:"holidays"`
	Pay      tocsin.PayRates        `json:"pay"`
}

type layerInput struct {
	Name          string               `json:"name"`
	Kind          tocsin.LayerKind     `json:"kind"`
	Participants  []json.RawMessage    `json:"participants"` // e-mail addresses or user ids
	Length        string               `json:"length"`
	Handoff       string               `json:"handoff"`
	Start         string               `json:"start"`
	Restrictions  []tocsin.TimeWindow  `json:"restrictions"`
	TimeOffPolicy tocsin.TimeOffPolicy `json:"time_off_policy"`
	Fixed         []fixedInput         `json:"fixed"`
}

type fixedInput struct {
	Start stamp           `json:"start"`
	End   stamp           `json:"end"`
	User  json.RawMessage `json:"user"`
	Note  string          `json:"note"`
}

// userRef resolves a body field naming a user, by id or e-mail address; an
// unknown user is a 400.
func (h *Handler) userRef(ctx context.Context, field string, raw json.RawMessage) (int64, error) {
	id, email, err := ref(field, raw)
	if err != nil {
		return 0, err
	}
	switch {
	case id != 0:
		u, err := h.opts.DB.User(ctx, id)
		if err != nil {
			return 0, fieldError(field, err)
		}
		return u.ID, nil
	case email != "":
		u, err := h.opts.DB.UserByEmail(ctx, email)
		if err != nil {
			return 0, fieldError(field, err)
		}
		return u.ID, nil
	}
	return 0, tocsin.Errorf(tocsin.EINVALID, "field %q is required: a user's e-mail address or id", field)
}

// layers turns the input layers into the domain's, resolving users.
func (h *Handler) layers(ctx context.Context, in []layerInput) ([]tocsin.Layer, error) {
	if len(in) > tocsin.MaxLayers {
		return nil, tocsin.Errorf(tocsin.EINVALID, "a schedule has at most %d layers", tocsin.MaxLayers)
	}
	out := make([]tocsin.Layer, len(in))
	for i, l := range in {
		at := func(f string, j int) string {
			return "layers[" + itoa(int64(i)) + "]." + f + "[" + itoa(int64(j)) + "]"
		}
		x := tocsin.Layer{Name: l.Name, Kind: tocsin.LayerKind(strings.ToLower(strings.TrimSpace(string(l.Kind)))), Handoff: strings.TrimSpace(l.Handoff),
			Start: strings.TrimSpace(l.Start), Restrictions: l.Restrictions, TimeOff: tocsin.TimeOffPolicy(strings.ToLower(strings.TrimSpace(string(l.TimeOffPolicy))))}
		if strings.TrimSpace(l.Length) != "" {
			n, err := tocsin.ParseShiftLength(l.Length)
			if err != nil {
				return nil, tocsin.Errorf(tocsin.EINVALID, "layer %d (%q): %s", i+1, l.Name, tocsin.ErrorMessage(err))
			}
			x.Length = n
		}
		if len(l.Participants) > tocsin.MaxParticipants {
			return nil, tocsin.Errorf(tocsin.EINVALID, "layer %d (%q): a rotation has at most %d participants", i+1, l.Name, tocsin.MaxParticipants)
		}
		for j, raw := range l.Participants {
			id, err := h.userRef(ctx, at("participants", j), raw)
			if err != nil {
				return nil, err
			}
			x.Participants = append(x.Participants, id)
		}
		if len(l.Fixed) > tocsin.MaxFixedShifts {
			return nil, tocsin.Errorf(tocsin.EINVALID, "layer %d (%q): a fixed layer has at most %d shifts", i+1, l.Name, tocsin.MaxFixedShifts)
		}
		for j, f := range l.Fixed {
			id, err := h.userRef(ctx, at("fixed", j)+".user", f.User)
			if err != nil {
				return nil, err
			}
			x.Fixed = append(x.Fixed, tocsin.FixedShift{Start: f.Start.Time, End: f.End.Time, UserID: id, Note: f.Note})
		}
		out[i] = x
	}
	return out, nil
}

// findSchedule finds a schedule by id (digits) or by name.
func (h *Handler) findSchedule(ctx context.Context, idOrName string) (*tocsin.Schedule, error) {
	if id, ok := isID(idOrName); ok {
		return h.opts.DB.Schedule(ctx, id)
	}
	return h.opts.DB.ScheduleByName(ctx, idOrName)
}

func (h *Handler) teamNames(ctx context.Context) (map[int64]string, error) {
	teams, err := h.opts.DB.Teams(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(teams))
	for _, t := range teams {
		out[t.ID] = t.Name
	}
	return out, nil
}

// showSchedule answers one schedule, with its plan when plan is set.
func (h *Handler) showSchedule(w http.ResponseWriter, r *http.Request, s *tocsin.Schedule, status int, plan *planJSON) error {
	ctx := r.Context()
	p, err := h.people(ctx)
	if err != nil {
		return err
	}
	teams, err := h.teamNames(ctx)
	if err != nil {
		return err
	}
	out := scheduleToJSON(s, p, teams)
	out.Plan = plan
	writeJSON(w, status, out)
	return nil
}

func (h *Handler) listSchedules(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r, "team"); err != nil {
		return err
	}
	ctx := r.Context()
	teamID, err := h.teamFilter(r)
	if err != nil {
		return err
	}
	schedules, err := h.opts.DB.Schedules(ctx, teamID)
	if err != nil {
		return err
	}
	p, err := h.people(ctx)
	if err != nil {
		return err
	}
	teams, err := h.teamNames(ctx)
	if err != nil {
		return err
	}
	out := make([]scheduleJSON, len(schedules))
	for i, s := range schedules {
		out[i] = scheduleToJSON(s, p, teams)
	}
	writeJSON(w, http.StatusOK, map[string]any{"schedules": out})
	return nil
}

// queryTime reads an optional RFC 3339 query parameter.
func queryTime(r *http.Request, name string, def time.Time) (time.Time, error) {
	raw := strings.TrimSpace(r.URL.Query().Get(name))
	if raw == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, raw)
	if err != nil {
		return time.Time{}, tocsin.Errorf(tocsin.EINVALID, "query parameter %s=%q is not an RFC 3339 time (e.g. 2026-11-02T09:00:00+01:00)", name, raw)
	}
	return t, nil
}

func (h *Handler) getSchedule(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r, "from", "to"); err != nil {
		return err
	}
	ctx := r.Context()
	s, err := h.findSchedule(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	from, err := queryTime(r, "from", h.opts.Clock.Now())
	if err != nil {
		return err
	}
	to, err := queryTime(r, "to", from.Add(defaultPlanSpan))
	if err != nil {
		return err
	}
	if !to.After(from) {
		return tocsin.Errorf(tocsin.EINVALID, "to (%s) is not after from (%s)", to.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339))
	}
	if to.Sub(from) > maxPlanSpan {
		return tocsin.Errorf(tocsin.EINVALID, "a plan covers at most %d days; ask for a shorter window", int(maxPlanSpan/(24*time.Hour)))
	}
	plan, err := oncall.Shifts(s, from, to)
	if err != nil {
		return err
	}
	return h.showSchedule(w, r, s, http.StatusOK, planToJSON(s, plan))
}

func (h *Handler) createSchedule(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	var in scheduleInput
	if err := decode(r, &in, false); err != nil {
		return err
	}
	ctx := r.Context()
	s := &tocsin.Schedule{Name: strings.TrimSpace(in.Name), Timezone: strings.TrimSpace(in.Timezone),
		Language: strings.TrimSpace(in.Language), Holidays: in.Holidays, Pay: in.Pay}
	var err error
	if s.TeamID, err = h.teamRef(ctx, "team", in.Team); err != nil {
		return err
	}
	if s.Layers, err = h.layers(ctx, in.Layers); err != nil {
		return err
	}
	if err := h.opts.DB.CreateSchedule(ctx, s, h.opts.Clock.Now()); err != nil {
		return err
	}
	created, err := h.opts.DB.Schedule(ctx, s.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", prefix+"/schedules/"+itoa(s.ID))
	return h.showSchedule(w, r, created, http.StatusCreated, nil)
}

func (h *Handler) updateSchedule(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	ctx := r.Context()
	s, err := h.findSchedule(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	var in scheduleInput
	sent, err := decodePatch(r, &in)
	if err != nil {
		return err
	}
	if sent["name"] {
		s.Name = strings.TrimSpace(in.Name)
	}
	if sent["timezone"] {
		// Restrictions are wall-clock hours in the schedule's zone: they move with it.
		previous := s.Timezone
		s.Timezone = strings.TrimSpace(in.Timezone)
		for i := range s.Layers {
			for j := range s.Layers[i].Restrictions {
				if w := &s.Layers[i].Restrictions[j]; w.Timezone == previous {
					w.Timezone = s.Timezone
				}
			}
		}
	}
	if sent["team"] {
		if s.TeamID, err = h.teamRef(ctx, "team", in.Team); err != nil {
			return err
		}
	}
	if sent["layers"] {
		if s.Layers, err = h.layers(ctx, in.Layers); err != nil {
			return err
		}
	}
	if sent["language"] {
		s.Language = strings.TrimSpace(in.Language)
	}
	if sent["holidays"] {
		s.Holidays = in.Holidays
	}
	if sent["pay"] {
		s.Pay = in.Pay
	}
	if err := h.opts.DB.UpdateSchedule(ctx, s, h.opts.Clock.Now()); err != nil {
		return err
	}
	updated, err := h.opts.DB.Schedule(ctx, s.ID)
	if err != nil {
		return err
	}
	return h.showSchedule(w, r, updated, http.StatusOK, nil)
}

func (h *Handler) deleteSchedule(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	ctx := r.Context()
	s, err := h.findSchedule(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.opts.DB.DeleteSchedule(ctx, s.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
