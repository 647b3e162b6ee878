package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tocsin/tocsin"
)

// pagingForm is a service's paging settings as the form shows them: which
// policy pages in business hours, which outside them, and those hours.
type pagingForm struct {
	PolicyID   string
	OffHoursID string
	Days       map[string]bool
	Start, End string
	Timezone   string
	Error      string
}

// pagingFormFrom shows a stored service's settings; a service without
// business hours has the default ones (Monday to Friday 09:00–18:00 UTC).
func pagingFormFrom(s *tocsin.Service) pagingForm {
	hours := tocsin.DefaultWorkingHours("UTC")
	if s.BusinessHours != nil {
		hours = *s.BusinessHours
	}
	f := pagingForm{Start: hours.Start, End: hours.End, Timezone: hours.Timezone, Days: map[string]bool{}}
	if s.EscalationPolicyID != 0 {
		f.PolicyID = strconv.FormatInt(s.EscalationPolicyID, 10)
	}
	if s.OffHoursPolicyID != 0 {
		f.OffHoursID = strconv.FormatInt(s.OffHoursPolicyID, 10)
	}
	days := hours.Days
	if len(days) == 0 {
		days = tocsin.DefaultWorkingHours("UTC").Days
	}
	for _, d := range days {
		f.Days[strings.ToLower(d)] = true
	}
	return f
}

// readPagingForm reads the posted settings as typed.
func readPagingForm(r *http.Request) (pagingForm, error) {
	f := pagingForm{PolicyID: formValue(r, "policy"), OffHoursID: formValue(r, "off_hours_policy"), Start: formValue(r, "start"),
		End: formValue(r, "end"), Timezone: formValue(r, "timezone"), Days: map[string]bool{}}
	for _, d := range r.PostForm["days"] {
		if len(f.Days) < 7 {
			f.Days[strings.ToLower(strings.TrimSpace(d))] = true
		}
	}
	for _, s := range []string{f.PolicyID, f.OffHoursID, f.Start, f.End, f.Timezone} {
		if len(s) > 100 {
			return f, tocsin.Errorf(tocsin.EINVALID, "a field of the paging settings is too long")
		}
	}
	return f, nil
}

// apply sets the form's settings on the service: policies by id (each one
// that exists), and business hours, kept unset while they are the default.
func (f *pagingForm) apply(s *tocsin.Service, policies []*tocsin.EscalationPolicy) error {
	pick := func(raw, what string) (int64, error) {
		id, err := optionalID(raw, what)
		if err != nil || id == 0 {
			return 0, err
		}
		if !slices.ContainsFunc(policies, func(p *tocsin.EscalationPolicy) bool { return p.ID == id }) {
			return 0, tocsin.Errorf(tocsin.EINVALID, "escalation policy %d does not exist", id)
		}
		return id, nil
	}
	var err error
	if s.EscalationPolicyID, err = pick(f.PolicyID, "escalation policy"); err != nil {
		return err
	}
	if s.OffHoursPolicyID, err = pick(f.OffHoursID, "off-hours policy"); err != nil {
		return err
	}
	// The names would take over from ids set to 0 (the store resolves names given alone).
	s.EscalationPolicy, s.OffHoursPolicy = "", ""
	hours := tocsin.TimeWindow{Timezone: f.Timezone, Start: f.Start, End: f.End}
	for _, d := range weekdayNames() {
		if f.Days[d] {
			hours.Days = append(hours.Days, d)
		}
	}
	if len(hours.Days) == 0 {
		// No day at all would read as Monday to Friday: refuse rather than surprise.
		return tocsin.Errorf(tocsin.EINVALID, "business hours: check at least one day")
	}
	if hours.Timezone == "" {
		hours.Timezone = "UTC"
	}
	if slices.Equal(hours.Days, tocsin.DefaultWorkingHours("UTC").Days) && hours.Start == "09:00" && hours.End == "18:00" && hours.Timezone == "UTC" {
		s.BusinessHours = nil
	} else {
		s.BusinessHours = &hours
	}
	return nil
}

// servicePaging serves POST /services/{id}/paging: the escalation policies and
// business hours. Only these change; the rest of the service stays as stored.
func (h *Handler) servicePaging(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		h.showError(w, r, v, http.StatusBadRequest, v.T("error.bad_form"))
		return
	}
	svc, err := h.opts.DB.Service(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	form, err := readPagingForm(r)
	if err == nil {
		var policies []*tocsin.EscalationPolicy
		if policies, err = h.opts.DB.EscalationPolicies(ctx); err == nil {
			err = form.apply(svc, policies)
		}
	}
	if err == nil {
		err = h.opts.DB.UpdateService(ctx, svc)
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		form.Error = tocsin.ErrorMessage(err)
		h.renderServiceWith(w, r, v, id, statusOf(err), func(p *servicePage) { p.Paging = form })
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("service_paging.saved"))
	redirect(w, r, fmt.Sprintf("/services/%d#paging", id))
}

// Hours are the service's business hours: the default ones when it has none.
func (p *servicePage) Hours() *tocsin.TimeWindow {
	if p.Service.BusinessHours != nil {
		return p.Service.BusinessHours
	}
	hours := tocsin.DefaultWorkingHours("UTC")
	return &hours
}
