package web

import "net/http"

// contactDelete serves POST /profile/contacts/{id}/delete; the method's
// notification rules go with it.
func (h *Handler) contactDelete(w http.ResponseWriter, r *http.Request, v *view) {
	c, err := h.contactFromPath(r, v)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if err := h.opts.DB.DeleteContactMethod(r.Context(), v.User.ID, c.ID); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("contacts.deleted", "Name", c.Name))
	redirect(w, r, "/profile#contacts")
}
