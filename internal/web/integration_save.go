package web

import (
	"fmt"
	"net/http"

	"github.com/tocsin/tocsin"
)

// integrationSave serves POST /integrations/{id}: its name and, for Grafana,
// the HMAC secret (type and service are fixed: senders are set up for them).
func (h *Handler) integrationSave(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	integ, err := h.opts.DB.Integration(r.Context(), id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	form := integrationForm{Name: formValue(r, "name"), HMAC: formValue(r, "hmac_secret")}
	integ.Name, integ.HMACSecret = form.Name, form.HMAC
	if err := h.opts.DB.UpdateIntegration(r.Context(), integ); err != nil {
		if code := tocsin.ErrorCode(err); code == tocsin.EINVALID || code == tocsin.ECONFLICT {
			form.Error = tocsin.ErrorMessage(err)
			h.renderIntegration(w, r, v, id, statusOf(err), &form)
			return
		}
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("integration.saved"))
	redirect(w, r, fmt.Sprintf("/integrations/%d", id))
}
