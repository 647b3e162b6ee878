package web

import (
	"fmt"
	"net/http"

	"github.com/tocsin/tocsin"
)

// heartbeatCreate serves POST /heartbeats.
func (h *Handler) heartbeatCreate(w http.ResponseWriter, r *http.Request, v *view) {
	form, b, err := readHeartbeatForm(r)
	if err == nil {
		err = h.opts.DB.CreateHeartbeat(r.Context(), b, h.opts.Clock.Now())
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		form.Error = tocsin.ErrorMessage(err)
		h.renderHeartbeatList(w, r, v, statusOf(err), form)
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("heartbeat.created", "Name", b.Name))
	redirect(w, r, fmt.Sprintf("/heartbeats/%d", b.ID))
}
