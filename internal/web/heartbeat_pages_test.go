package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin/internal/testkit"
)

func TestHeartbeatPages(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		admin := newBrowser(t, f.app)
		admin.login(f.admin.Email)

		p := admin.get("/heartbeats")
		if p.Status != http.StatusOK {
			t.Fatalf("list: %d", p.Status)
		}
		mustContain(t, p.Body, "No heartbeat yet.", `action="/heartbeats"`, `href="/heartbeats" aria-current="page"`)

		// Refused: a period of 0; what was typed stays.
		form := url.Values{"name": {"nightly-backup"}, "service": {itoa(f.service.ID)}, "priority": {"P2"},
			"period": {"0"}, "period_unit": {"d"}, "grace": {"2"}, "grace_unit": {"h"}}
		p = admin.post("/heartbeats", form)
		if p.Status != http.StatusBadRequest {
			t.Fatalf("period 0: %d", p.Status)
		}
		mustContain(t, p.Body, "period must be", `value="nightly-backup"`)

		// Created: its page shows the ping URL and the ways to ping it.
		form.Set("period", "1")
		p = admin.follow(admin.post("/heartbeats", form))
		list, err := f.app.DB.Heartbeats(context.Background(), 0)
		if err != nil || len(list) != 1 {
			t.Fatalf("heartbeats: %v %v", list, err)
		}
		hb := list[0]
		pingURL := f.app.URL + "/ping/" + hb.UUID
		if hb.Period != 24*time.Hour || hb.Grace != 2*time.Hour {
			t.Fatalf("stored: %+v", hb)
		}
		mustContain(t, html.UnescapeString(p.Body), "Heartbeat nightly-backup created", "curl -fsS -m 10 --retry 5 "+pingURL,
			pingURL+"/$?", "url: \""+pingURL+"\"", "/v2/heartbeats/nightly-backup/ping", ">new<", "1d", "2h")

		// Pinged with a body: up, the body shown (escaped).
		res, err := http.Post(pingURL, "text/plain", strings.NewReader("<b>42 files</b>"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		p = admin.get("/heartbeats/" + itoa(hb.ID))
		mustContain(t, p.Body, ">up<", "&lt;b&gt;42 files&lt;/b&gt;")
		mustNotContain(t, p.Body, "<b>42 files</b>")

		// Viewers see the list, without the forms, and may not create.
		viewer := newBrowser(t, f.app)
		viewer.login(f.viewer.Email)
		p = viewer.get("/heartbeats")
		mustContain(t, p.Body, "nightly-backup", pingURL, "(success)")
		mustNotContain(t, p.Body, `action="/heartbeats"`)
		if p := viewer.post("/heartbeats", form); p.Status != http.StatusForbidden {
			t.Errorf("viewer create: %d", p.Status)
		}

		// In French.
		req, _ := http.NewRequest(http.MethodGet, f.app.URL+"/heartbeats", nil)
		req.Header.Set("Accept-Language", "fr")
		mustContain(t, viewer.do(req).Body, "Dernier ping", "en forme")

		// Edited, then deleted.
		form.Set("period", "90")
		form.Set("period_unit", "m")
		p = admin.follow(admin.post("/heartbeats/"+itoa(hb.ID), form))
		mustContain(t, p.Body, "Heartbeat saved.", "1h 30m", `value="90"`)
		p = admin.follow(admin.post("/heartbeats/"+itoa(hb.ID)+"/delete", nil))
		mustContain(t, p.Body, "Heartbeat deleted.", "No heartbeat yet.")
	})
}
