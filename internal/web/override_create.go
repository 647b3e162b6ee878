package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

// overrideCreate serves POST /schedules/{id}/overrides: someone takes over a
// window of the final row.
func (h *Handler) overrideCreate(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	form := overrideForm{Start: formValue(r, "start"), End: formValue(r, "end"), Note: formValue(r, "note")}
	p := &overridePage{view: v}
	if key := formValue(r, "shift"); key != "" {
		if sh, err := parseShiftKey(key); err == nil {
			p.Shift, p.ShiftKey = &sh, key
		}
	}
	user, err := optionalID(r.PostFormValue("user"), "user")
	form.UserID = user
	if err == nil && user == 0 {
		err = tocsin.Errorf(tocsin.EINVALID, "%s", v.T("override.pick_user"))
	}
	if err == nil {
		if _, uerr := h.opts.DB.User(r.Context(), user); tocsin.ErrorCode(uerr) == tocsin.ENOTFOUND {
			err = tocsin.Errorf(tocsin.EINVALID, "%s", v.T("override.pick_user"))
		} else if uerr != nil {
			h.fail(w, r, v, uerr)
			return
		}
	}
	o := tocsin.Override{UserID: user, Note: form.Note}
	if err == nil {
		o.Start, o.End, err = v.overrideWindow(form.Start, form.End)
	}
	if err == nil {
		err = h.opts.DB.AddOverrides(r.Context(), id, []tocsin.Override{o}, h.opts.Clock.Now())
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		form.Error = tocsin.ErrorMessage(err)
		p.Form = form
		h.renderOverride(w, r, id, statusOf(err), p)
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("override.saved")+h.overrideConflicts(r, v, id, o))
	redirect(w, r, fmt.Sprintf("/schedules/%d", id))
}

// overrideConflicts words what the saved override contradicts over its
// window (another override, its person's time off), for the flash: a
// "saved" alone would let it pass unseen. "" when nothing, or when it cannot tell.
func (h *Handler) overrideConflicts(r *http.Request, v *view, id int64, o tocsin.Override) string {
	s, err := h.opts.DB.Schedule(r.Context(), id)
	if err != nil {
		return ""
	}
	plan, err := oncall.Shifts(s, o.Start, o.End)
	if err != nil || len(plan.Conflicts) == 0 {
		return ""
	}
	// The new override is the last of its user and window in the list.
	idx := -1
	for i, x := range s.Overrides {
		if x.Layer == "" && x.UserID == o.UserID && x.Start.Equal(o.Start) && x.End.Equal(o.End) {
			idx = i
		}
	}
	var mine []oncall.Conflict
	for _, c := range plan.Conflicts {
		switch {
		case c.Kind == oncall.ConflictOverrideTimeOff && c.First == idx,
			c.Kind == oncall.ConflictOverlappingOverrides && (c.First == idx || c.Second == idx):
			mine = append(mine, c)
		}
	}
	if idx < 0 || len(mine) == 0 {
		return ""
	}
	names, _, err := h.userNames(r.Context())
	if err != nil {
		return ""
	}
	texts := conflictTexts(v, s, mine, names)
	if len(texts) > 2 {
		texts = append(texts[:2], v.T("override.more_conflicts", "Count", len(texts)-2))
	}
	return " " + strings.Join(texts, " ")
}
