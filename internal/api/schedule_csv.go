package api

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
)

// importJSON is the reply of POST /schedules/{id}/import: what the plan
// makes of the schedule, and whether it was written.
type importJSON struct {
	Applied      bool              `json:"applied"`
	Layer        *string           `json:"layer"`
	LayerCreated bool              `json:"layer_created"`
	DayStart     *string           `json:"day_start"`
	From         *time.Time        `json:"from"`
	To           *time.Time        `json:"to"`
	Days         int               `json:"days"`
	Shifts       []importShiftJSON `json:"shifts"`
	Errors       []planErrorJSON   `json:"errors"`
	Gaps         []gapJSON         `json:"gaps"`
	Conflicts    []conflictJSON    `json:"conflicts"`
}

type importShiftJSON struct {
	Start time.Time   `json:"start"`
	End   time.Time   `json:"end"`
	User  *personJSON `json:"user"`
	Note  string      `json:"note"`
}

type planErrorJSON struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// importSchedule serves POST /schedules/{id}/import: the body is the plan
// (text/csv: date, person, note). With dry_run it only previews; otherwise
// it writes the fixed layer, unless any line is wrong (422, nothing written).
func (h *Handler) importSchedule(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r, "dry_run", "layer", "day_start"); err != nil {
		return err
	}
	dryRun, err := queryBool(r, "dry_run")
	if err != nil {
		return err
	}
	ctx := r.Context()
	s, err := h.findSchedule(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return tocsin.Errorf(tocsin.EINVALID, "the request body is empty; send the plan as text/csv: one line per day with the date, the person on call and a note")
	}
	q := r.URL.Query()
	imp, plan, err := oncall.PreviewImport(ctx, h.opts.DB, s, body, oncall.ImportOptions{Layer: q.Get("layer"), DayStart: q.Get("day_start")})
	if err != nil {
		return err
	}
	p, err := h.people(ctx)
	if err != nil {
		return err
	}
	out := importJSON{Days: len(plan.Rows), Shifts: []importShiftJSON{}, Errors: []planErrorJSON{}, Gaps: []gapJSON{}, Conflicts: []conflictJSON{}}
	for _, e := range plan.Errors {
		out.Errors = append(out.Errors, planErrorJSON{Line: e.Line, Message: e.Error()})
	}
	if imp != nil {
		day := oncall.FormatDayStart(imp.DayStart)
		out.Layer, out.LayerCreated, out.DayStart = &imp.Layer, imp.Created, &day
		out.From, out.To = when(imp.From), when(imp.To)
		for _, f := range imp.Shifts {
			out.Shifts = append(out.Shifts, importShiftJSON{Start: f.Start.UTC(), End: f.End.UTC(), User: p.of(f.UserID), Note: f.Note})
		}
		pj := planToJSON(imp.Schedule, imp.Plan)
		out.Gaps, out.Conflicts = pj.Gaps, pj.Conflicts
	}
	if len(plan.Errors) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, out)
		return nil
	}
	if !dryRun {
		if err := h.opts.DB.UpdateSchedule(ctx, imp.Schedule, h.opts.Clock.Now()); err != nil {
			return err
		}
		out.Applied = true
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// exportSchedule serves GET /schedules/{id}/planning.csv: the planning as a
// plan spreadsheet (date, person, note), which the import reads back.
func (h *Handler) exportSchedule(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r, "from", "weeks", "day_start"); err != nil {
		return err
	}
	ctx := r.Context()
	s, err := h.findSchedule(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	from, days, dayStart, err := oncall.ExportWindow(s, q.Get("from"), q.Get("weeks"), q.Get("day_start"), h.opts.Clock.Now())
	if err != nil {
		return err
	}
	people, err := oncall.LoadPeople(ctx, h.opts.DB)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := oncall.WritePlanCSV(&buf, s, people, from, days, dayStart); err != nil {
		return err
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/csv; charset=utf-8")
	hdr.Set("Content-Disposition", `attachment; filename="`+oncall.PlanFileName(s, from)+`"`)
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
	return nil
}

// queryBool reads an optional boolean query parameter: 1/true/yes or 0/false/no;
// present without a value is true.
func queryBool(r *http.Request, name string) (bool, error) {
	q := r.URL.Query()
	if !q.Has(name) {
		return false, nil
	}
	switch raw := strings.ToLower(strings.TrimSpace(q.Get(name))); raw {
	case "", "1", "true", "yes":
		return true, nil
	case "0", "false", "no":
		return false, nil
	default:
		return false, tocsin.Errorf(tocsin.EINVALID, "query parameter %s=%q is not true or false", name, raw)
	}
}
