package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// scheduleDeletePage asks before a schedule goes: its overrides go with it.
type scheduleDeletePage struct {
	*view
	Schedule  *tocsin.Schedule
	Overrides int
}

// scheduleDeleteConfirm serves GET /schedules/{id}/delete: the confirmation
// step, a page of its own so that it works without JavaScript.
func (h *Handler) scheduleDeleteConfirm(w http.ResponseWriter, r *http.Request, v *view) {
	s := h.pathSchedule(w, r, v)
	if s == nil {
		return
	}
	h.render(w, r, http.StatusOK, "schedule_delete", &scheduleDeletePage{view: v, Schedule: s, Overrides: len(s.Overrides)})
}

// scheduleDelete serves POST /schedules/{id}/delete. Without the confirmation
// field (a form posted from elsewhere than the confirmation page) it asks first.
func (h *Handler) scheduleDelete(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		redirect(w, r, r.URL.Path)
		return
	}
	ctx := r.Context()
	s, err := h.opts.DB.Schedule(ctx, id)
	if err == nil {
		err = h.opts.DB.DeleteSchedule(ctx, id)
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("schedule_edit.deleted", "Name", s.Name))
	redirect(w, r, "/schedules")
}
