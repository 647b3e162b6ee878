package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// alertActions maps the action names of forms to what they ask of an alert.
func alertAction(name string) (tocsin.EventAction, bool) {
	switch name {
	case "ack":
		return tocsin.ActionAcknowledge, true
	case "unack":
		return tocsin.ActionUnacknowledge, true
	case "resolve":
		return tocsin.ActionResolve, true
	case "note":
		return tocsin.ActionNote, true
	}
	return "", false
}

// alertAct serves POST /alerts/{id}/{ack|unack|resolve|note} from the alert page.
func (h *Handler) alertAct(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	action, known := alertAction(r.PathValue("action"))
	if !ok || !known {
		h.notFound(w, r, v)
		return
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if action == tocsin.ActionNote && (note == "" || len(note) > tocsin.MaxNoteLen) {
		// The form comes back with what was typed and why it was refused.
		p, err := h.loadAlert(r, v, id)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		p.NoteText, p.NoteError = note, v.T("alert.note_empty")
		if note != "" {
			p.NoteError = v.T("alert.note_too_long", "Max", tocsin.MaxNoteLen)
		}
		h.render(w, r, http.StatusBadRequest, "alert_show", p)
		return
	}
	if action != tocsin.ActionNote {
		note = ""
	}
	changed, err := h.opts.DB.ActOnAlerts(r.Context(), []int64{id}, store.AlertAction{Action: action, Actor: v.User.Name, UserID: v.User.ID, Channel: tocsin.ChannelWeb, Note: note}, h.opts.Clock.Now())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if len(changed) > 0 {
		// Status updates to those paged, and pages no longer needed, leave at once.
		h.wakeEngine()
	}
	h.Notify()
	if len(changed) == 0 {
		// Say where it stands: "already in that state" read wrong for an
		// acknowledgement of a resolved alert.
		a, err := h.opts.DB.Alert(r.Context(), id)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		h.setFlash(w, false, v.T("alert.unchanged", "Status", strings.ToLower(v.T("status."+string(a.Status)))))
	} else {
		h.setFlash(w, false, v.T("alert.done."+r.PathValue("action")))
	}
	redirect(w, r, fmt.Sprintf("/alerts/%d", id))
}
