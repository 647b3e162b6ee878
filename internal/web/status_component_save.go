package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// statusComponentSave serves POST /statuspage/components/{id}: name,
// description, group, display flags, linked services and auto-apply. Its
// status changes from the list, in one click.
func (h *Handler) statusComponentSave(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.showError(w, r, v, http.StatusBadRequest, v.T("error.bad_form"))
		return
	}
	ctx := r.Context()
	stored, err := h.opts.DB.Component(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	form, c, err := readStatusComponentForm(r)
	// What this form does not change stays as stored: kind, status, start date.
	c.ID, c.Group, c.Status, c.StartDate = id, stored.Group, stored.Status, stored.StartDate
	if err == nil {
		err = h.opts.DB.UpdateComponent(ctx, c, v.User.ID, h.opts.Clock.Now())
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		form.Error = tocsin.ErrorMessage(err)
		h.renderStatusComponent(w, r, v, id, statusOf(err), &form)
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.statusChanged()
	h.setFlash(w, false, v.T("status_admin.component_saved", "Name", c.Name))
	redirect(w, r, "/statuspage")
}
