package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// alertBulk serves POST /alerts/bulk: acknowledge or resolve the checked alerts,
// then back to the same list with a message saying how many changed.
func (h *Handler) alertBulk(w http.ResponseWriter, r *http.Request, v *view) {
	if err := r.ParseForm(); err != nil {
		h.showError(w, r, v, http.StatusBadRequest, v.T("error.bad_form"))
		return
	}
	back := "/alerts"
	// The list's filters come back as a query string; re-encoding them keeps
	// the redirect on the list whatever was posted.
	if ret, err := url.ParseQuery(r.PostForm.Get("return")); err == nil {
		if q, err := parseAlertQuery(ret); err == nil {
			back = q.URL()
		}
	}
	name := r.PostForm.Get("action")
	action, ok := alertAction(name)
	if !ok || action == tocsin.ActionNote {
		h.showError(w, r, v, http.StatusBadRequest, v.T("alert.bulk_unknown"))
		return
	}
	var ids []int64
	for _, s := range r.PostForm["id"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			h.showError(w, r, v, http.StatusBadRequest, v.T("alert.bulk_bad_id"))
			return
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		h.setFlash(w, true, v.T("alert.bulk_none"))
		redirect(w, r, back)
		return
	}
	changed, err := h.opts.DB.ActOnAlerts(r.Context(), ids, store.AlertAction{Action: action, Actor: v.User.Name, UserID: v.User.ID, Channel: tocsin.ChannelWeb}, h.opts.Clock.Now())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if len(changed) > 0 {
		// Status updates to those paged, and pages no longer needed, leave at once.
		h.wakeEngine()
	}
	h.Notify()
	h.setFlash(w, false, v.N("alert.bulk_done."+name, len(changed)))
	redirect(w, r, back)
}
