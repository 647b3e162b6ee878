package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// statusTimelinePage is the status page's internal timeline: who published
// what wording, when.
type statusTimelinePage struct {
	*view
	Events []tocsin.StatusEvent
}

// statusTimeline serves GET /statuspage/timeline: the latest 500 events.
func (h *Handler) statusTimeline(w http.ResponseWriter, r *http.Request, v *view) {
	events, err := h.opts.DB.StatusEvents(r.Context(), 0, 500)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, http.StatusOK, "status_timeline", &statusTimelinePage{view: v, Events: events})
}

// statusEvents is what the internal timeline partial shows; Links adds a
// link to each event's incident.
type statusEvents struct {
	View   *view
	Events []tocsin.StatusEvent
	Links  bool
}

// EventRows is the timeline, each event linking to its incident.
func (p *statusTimelinePage) EventRows() statusEvents {
	return statusEvents{View: p.view, Events: p.Events, Links: true}
}
