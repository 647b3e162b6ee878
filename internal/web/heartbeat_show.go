package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/tocsin/tocsin"
)

// heartbeatPage is one heartbeat: its state, its pings, how to ping it, and
// for admins the edit form.
type heartbeatPage struct {
	*view
	Heartbeat  heartbeatRow
	BaseURL    string // this server's public URL, for the Opsgenie example
	Services   []*tocsin.Service
	Priorities []tocsin.Priority
	Form       heartbeatForm
	Examples   []heartbeatExample
}

// heartbeatExample is a way to ping the heartbeat, ready to paste. Text is
// plain text: the template escapes it.
type heartbeatExample struct {
	ID, Title, Text string
}

// heartbeatExamples are the usual ways to ping: curl at the end of a job, in a
// crontab with the exit status, around a run with its output, Alertmanager's
// Watchdog, and Opsgenie's heartbeat ping.
func heartbeatExamples(v *view, b heartbeatRow, base string) []heartbeatExample {
	curl := "curl -fsS -m 10 --retry 5 "
	return []heartbeatExample{
		{"hb-ex-success", v.T("heartbeat.ex_success"), curl + b.PingURL},
		{"hb-ex-exit", v.T("heartbeat.ex_exit"), "0 3 * * * /usr/local/bin/backup.sh; " + curl + b.PingURL + "/$?"},
		{"hb-ex-run", v.T("heartbeat.ex_run"), curl + b.PingURL + "/start\n" +
			"/usr/local/bin/backup.sh > /tmp/backup.log 2>&1\n" +
			curl + "--data-binary @/tmp/backup.log " + b.PingURL + "/$?"},
		{"hb-ex-watchdog", v.T("heartbeat.ex_watchdog"), fmt.Sprintf(`# alertmanager.yml: Watchdog always fires; when it stops coming,
# the heartbeat goes down.
route:
  routes:
    - matchers: ['alertname = "Watchdog"']
      receiver: tocsin-heartbeat
      group_wait: 0s
      group_interval: 1m
      repeat_interval: 1m
receivers:
  - name: tocsin-heartbeat
    webhook_configs:
      - url: %s
        send_resolved: false
`, yamlString(b.PingURL))},
		{"hb-ex-opsgenie", v.T("heartbeat.ex_opsgenie"), curl + "-X POST " + shellQuote(base+"/v2/heartbeats/"+b.Name+"/ping") +
			" -H 'Authorization: GenieKey <" + v.T("heartbeat.ex_key") + ">'"},
	}
}

// Minutes writes a whole-minute duration for people ("1h 30m").
func (p *heartbeatPage) Minutes(d time.Duration) string { return tocsin.FormatMinutes(d) }

// heartbeatShow serves GET /heartbeats/{id}.
func (h *Handler) heartbeatShow(w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := pathID(r)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	h.renderHeartbeat(w, r, v, id, http.StatusOK, nil)
}

// renderHeartbeat shows the page; form, when given, is a refused edit.
func (h *Handler) renderHeartbeat(w http.ResponseWriter, r *http.Request, v *view, id int64, status int, form *heartbeatForm) {
	ctx := r.Context()
	b, err := h.opts.DB.Heartbeat(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p := &heartbeatPage{view: v, Heartbeat: h.heartbeatRow(b), BaseURL: h.opts.PublicURL, Priorities: tocsin.Priorities()}
	if form != nil {
		p.Form = *form
	} else {
		p.Form = heartbeatForm{Name: b.Name, ServiceID: b.ServiceID, Priority: string(b.Priority)}
		p.Form.PeriodValue, p.Form.PeriodUnit = splitMinutes(b.Period)
		p.Form.GraceValue, p.Form.GraceUnit = splitMinutes(b.Grace)
	}
	p.Examples = heartbeatExamples(v, p.Heartbeat, h.opts.PublicURL)
	if v.CanConfigure() {
		if p.Services, err = h.opts.DB.Services(ctx, 0); err != nil {
			h.fail(w, r, v, err)
			return
		}
	}
	h.render(w, r, status, "heartbeat_show", p)
}
