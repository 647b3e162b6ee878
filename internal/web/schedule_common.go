package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

// localInput is the format of a datetime-local input: wall-clock time in the
// viewer's time zone, to the minute.
const localInput = "2006-01-02T15:04"

// Input shows an instant for a datetime-local input in the viewer's zone.
func (v *view) Input(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(v.tz).Format(localInput)
}

// parseLocal reads a datetime-local value in the viewer's time zone; a
// time the zone skips (clocks jump forward) is refused, not moved.
func (v *view) parseLocal(s, what string) (time.Time, error) {
	t, ok, gap := parseLocal(s, v.tz)
	switch {
	case !ok || t.IsZero():
		return time.Time{}, tocsin.Errorf(tocsin.EINVALID, "%s %q is not a date and time (YYYY-MM-DD HH:MM)", what, strings.TrimSpace(s))
	case gap:
		return time.Time{}, tocsin.Errorf(tocsin.EINVALID, "%s %q does not exist in %s: the clocks jump forward over that time", what, strings.TrimSpace(s), v.tz)
	}
	return t, nil
}

// parseLocalSpan reads a posted start and end in the viewer's zone, start
// label first; an end that does not come after the start is refused in the
// words and the zone the person typed them in.
func (v *view) parseLocalSpan(startText, endText, startLabel, endLabel string) (time.Time, time.Time, error) {
	start, err := v.parseLocal(startText, startLabel)
	if err != nil {
		return start, start, err
	}
	end, err := v.parseLocal(endText, endLabel)
	if err == nil && !end.After(start) {
		err = tocsin.Errorf(tocsin.EINVALID, "%s", v.T("schedule.err_ends_before", "StartLabel", startLabel, "EndLabel", endLabel,
			"Start", start.In(v.tz).Format("2006-01-02 15:04"), "End", end.In(v.tz).Format("2006-01-02 15:04"), "Zone", v.tz.String()))
	}
	return start, end, err
}

// userNames maps user ids to names, for every page that shows a schedule.
func (h *Handler) userNames(ctx context.Context) (map[int64]string, []*tocsin.User, error) {
	users, err := h.opts.DB.Users(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[int64]string, len(users))
	for _, u := range users {
		names[u.ID] = u.Name
	}
	return names, users, nil
}

// nameOf is a user's name, or their id when the user is unknown.
func nameOf(names map[int64]string, id int64) string {
	if n, ok := names[id]; ok {
		return n
	}
	return fmt.Sprintf("#%d", id)
}

// reasonText says why someone holds a shift, in the viewer's language.
func (v *view) reasonText(r oncall.Reason) string {
	switch r {
	case oncall.ReasonRotation:
		return v.T("oncall.reason_rotation")
	case oncall.ReasonSkip:
		return v.T("oncall.reason_skip")
	case oncall.ReasonFixed:
		return v.T("oncall.reason_fixed")
	case oncall.ReasonOverride:
		return v.T("oncall.reason_override")
	}
	return ""
}

// layerName names the layer an assignment comes from ("" for the final row).
func layerName(s *tocsin.Schedule, i int) string {
	if i >= 0 && i < len(s.Layers) {
		return s.Layers[i].Name
	}
	return ""
}

// colour is the palette class of a user: stable, keyed by id.
func colour(userID int64) string { return "pc" + strconv.FormatInt(userID%8, 10) }

// shiftKey identifies a shift in a form: start and end as Unix seconds, and its user.
func shiftKey(start, end time.Time, user int64) string {
	return fmt.Sprintf("%d_%d_%d", start.Unix(), end.Unix(), user)
}

// parseShiftKey reads shiftKey's output.
func parseShiftKey(s string) (oncall.Shift, error) {
	parts := strings.Split(strings.TrimSpace(s), "_")
	bad := tocsin.Errorf(tocsin.EINVALID, "shift %q is not one of the planning's shifts", s)
	if len(parts) != 3 {
		return oncall.Shift{}, bad
	}
	var n [3]int64
	for i, p := range parts {
		x, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return oncall.Shift{}, bad
		}
		n[i] = x
	}
	sh := oncall.Shift{Start: time.Unix(n[0], 0).UTC(), End: time.Unix(n[1], 0).UTC()}
	sh.UserID = n[2]
	return sh, nil
}

// pathSchedule loads the schedule the path's {id} names. When it cannot, it has
// answered already (the 404 page, or the error's) and returns nil.
func (h *Handler) pathSchedule(w http.ResponseWriter, r *http.Request, v *view) *tocsin.Schedule {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return nil
	}
	s, err := h.opts.DB.Schedule(r.Context(), id)
	if err != nil {
		h.fail(w, r, v, err)
		return nil
	}
	return s
}
