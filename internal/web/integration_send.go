package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/tocsin/tocsin"
)

// integrationSend serves POST /integrations/{id}/test: a test alert goes
// through the same pipeline as a real one (rules included), and the browser
// lands on it.
func (h *Handler) integrationSend(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	ctx := r.Context()
	integ, err := h.opts.DB.Integration(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if integ.Revoked() {
		h.showError(w, r, v, http.StatusBadRequest, v.T("integration.test_revoked"))
		return
	}
	now := h.opts.Clock.Now()
	results, err := h.opts.Pipeline.Submit(ctx, integ, []tocsin.AlertEvent{{
		Action:   tocsin.ActionTrigger,
		Summary:  v.T("integration.test_summary", "Name", integ.Name),
		Details:  v.T("integration.test_details", "User", v.User.Name),
		DedupKey: "tocsin-test-" + strconv.FormatInt(now.UnixMilli(), 10),
		Source:   "tocsin",
		Priority: tocsin.P5,
		Labels:   map[string]string{"test": "true"},
		Actor:    v.User.Name,
		Channel:  tocsin.ChannelWeb,
	}})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	res := results[0]
	if res.AlertID == 0 {
		// A processing rule dropped it: say so rather than pretend.
		h.setFlash(w, true, v.T("integration.test_dropped"))
		redirect(w, r, fmt.Sprintf("/integrations/%d", id))
		return
	}
	h.setFlash(w, false, v.T("integration.test_sent"))
	redirect(w, r, fmt.Sprintf("/alerts/%d", res.AlertID))
}
