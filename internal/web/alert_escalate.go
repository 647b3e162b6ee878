package web

import (
	"fmt"
	"net/http"

	"github.com/tocsin/tocsin"
)

// wakeEngine tells the engine to act now on a change it must follow (a step
// due at once, status updates to send) rather than at its next tick. Without
// an engine (some tests) there is nobody to wake.
func (h *Handler) wakeEngine() {
	if h.opts.Wake != nil {
		h.opts.Wake()
	}
}

// alertEscalate serves POST /alerts/{id}/escalate: the alert's next step runs
// now instead of after its delay.
func (h *Handler) alertEscalate(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	err := h.opts.DB.EscalateNow(r.Context(), id, v.User.Name, tocsin.ChannelWeb, h.opts.Clock.Now())
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		h.fail(w, r, v, err) // the alert itself: its page does not exist
		return
	}
	h.afterPagingAction(w, r, v, id, err, v.T("alert_escalation.escalated"))
}

// afterPagingAction ends an escalate or reassign request: a refusal (the
// alert is resolved, has no policy, names nobody known) goes back to the
// alert page as an error message; a success wakes the engine.
func (h *Handler) afterPagingAction(w http.ResponseWriter, r *http.Request, v *view, id int64, err error, done string) {
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
		h.wakeEngine()
		h.Notify()
		h.setFlash(w, false, done)
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT || code == tocsin.ENOTFOUND:
		h.setFlash(w, true, tocsin.ErrorMessage(err))
	default:
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, fmt.Sprintf("/alerts/%d", id))
}
