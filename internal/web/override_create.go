package web

import (
	"fmt"
	"net/http"

	"github.com/tocsin/tocsin"
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
	h.setFlash(w, false, v.T("override.saved"))
	redirect(w, r, fmt.Sprintf("/schedules/%d", id))
}
