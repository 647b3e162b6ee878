package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// maintenanceForm is a new maintenance window as typed: one-off (From–To, read
// in Timezone) or weekly (Days, Start–End in Timezone).
type maintenanceForm struct {
	Kind       string // "once" or "weekly": which of the two forms was sent
	From, To   string // datetime-local
	Days       map[string]bool
	Start, End string
	Timezone   string
	Note       string
	Error      string
}

// maintenanceRow is a stored window as the service page lists it.
type maintenanceRow struct {
	Index  int
	Window tocsin.MaintenanceWindow
	Key    string // the window as text: deleting checks it is still the one at Index
	Active bool   // alerts are recorded without paging right now
	Ended  bool   // a one-off window in the past
}

// newMaintenanceForm is the empty form: times in the business hours' zone
// when the service has some, else the viewer's.
func (v *view) newMaintenanceForm(s *tocsin.Service) maintenanceForm {
	zone := v.tz.String()
	if s.BusinessHours != nil && s.BusinessHours.Timezone != "" {
		zone = s.BusinessHours.Timezone
	}
	return maintenanceForm{Timezone: zone, Days: map[string]bool{}, Start: "02:00", End: "03:00"}
}

// maintenanceRows lists a service's windows for its page.
func maintenanceRows(s *tocsin.Service, now time.Time) []maintenanceRow {
	rows := make([]maintenanceRow, len(s.Maintenance))
	for i, w := range s.Maintenance {
		rows[i] = maintenanceRow{Index: i, Window: w, Key: w.String(), Active: w.Contains(now), Ended: w.Weekly == nil && !now.Before(w.To)}
	}
	return rows
}

// WindowText describes a maintenance window in the viewer's language: a
// one-off one in the viewer's zone, a weekly one in its own.
func (v *view) WindowText(w tocsin.MaintenanceWindow) string {
	if w.Weekly != nil {
		return v.T("service_paging.window_weekly", "Window", v.Window(w.Weekly))
	}
	return v.T("service_paging.window_once", "From", v.Time(w.From), "To", v.Time(w.To))
}

// readMaintenanceForm reads the posted window and turns it into one.
func readMaintenanceForm(r *http.Request) (maintenanceForm, *tocsin.MaintenanceWindow, error) {
	f := maintenanceForm{Kind: formValue(r, "kind"), From: formValue(r, "from"), To: formValue(r, "to"), Start: formValue(r, "start"),
		End: formValue(r, "end"), Timezone: formValue(r, "timezone"), Note: formValue(r, "note"), Days: map[string]bool{}}
	for _, d := range r.PostForm["days"] {
		if len(f.Days) < 7 {
			f.Days[strings.ToLower(strings.TrimSpace(d))] = true
		}
	}
	for _, s := range []string{f.Kind, f.From, f.To, f.Start, f.End, f.Timezone} {
		if len(s) > 100 {
			return f, nil, tocsin.Errorf(tocsin.EINVALID, "a field of the maintenance window is too long")
		}
	}
	if len(f.Note) > 200 {
		return f, nil, tocsin.Errorf(tocsin.EINVALID, "maintenance note is longer than 200 characters")
	}
	if f.Timezone == "" {
		f.Timezone = "UTC"
	}
	loc, err := tocsin.LoadZone(f.Timezone)
	if err != nil {
		return f, nil, err
	}
	w := &tocsin.MaintenanceWindow{Note: f.Note}
	switch f.Kind {
	case "once":
		read := func(s, what string) (time.Time, error) {
			for _, layout := range []string{localInput, "2006-01-02T15:04:05"} {
				if t, err := time.ParseInLocation(layout, s, loc); err == nil {
					return t.UTC(), nil
				}
			}
			return time.Time{}, tocsin.Errorf(tocsin.EINVALID, "%s %q is not a date and time (YYYY-MM-DD HH:MM)", what, s)
		}
		if w.From, err = read(f.From, "from"); err != nil {
			return f, nil, err
		}
		if w.To, err = read(f.To, "to"); err != nil {
			return f, nil, err
		}
	case "weekly":
		w.Weekly = &tocsin.TimeWindow{Timezone: f.Timezone, Start: f.Start, End: f.End}
		for _, d := range weekdayNames() {
			if f.Days[d] {
				w.Weekly.Days = append(w.Weekly.Days, d)
			}
		}
		if len(w.Weekly.Days) == 0 {
			// No day would read as Monday to Friday.
			return f, nil, tocsin.Errorf(tocsin.EINVALID, "a weekly maintenance window needs at least one day")
		}
	default:
		return f, nil, tocsin.Errorf(tocsin.EINVALID, "a maintenance window is either one-off or weekly")
	}
	return f, w, w.Validate(f.Timezone)
}

// maintenanceAdd serves POST /services/{id}/maintenance: one window more.
func (h *Handler) maintenanceAdd(w http.ResponseWriter, r *http.Request, v *view) {
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
	form, win, err := readMaintenanceForm(r)
	if err == nil {
		svc.Maintenance = append(svc.Maintenance, *win)
		err = h.opts.DB.UpdateService(ctx, svc)
	}
	switch code := tocsin.ErrorCode(err); {
	case err == nil:
	case code == tocsin.EINVALID || code == tocsin.ECONFLICT:
		form.Error = tocsin.ErrorMessage(err)
		h.renderServiceWith(w, r, v, id, statusOf(err), func(p *servicePage) { p.Maintenance = form })
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("service_paging.window_added"))
	redirect(w, r, fmt.Sprintf("/services/%d#maintenance", id))
}

// maintenanceDelete serves POST /services/{id}/maintenance/{index}/delete. The
// form names the window too: when the list changed since the page was shown,
// nothing is deleted rather than the wrong window.
func (h *Handler) maintenanceDelete(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	index, err := strconv.Atoi(r.PathValue("index"))
	if !ok || err != nil || index < 0 {
		h.notFound(w, r, v)
		return
	}
	ctx := r.Context()
	svc, err := h.opts.DB.Service(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	back := fmt.Sprintf("/services/%d#maintenance", id)
	if index >= len(svc.Maintenance) || svc.Maintenance[index].String() != r.PostFormValue("window") {
		h.setFlash(w, true, v.T("service_paging.window_changed"))
		redirect(w, r, back)
		return
	}
	svc.Maintenance = append(svc.Maintenance[:index:index], svc.Maintenance[index+1:]...)
	if err := h.opts.DB.UpdateService(ctx, svc); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setFlash(w, false, v.T("service_paging.window_deleted"))
	redirect(w, r, back)
}
