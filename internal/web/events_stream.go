package web

import (
	"fmt"
	"net/http"
	"time"
)

// Live-stream timing: heartbeats keep proxies from closing an idle stream, and
// events to one page are at least eventGap apart so that an alert storm makes a
// page reload its list about once a second, not once per alert.
const (
	heartbeatEvery = 25 * time.Second
	eventGap       = time.Second
)

// eventsStream serves GET /events: Server-Sent Events that say "alerts changed"
// (event "alerts", data = a version number). Pages then fetch what they show.
func (h *Handler) eventsStream(w http.ResponseWriter, r *http.Request) {
	user, err := h.sessionUser(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	if user == nil {
		http.Error(w, "signed out", http.StatusUnauthorized)
		return
	}
	sub, ok := h.hub.subscribe()
	if !ok {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	defer h.hub.unsubscribe(sub)

	rc := http.NewResponseController(w)
	// The server's ReadTimeout bounds reading requests; a stream lives for hours.
	rc.SetReadDeadline(time.Time{})
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	// The comment line gets the headers out now; retry tells browsers when to reconnect.
	if _, err := fmt.Fprint(w, "retry: 3000\n: connected\n\n"); err != nil {
		return
	}
	if rc.Flush() != nil {
		return
	}

	heartbeat := time.NewTicker(heartbeatEvery)
	defer heartbeat.Stop()
	ctx := r.Context()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.hub.done:
			return
		case <-heartbeat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case <-sub.ch:
			v := h.hub.currentVersion()
			if _, err := fmt.Fprintf(w, "id: %d\nevent: alerts\ndata: %d\n\n", v, v); err != nil || rc.Flush() != nil {
				return
			}
			// Signals that arrive meanwhile wait in the channel and become one event.
			gap := time.NewTimer(eventGap)
			select {
			case <-ctx.Done():
				gap.Stop()
				return
			case <-h.hub.done:
				gap.Stop()
				return
			case <-gap.C:
			}
		}
	}
}
