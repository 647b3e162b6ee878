package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tocsin/tocsin"
)

// prefsSave serves POST /profile/notify: status updates and the shift reminder.
func (h *Handler) prefsSave(w http.ResponseWriter, r *http.Request, v *view) {
	form := prefsForm{filled: true, StatusUpdates: checked(r, "status_updates")}
	refuse := func(msg string) {
		form.Error = msg
		h.renderProfile(w, r, v, http.StatusBadRequest, &profilePage{pagingPanel: pagingPanel{Prefs: form}})
	}
	minutes, err := strconv.Atoi(formValue(r, "reminder"))
	if err != nil || minutes < 0 || minutes > 7*24*60 {
		refuse(v.T("prefs.reminder_bad"))
		return
	}
	form.ReminderMinutes = minutes
	prefs := tocsin.NotifyPreferences{StatusUpdates: form.StatusUpdates, ShiftReminder: time.Duration(minutes) * time.Minute}
	if err := h.opts.DB.SetNotifyPreferences(r.Context(), v.User.ID, prefs); err != nil {
		if tocsin.ErrorCode(err) == tocsin.EINVALID {
			refuse(tocsin.ErrorMessage(err))
			return
		}
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("prefs.saved"))
	redirect(w, r, "/profile#prefs")
}
