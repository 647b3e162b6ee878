package web

import (
	"bytes"
	"net/http"

	"github.com/tocsin/tocsin/internal/oncall"
)

// scheduleExport serves GET /schedules/{id}/planning.csv?from=YYYY-MM-DD&weeks=N:
// the planning as the spreadsheet the team kept (date, person, note), which
// the import reads back.
func (h *Handler) scheduleExport(w http.ResponseWriter, r *http.Request, v *view) {
	s := h.pathSchedule(w, r, v)
	if s == nil {
		return
	}
	q := r.URL.Query()
	from, days, dayStart, err := oncall.ExportWindow(s, q.Get("from"), q.Get("weeks"), q.Get("day_start"), h.opts.Clock.Now())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	people, err := oncall.LoadPeople(r.Context(), h.opts.DB)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	var buf bytes.Buffer
	if err := oncall.WritePlanCSV(&buf, s, people, from, days, dayStart); err != nil {
		h.fail(w, r, v, err)
		return
	}
	sendCSV(w, oncall.PlanFileName(s, from), buf.Bytes())
}
