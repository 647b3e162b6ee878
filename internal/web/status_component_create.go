package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// statusComponentCreate serves POST /statuspage/components: a component or a
// group at the end of its siblings.
func (h *Handler) statusComponentCreate(w http.ResponseWriter, r *http.Request, v *view) {
	if err := r.ParseForm(); err != nil {
		h.showError(w, r, v, http.StatusBadRequest, v.T("error.bad_form"))
		return
	}
	form, c, err := readStatusComponentForm(r)
	if err == nil {
		err = h.opts.DB.CreateComponent(r.Context(), c, v.User.ID, h.opts.Clock.Now())
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		form.Error = tocsin.ErrorMessage(err)
		h.renderStatusComponents(w, r, v, statusOf(err), form, "")
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.statusChanged()
	id := "status_admin.component_created"
	if c.Group {
		id = "status_admin.group_created"
	}
	h.setFlash(w, false, v.T(id, "Name", c.Name))
	redirect(w, r, "/statuspage")
}
