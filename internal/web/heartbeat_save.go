package web

import (
	"fmt"
	"net/http"

	"github.com/tocsin/tocsin"
)

// heartbeatSave serves POST /heartbeats/{id}: name, service, period, grace and
// priority. The ping URL stays.
func (h *Handler) heartbeatSave(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	form, b, err := readHeartbeatForm(r)
	b.ID = id
	if err == nil {
		err = h.opts.DB.UpdateHeartbeat(r.Context(), b, h.opts.Clock.Now())
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		form.Error = tocsin.ErrorMessage(err)
		h.renderHeartbeat(w, r, v, id, statusOf(err), &form)
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("heartbeat.saved"))
	redirect(w, r, fmt.Sprintf("/heartbeats/%d", id))
}
