package ingest_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

type genericResults struct {
	Results []struct {
		AlertID  int64  `json:"alert_id"`
		DedupKey string `json:"dedup_key"`
		Outcome  string `json:"outcome"`
	} `json:"results"`
}

func (e *env) generic(body any, headers ...string) genericResults {
	e.t.Helper()
	r := e.do("POST", "/hooks/generic/"+e.key, body, headers...)
	var out genericResults
	r.decode(e.t, &out)
	if r.status != http.StatusAccepted {
		e.t.Fatalf("generic: %d %s", r.status, r)
	}
	return out
}

// TestGeneric covers Tocsin's own format as docs/ingest.md documents it.
func TestGeneric(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationGeneric)
		out := e.generic(testdata(t, "generic_single.json", ""))
		if len(out.Results) != 1 || out.Results[0].Outcome != "created" || out.Results[0].DedupKey != "backup-db1" || out.Results[0].AlertID == 0 {
			t.Fatalf("results %+v", out)
		}
		a := e.only()
		if a.ID != out.Results[0].AlertID || a.Summary != "Nightly backup failed on db1" || a.Priority != tocsin.P2 || a.Source != "cron@db1" ||
			a.Labels["team"] != "db" || a.Labels["attempt"] != "3" || len(a.Links) != 1 || a.Links[0].Text != "Job log" ||
			!strings.Contains(a.Details, `"exit_code": 2`) {
			t.Fatalf("stored %+v", a)
		}

		// A list, with the key as a bearer token: results in order.
		r := e.do("POST", "/hooks/generic", testdata(t, "generic_list.json", ""), "Authorization", "Bearer "+e.key)
		var list genericResults
		r.decode(t, &list)
		if r.status != http.StatusAccepted || len(list.Results) != 3 || list.Results[0].Outcome != "created" || list.Results[1].Outcome != "dropped" || list.Results[2].Outcome != "created" {
			t.Fatalf("list: %d %s", r.status, r)
		}
		// Without dedup_key, the same summary from the same source is the same alert.
		again := e.generic(`{"summary":"Queue backlog over 10k","priority":"warning"}`)
		if again.Results[0].Outcome != "repeated" || again.Results[0].DedupKey != list.Results[2].DedupKey || again.Results[0].AlertID != list.Results[2].AlertID {
			t.Fatalf("repeat without dedup_key: %+v vs %+v", again, list.Results[2])
		}

		// Lifecycle with notes.
		ack := e.generic(`{"dedup_key":"backup-db1","status":"acknowledge","note":"re-running it by hand"}`)
		if ack.Results[0].Outcome != "updated" || ack.Results[0].AlertID != a.ID {
			t.Fatalf("acknowledge: %+v", ack)
		}
		e.generic(`{"dedup_key":"backup-db1","status":"resolve"}`)
		got, _ := e.app.DB.Alert(context.Background(), a.ID)
		if got.Status != tocsin.StatusResolved || got.ResolveChannel != tocsin.ChannelGeneric {
			t.Fatalf("after resolve: %+v", got)
		}
		if k := kinds(e.timeline(a.ID)); k != "created,escalated,acknowledged,note,resolved" {
			t.Fatalf("timeline %s", k)
		}
		if out = e.generic(`{"summary":"Nightly backup failed on db1","dedup_key":"backup-db1","note":"failed again"}`); out.Results[0].Outcome != "created" || out.Results[0].AlertID == a.ID {
			t.Fatalf("trigger after resolve: %+v", out)
		}
		if k := kinds(e.timeline(out.Results[0].AlertID)); k != "created,escalated,note" {
			t.Fatalf("timeline of a created alert with a note: %s", k)
		}
	})
}

func TestGenericRefused(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine, tocsin.IntegrationGeneric)
		revoked, revokedKey := e.app.Integration(tocsin.IntegrationGeneric, e.service.ID)
		if err := e.app.DB.RevokeIntegration(context.Background(), revoked.ID, e.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		path := "/hooks/generic/" + e.key
		cases := []struct {
			name, path string
			body       any
			status     int
			code, want string
		}{
			{"no key", "/hooks/generic", `{"summary":"s"}`, 401, "unauthorized", "key missing"},
			{"unknown key", "/hooks/generic/0123456789abcdef0123456789abcdef", `{"summary":"s"}`, 401, "unauthorized", "unknown or revoked"},
			{"revoked key", "/hooks/generic/" + revokedKey, `{"summary":"s"}`, 401, "unauthorized", "unknown or revoked"},
			{"malformed", path, `{"summary":"s",}`, 400, "invalid", "malformed JSON at byte 16: invalid character '}'"},
			{"trailing data", path, `{"summary":"s"} {"summary":"t"}`, 400, "invalid", "after the JSON document"},
			{"wrong type", path, `{"summary":["s"]}`, 400, "invalid", `field \"summary\" must be a string`},
			{"no summary", path, `{"priority":"P1"}`, 400, "invalid", "summary is required"},
			{"bad priority", path, `{"summary":"s","priority":"P7"}`, 400, "invalid", `priority \"P7\"`},
			{"bad status", path, `{"summary":"s","status":"closed"}`, 400, "invalid", `status \"closed\" is not one of trigger, acknowledge, resolve`},
			{"resolve without key", path, `{"status":"resolve"}`, 400, "invalid", "dedup_key is required to resolve"},
			{"one bad event in a list", path, `[{"summary":"ok"},{"summary":""}]`, 400, "invalid", "event 2: summary is required"},
			{"empty list", path, `[]`, 400, "invalid", "list of events is empty"},
			{"a list of one bad event", path, `[{}]`, 400, "invalid", "event 1: summary is required"},
			{"a number in a list", path, `[{"summary":"ok"},5]`, 400, "invalid", "event 2: it is not an object"},
			{"null in a list", path, `[{"summary":"ok"},null]`, 400, "invalid", "event 2: it is not an object"},
			{"a wrong type in a list", path, `[{"summary":"ok"},{"summary":7}]`, 400, "invalid", `event 2: field \"summary\" must be a string`},
			{"oversized", path, bigBody(), 413, "too_large", "larger than"},
		}
		for _, c := range cases {
			r := e.do("POST", c.path, c.body)
			var reply struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			r.decode(t, &reply)
			if r.status != c.status || reply.Error.Code != c.code || !strings.Contains(r.String(), c.want) {
				t.Errorf("%s: %d %s; want %d %s with %q", c.name, r.status, r, c.status, c.code, c.want)
			}
		}
		if n := len(e.alerts()); n != 0 {
			t.Fatalf("refused requests stored %d alerts", n)
		}
	})
}

// FuzzGeneric feeds arbitrary bodies to the generic endpoint, with a live key.
func FuzzGeneric(f *testing.F) {
	for _, seed := range seeds(f, "generic_") {
		f.Add(seed)
	}
	f.Add([]byte(`{"summary":"s","details":"plain text","labels":{"n":1.5e300,"o":{}},"links":[{"href":"javascript:alert(1)"}]}`))
	f.Add([]byte(`[{"summary":"a","dedup_key":"k"},{"dedup_key":"k","status":"acknowledge","note":"n"},{"dedup_key":"k","status":"resolve"}]`))
	f.Add([]byte(`null`))
	a := testkit.Start(f, "sqlite")
	_, key := a.Integration(tocsin.IntegrationGeneric, a.Service("payments", "checkout").ID)
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzServe(t, a, httptest.NewRequest("POST", "/hooks/generic/"+key, bytes.NewReader(body)))
	})
}
