package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tocsin/tocsin"
)

// notifyRuleCreate serves POST /profile/rules: for alerts of an urgency, page this
// method this many minutes after I am paged.
func (h *Handler) notifyRuleCreate(w http.ResponseWriter, r *http.Request, v *view) {
	form := notifyRuleForm{Urgency: formValue(r, "urgency"), Delay: formValue(r, "delay")}
	refuse := func(status int, msg string) {
		form.Error = msg
		h.renderProfile(w, r, v, status, &profilePage{pagingPanel: pagingPanel{RuleForm: form}})
	}
	if form.Urgency != string(tocsin.UrgencyHigh) && form.Urgency != string(tocsin.UrgencyLow) {
		form.Urgency = string(tocsin.UrgencyHigh)
		refuse(http.StatusBadRequest, v.T("error.bad_form"))
		return
	}
	id, err := strconv.ParseInt(formValue(r, "contact"), 10, 64)
	if err != nil || id <= 0 {
		refuse(http.StatusBadRequest, v.T("nrules.pick_method"))
		return
	}
	form.ContactID = id
	minutes, err := strconv.Atoi(form.Delay)
	if form.Delay == "" {
		minutes, err = 0, nil
	}
	if err != nil || minutes < 0 || minutes > 120 {
		refuse(http.StatusBadRequest, v.T("nrules.delay_bad"))
		return
	}
	rule := &tocsin.NotificationRule{UserID: v.User.ID, ContactMethodID: id, Urgency: tocsin.Urgency(form.Urgency), Delay: time.Duration(minutes) * time.Minute}
	if err := h.opts.DB.AddNotificationRule(r.Context(), rule); err != nil {
		switch tocsin.ErrorCode(err) {
		case tocsin.EINVALID:
			refuse(http.StatusBadRequest, tocsin.ErrorMessage(err))
		case tocsin.ECONFLICT:
			refuse(http.StatusConflict, v.T("nrules.exists"))
		default:
			h.fail(w, r, v, err)
		}
		return
	}
	h.setFlash(w, false, v.T("nrules.added"))
	redirect(w, r, "/profile#rules")
}
