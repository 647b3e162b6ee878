package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

// importPage is the import form, and once posted the preview of what the
// plan would make of the schedule, with the Apply button that posts it again.
type importPage struct {
	*view
	Schedule *tocsin.Schedule
	CSV      string // the posted plan, carried to Apply in a hidden field
	Layer    string
	DayStart string
	Error    string             // the form as a whole: options, size
	Errors   []oncall.PlanError // by line
	Preview  *importPreview     // nil until a plan is posted
}

// importPreview is what applying would do.
type importPreview struct {
	From, To  time.Time
	Days      int
	Created   bool // the layer is new
	People    []importPerson
	Gaps      []planGap
	Conflicts []string
	CanApply  bool // no error anywhere
}

// importPerson is one person's imported shifts.
type importPerson struct {
	UserID int64
	Name   string
	Shifts []tocsin.FixedShift
}

// scheduleImportForm serves GET /schedules/{id}/import.
func (h *Handler) scheduleImportForm(w http.ResponseWriter, r *http.Request, v *view) {
	s := h.pathSchedule(w, r, v)
	if s == nil {
		return
	}
	p := &importPage{view: v, Schedule: s, Layer: oncall.DefaultImportLayer, DayStart: oncall.FormatDayStart(oncall.DayStart(s))}
	h.render(w, r, http.StatusOK, "schedule_import", p)
}

// scheduleImport serves POST /schedules/{id}/import: a preview, or with
// apply=1 the same checks again and then the write. Nothing is stored unless
// the whole plan is valid and Apply was pressed.
func (h *Handler) scheduleImport(w http.ResponseWriter, r *http.Request, v *view) {
	s := h.pathSchedule(w, r, v)
	if s == nil {
		return
	}
	ctx := r.Context()
	p := &importPage{view: v, Schedule: s}
	data, err := readPlanUpload(r)
	p.Layer, p.DayStart = formValue(r, "layer"), formValue(r, "day_start")
	if err != nil {
		if tocsin.ErrorCode(err) != tocsin.EINVALID && tocsin.ErrorCode(err) != tocsin.ETOOLARGE {
			h.fail(w, r, v, err)
			return
		}
		p.Error = tocsin.ErrorMessage(err)
		h.render(w, r, statusOf(err), "schedule_import", p)
		return
	}
	p.CSV = string(data)
	imp, plan, err := oncall.PreviewImport(ctx, h.opts.DB, s, data, oncall.ImportOptions{Layer: p.Layer, DayStart: p.DayStart})
	if err != nil {
		if tocsin.ErrorCode(err) != tocsin.EINVALID {
			h.fail(w, r, v, err)
			return
		}
		p.Error = tocsin.ErrorMessage(err)
	}
	p.Errors = plan.Errors
	names, _, nerr := h.userNames(ctx)
	if nerr != nil {
		h.fail(w, r, v, nerr)
		return
	}
	if imp != nil {
		p.Layer, p.DayStart = imp.Layer, oncall.FormatDayStart(imp.DayStart)
		p.Preview = v.importPreview(imp, plan, names)
	}
	if p.Error != "" || len(p.Errors) > 0 {
		h.render(w, r, http.StatusBadRequest, "schedule_import", p)
		return
	}
	if formValue(r, "apply") == "" {
		h.render(w, r, http.StatusOK, "schedule_import", p)
		return
	}
	if err := h.opts.DB.UpdateSchedule(ctx, imp.Schedule, h.opts.Clock.Now()); err != nil {
		if code := tocsin.ErrorCode(err); code != tocsin.EINVALID && code != tocsin.ECONFLICT {
			h.fail(w, r, v, err)
			return
		}
		p.Error = tocsin.ErrorMessage(err)
		h.render(w, r, statusOf(err), "schedule_import", p)
		return
	}
	h.setFlash(w, false, v.N("import.applied", len(imp.Shifts), "Layer", imp.Layer))
	redirect(w, r, fmt.Sprintf("/schedules/%d", s.ID))
}

// readPlanUpload reads the posted plan: the uploaded file when one was
// chosen, else the text area.
func readPlanUpload(r *http.Request) ([]byte, error) {
	err := r.ParseMultipartForm(2 * tocsin.MaxBodyBytes)
	if errors.Is(err, http.ErrNotMultipart) {
		err = r.ParseForm()
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, tocsin.Errorf(tocsin.ETOOLARGE, "the plan is larger than %d KiB", oncall.MaxPlanCSVBytes>>10)
	}
	if err != nil {
		return nil, tocsin.Errorf(tocsin.EINVALID, "the form could not be read: %v", err)
	}
	if f, hdr, err := r.FormFile("file"); err == nil {
		defer f.Close()
		if hdr.Size > 0 {
			data, err := io.ReadAll(io.LimitReader(f, oncall.MaxPlanCSVBytes+1))
			if err != nil {
				return nil, fmt.Errorf("read the uploaded plan: %w", err)
			}
			return data, nil
		}
	}
	data := []byte(r.PostFormValue("csv"))
	if len(data) == 0 {
		return nil, tocsin.Errorf(tocsin.EINVALID, "choose a CSV file or paste the plan")
	}
	return data, nil
}

// importPreview lays out an import for the page.
func (v *view) importPreview(imp *oncall.Import, plan *oncall.CSVPlan, names map[int64]string) *importPreview {
	pv := &importPreview{From: imp.From, To: imp.To, Days: len(plan.Rows), Created: imp.Created, CanApply: len(plan.Errors) == 0}
	at := map[int64]int{}
	for _, f := range imp.Shifts {
		i, ok := at[f.UserID]
		if !ok {
			i = len(pv.People)
			at[f.UserID] = i
			pv.People = append(pv.People, importPerson{UserID: f.UserID, Name: nameOf(names, f.UserID)})
		}
		pv.People[i].Shifts = append(pv.People[i].Shifts, f)
	}
	for _, g := range imp.Plan.Gaps {
		pg := planGap{Start: g.Start, End: g.End}
		if g.Off != 0 {
			pg.Off = nameOf(names, g.Off)
		}
		pv.Gaps = append(pv.Gaps, pg)
	}
	for _, c := range imp.Plan.Conflicts {
		pv.Conflicts = append(pv.Conflicts, v.T("import.conflict."+string(c.Kind), "Name", nameOf(names, c.UserID), "From", v.Time(c.Start), "To", v.Time(c.End)))
	}
	return pv
}
