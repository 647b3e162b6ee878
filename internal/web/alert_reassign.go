package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// alertReassign serves POST /alerts/{id}/reassign: "to" is user:EMAIL (that
// person is paged now, by their own rules) or policy:NAME (which replaces the
// alert's policy, from its first step).
func (h *Handler) alertReassign(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	ctx := r.Context()
	// A missing alert is a 404 page; a missing person or policy, a message on the alert's.
	if _, err := h.opts.DB.Alert(ctx, id); err != nil {
		h.fail(w, r, v, err)
		return
	}
	var target tocsin.Target
	var err error
	if to := formValue(r, "to"); to == "" {
		err = tocsin.Errorf(tocsin.EINVALID, "%s", v.T("alert_escalation.reassign_none"))
	} else if len(to) > 600 {
		err = tocsin.Errorf(tocsin.EINVALID, "the person or policy named is too long")
	} else {
		target, err = tocsin.ParseTarget(to)
	}
	if err == nil && target.Kind != tocsin.TargetUser && target.Kind != tocsin.TargetPolicy {
		err = tocsin.Errorf(tocsin.EINVALID, "an alert is reassigned to a person or an escalation policy")
	}
	if err == nil {
		err = h.opts.DB.Reassign(ctx, id, target, v.User.Name, tocsin.ChannelWeb, h.opts.Clock.Now())
	}
	h.afterPagingAction(w, r, v, id, err, v.T("alert_escalation.reassigned_done"))
}
