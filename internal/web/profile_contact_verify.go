package web

import (
	"net/http"
	"strings"

	"github.com/tocsin/tocsin"
)

// contactVerify serves POST /profile/contacts/{id}/verify: the code the
// method received. A wrong one comes back inline, with a 400.
func (h *Handler) contactVerify(w http.ResponseWriter, r *http.Request, v *view) {
	c, err := h.contactFromPath(r, v)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	// People type codes as they read them: "123 456".
	code := strings.ReplaceAll(formValue(r, "code"), " ", "")
	refuse := func(msg string) {
		h.renderProfile(w, r, v, http.StatusBadRequest, &profilePage{pagingPanel: pagingPanel{VerifyFor: c.ID, VerifyError: msg}})
	}
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		refuse(v.T("contacts.code_format"))
		return
	}
	if err := h.opts.DB.Verify(r.Context(), v.User.ID, c.ID, code, h.opts.Clock.Now()); err != nil {
		if tocsin.ErrorCode(err) == tocsin.EINVALID {
			refuse(tocsin.ErrorMessage(err))
			return
		}
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("contacts.verified_now", "Name", c.Name))
	redirect(w, r, "/profile#contacts")
}
