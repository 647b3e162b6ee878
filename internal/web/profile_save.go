package web

import (
	"net/http"
	"slices"

	"github.com/tocsin/tocsin"
)

// profileSave serves POST /profile: name, time zone, language ("" follows
// the browser), phone number and working hours. The role is not the user's
// to change.
func (h *Handler) profileSave(w http.ResponseWriter, r *http.Request, v *view) {
	form := profileForm{filled: true, Name: formValue(r, "name"), Timezone: formValue(r, "timezone"), Locale: formValue(r, "locale"),
		Phone: formValue(r, "phone"), Days: map[string]bool{}, WorkStart: formValue(r, "work_start"), WorkEnd: formValue(r, "work_end")}
	for _, d := range r.PostForm["days"] {
		if slices.Contains(weekdayNames(), d) {
			form.Days[d] = true
		}
	}
	refuse := func(msg string) {
		form.Error = msg
		h.renderProfile(w, r, v, http.StatusBadRequest, &profilePage{Form: form})
	}
	if len(form.Phone) > 40 {
		refuse(v.T("profile_contact.phone_too_long"))
		return
	}
	if _, err := tocsin.NormalizePhone(form.Phone); err != nil {
		refuse(v.T("profile_contact.phone_bad"))
		return
	}
	u := *v.User
	u.Name, u.Timezone, u.Locale = form.Name, form.Timezone, form.Locale
	// A form without these fields (a script's, an older page's) leaves them as they are.
	if _, sent := r.PostForm["phone"]; sent {
		u.Phone = form.Phone
	}
	if _, sent := r.PostForm["work_start"]; sent {
		hours, err := workingHours(v, form)
		if err != nil {
			refuse(tocsin.ErrorMessage(err))
			return
		}
		u.WorkingHours = hours
	} else if u.WorkingHours != nil {
		hours := *u.WorkingHours
		hours.Timezone = "" // follows a new time zone
		u.WorkingHours = &hours
	}
	if err := h.opts.DB.UpdateUser(r.Context(), &u, ""); err != nil {
		if tocsin.ErrorCode(err) == tocsin.EINVALID {
			refuse(tocsin.ErrorMessage(err))
			return
		}
		h.fail(w, r, v, err)
		return
	}
	// The message is in the language just chosen.
	v.Lang = h.i18n.pick(u.Locale, r.Header.Get("Accept-Language"))
	h.setFlash(w, false, v.T("profile.saved"))
	redirect(w, r, "/profile")
}

// workingHours reads the form's days and hours. They take the person's time
// zone (again at each save, so a move follows), and the default (Monday to
// Friday, 09:00–18:00) is stored as nothing at all.
func workingHours(v *view, f profileForm) (*tocsin.TimeWindow, error) {
	var days []string
	for _, d := range weekdayNames() {
		if f.Days[d] {
			days = append(days, d)
		}
	}
	if len(days) == 0 {
		return nil, tocsin.Errorf(tocsin.EINVALID, "%s", v.T("profile_contact.hours_no_day"))
	}
	w := &tocsin.TimeWindow{Timezone: "UTC", Days: days, Start: f.WorkStart, End: f.WorkEnd}
	if err := w.Validate(); err != nil {
		return nil, tocsin.Errorf(tocsin.EINVALID, "%s", v.T("profile_contact.hours_bad_time"))
	}
	if w.Start == w.End {
		return nil, tocsin.Errorf(tocsin.EINVALID, "%s", v.T("profile_contact.hours_empty"))
	}
	w.Timezone = ""
	def := tocsin.DefaultWorkingHours("")
	if slices.Equal(w.Days, def.Days) && w.Start == def.Start && w.End == def.End {
		return nil, nil
	}
	return w, nil
}
