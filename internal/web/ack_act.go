package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// ackAct serves POST /ack/{key} with action=acknowledge or resolve: the
// person the link names acts on its alert, without signing in (the token
// is the credential), recorded as done through the channel the link came by.
func (h *Handler) ackAct(w http.ResponseWriter, r *http.Request) {
	p, ok := h.ackLink(w, r)
	if !ok {
		return
	}
	var action tocsin.EventAction
	var done string
	switch r.PostFormValue("action") {
	case "acknowledge":
		action, done = tocsin.ActionAcknowledge, p.T("ack_link.done_acknowledge")
	case "resolve":
		action, done = tocsin.ActionResolve, p.T("ack_link.done_resolve")
	default:
		h.showError(w, r, p.view, http.StatusBadRequest, p.T("error.bad_form"))
		return
	}
	act := store.AlertAction{Action: action, Actor: p.For.Name, UserID: p.For.ID, Channel: p.Via}
	if p.Via == tocsin.ChannelChat {
		// A link posted in a shared chat may be clicked by a colleague: the
		// link's owner may not know, so they still get their update.
		act.UserID = 0
	}
	changed, err := h.opts.DB.ActOnAlerts(r.Context(), []int64{p.Alert.ID}, act, h.opts.Clock.Now())
	if err != nil {
		h.fail(w, r, p.view, err)
		return
	}
	if len(changed) == 0 {
		h.setFlash(w, false, p.T("ack_link.unchanged"))
	} else {
		if h.opts.Wake != nil {
			h.opts.Wake()
		}
		h.Notify()
		h.setFlash(w, false, done)
	}
	redirect(w, r, r.URL.Path)
}
