package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// timeOffCreate serves POST /shifts/time-off: the signed-in user marks a
// window when they must not be scheduled, in every schedule they are in.
func (h *Handler) timeOffCreate(w http.ResponseWriter, r *http.Request, v *view) {
	form := timeOffForm{Start: formValue(r, "start"), End: formValue(r, "end"), Note: formValue(r, "note")}
	t := tocsin.TimeOff{UserID: v.User.ID, Note: form.Note}
	var err error
	t.Start, t.End, err = v.parseLocalSpan(form.Start, form.End, v.T("timeoff.start"), v.T("timeoff.end"))
	if err == nil {
		err = h.opts.DB.AddTimeOff(r.Context(), &t, h.opts.Clock.Now())
	}
	if err != nil {
		if tocsin.ErrorCode(err) != tocsin.EINVALID {
			h.fail(w, r, v, err)
			return
		}
		form.Error = tocsin.ErrorMessage(err)
		h.renderShifts(w, r, v, http.StatusBadRequest, form)
		return
	}
	h.setFlash(w, false, v.T("timeoff.saved"))
	redirect(w, r, "/shifts")
}
