package web

import (
	"fmt"
	"net/http"
	"strconv"
)

// overrideDelete serves POST /schedules/{id}/overrides/{oid}/delete: the
// override goes and the rotation takes its window back. The planning's window
// (from, weeks) is kept when it was sent along.
func (h *Handler) overrideDelete(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	oid, err := strconv.ParseInt(r.PathValue("oid"), 10, 64)
	if !ok || err != nil || oid <= 0 {
		h.notFound(w, r, v)
		return
	}
	if err := h.opts.DB.DeleteOverride(r.Context(), id, oid); err != nil {
		h.fail(w, r, v, err)
		return
	}
	back := fmt.Sprintf("/schedules/%d", id)
	if win, err := v.readWindow(r.PostFormValue("from"), r.PostFormValue("weeks")); err == nil && win.query != "" {
		back += "?" + win.query
	}
	h.setFlash(w, false, v.T("override_list.deleted"))
	redirect(w, r, back+"#overrides")
}
