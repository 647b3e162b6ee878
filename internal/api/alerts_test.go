package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

func alertEvent(summary string, priority tocsin.Priority, labels map[string]string) tocsin.AlertEvent {
	return tocsin.AlertEvent{Summary: summary, DedupKey: summary, Priority: priority, Labels: labels, Source: "host-1"}
}

func TestAlertList(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)
		checkout := e.app.Service("payments", "checkout")
		search := e.app.Service("discovery", "search")
		ci, _ := e.app.Integration("generic", checkout.ID)
		si, _ := e.app.Integration("generic", search.ID)
		c := e.trigger(ci,
			alertEvent("disk full on db-1", "P1", map[string]string{"env": "prod"}),
			alertEvent("cpu high on web-1", "P2", map[string]string{"env": "prod"}),
			alertEvent("cpu high on web-2", "P3", map[string]string{"env": "staging"}),
			alertEvent("queue backlog", "P4", nil),
			alertEvent("certificate expires", "P5", nil),
		)
		s := e.trigger(si, alertEvent("index lag", "P2", nil), alertEvent("DISK almost full on es-1", "P3", nil))
		e.app.Clock.Advance(time.Second)
		e.must(e.member, "POST", v1("/alerts/%d/acknowledge", c[1]), nil, 200)
		e.app.Clock.Advance(time.Second)
		e.must(e.member, "POST", v1("/alerts/%d/resolve", s[0]), nil, 200)
		all := append(slices.Clone(c), s...)
		newest := slices.Clone(all)
		slices.Reverse(newest)

		page := e.must(e.viewer, "GET", v1("/alerts"), nil, 200)
		if num(page, "total") != 7 || num(page, "limit") != 50 || num(page, "offset") != 0 {
			t.Errorf("default page: total %v limit %v offset %v, want 7, 50, 0", page["total"], page["limit"], page["offset"])
		}
		if got := idsOf(list(page, "alerts")); !slices.Equal(got, newest) {
			t.Errorf("default order %v, want newest first %v", got, newest)
		}
		first := list(page, "alerts")[len(newest)-1]
		if str(first, "service") != "checkout" || str(first, "priority") != "P1" || obj(first, "labels")["env"] != "prod" ||
			str(first, "url") != fmt.Sprintf("%s/alerts/%d", e.app.URL, c[0]) || first["acknowledged_at"] != nil {
			t.Errorf("alert as listed: %v", first)
		}

		for _, tc := range []struct {
			query string
			want  []int64
			total int64
		}{
			{"status=triggered", []int64{s[1], c[4], c[3], c[2], c[0]}, 5},
			{"status=acknowledged,resolved", []int64{s[0], c[1]}, 2},
			{"status=acknowledged&status=resolved", []int64{s[0], c[1]}, 2},
			{"status=open&service=search", []int64{s[1]}, 1},
			{"service=checkout", []int64{c[4], c[3], c[2], c[1], c[0]}, 5},
			{fmt.Sprintf("service=%d", search.ID), []int64{s[1], s[0]}, 2},
			{"team=discovery", []int64{s[1], s[0]}, 2},
			{"priority=P1,P2", []int64{s[0], c[1], c[0]}, 3},
			{"priority=critical", []int64{c[0]}, 1},
			{"label=env", []int64{c[2], c[1], c[0]}, 3},
			{"label=env=prod", []int64{c[1], c[0]}, 2},
			{"q=disk", []int64{s[1], c[0]}, 2},
			{"q=cpu&sort=oldest", []int64{c[1], c[2]}, 2},
			{"sort=priority&service=checkout", []int64{c[0], c[1], c[2], c[3], c[4]}, 5},
			{"sort=updated&limit=1", []int64{s[0]}, 7},
			{"sort=oldest&limit=2&offset=2", []int64{c[2], c[3]}, 7},
			{"offset=6", []int64{c[0]}, 7},
			{"offset=100", []int64{}, 7},
		} {
			page := e.must(e.viewer, "GET", v1("/alerts?"+tc.query), nil, 200)
			if got := idsOf(list(page, "alerts")); !slices.Equal(got, tc.want) || num(page, "total") != tc.total {
				t.Errorf("%s: ids %v total %v, want %v total %d", tc.query, got, page["total"], tc.want, tc.total)
			}
		}

		for query, words := range map[string][]string{
			"status=bogus":    {`"bogus"`, "triggered"},
			"limit=501":       {"limit", "500"},
			"limit=0":         {"limit"},
			"limit=ten":       {"limit", "ten"},
			"offset=-1":       {"offset"},
			"service=nope":    {`"nope"`},
			"team=nope":       {`"nope"`},
			"priority=P9":     {"P9"},
			"sort=random":     {"random", "newest"},
			"stauts=open":     {"stauts"},
			"label==x":        {"label"},
			"label=a&label=b": {"one label"},
		} {
			e.fails(e.viewer, "GET", v1("/alerts?"+query), nil, 400, "invalid", words...)
		}
	})
}

func TestAlertActions(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)
		svc := e.app.Service("payments", "checkout")
		integ, _ := e.app.Integration("generic", svc.ID)
		id := e.trigger(integ, alertEvent("disk full on db-1", "P1", nil))[0]

		got := e.must(e.viewer, "GET", v1("/alerts/%d", id), nil, 200)
		timeline := list(got, "timeline")
		if len(timeline) == 0 || str(timeline[0], "kind") != "created" {
			t.Fatalf("new alert's timeline: %v", got["timeline"])
		}
		e.fails(e.viewer, "GET", v1("/alerts/999999"), nil, 404, "not_found", "999999")
		e.fails(e.viewer, "GET", v1("/alerts/abc"), nil, 400, "invalid", `"abc"`)
		e.fails(e.member, "POST", v1("/alerts/999999/acknowledge"), nil, 404, "not_found")

		// Acknowledge with a note: who, through what, at what time, and the note.
		e.app.Clock.Advance(90_000_000_000) // 90 s
		acked := e.must(e.member, "POST", v1("/alerts/%d/acknowledge", id), map[string]any{"note": "looking"}, 200)
		if str(acked, "status") != "acknowledged" || str(acked, "acknowledged_by") != "Alice Martin" || str(acked, "acknowledged_via") != "api" ||
			str(acked, "acknowledged_at") != testkit.Epoch.Add(90_000_000_000).Format("2006-01-02T15:04:05Z") {
			t.Errorf("acknowledged alert: %v", acked)
		}
		tl := list(acked, "timeline")
		if len(tl) < 3 {
			t.Fatalf("timeline after acknowledge: %v", acked["timeline"])
		}
		ack, note := tl[len(tl)-2], tl[len(tl)-1]
		if str(ack, "kind") != "acknowledged" || str(ack, "actor") != "Alice Martin" || str(ack, "channel") != "api" ||
			!strings.Contains(str(ack, "text"), "Alice Martin via api") {
			t.Errorf("acknowledge entry: %v", ack)
		}
		if str(note, "kind") != "note" || str(note, "message") != "looking" || str(note, "actor") != "Alice Martin" {
			t.Errorf("note entry: %v", note)
		}
		// Acknowledging again changes nothing.
		again := e.must(e.member, "POST", v1("/alerts/%d/acknowledge", id), nil, 200)
		if len(list(again, "timeline")) != len(tl) {
			t.Errorf("a second acknowledge added to the timeline: %v", again["timeline"])
		}

		back := e.must(e.admin, "POST", v1("/alerts/%d/unacknowledge", id), "", 200)
		if str(back, "status") != "triggered" || back["acknowledged_at"] != nil || str(back, "acknowledged_by") != "" {
			t.Errorf("unacknowledged alert: %v", back)
		}

		added := e.must(e.member, "POST", v1("/alerts/%d/notes", id), map[string]any{"note": "root cause: <b>full disk</b>"}, 201)
		last := list(added, "timeline")[len(list(added, "timeline"))-1]
		if str(last, "kind") != "note" || str(last, "message") != "root cause: <b>full disk</b>" {
			t.Errorf("note entry: %v", last)
		}
		before := len(list(added, "timeline"))
		e.fails(e.member, "POST", v1("/alerts/%d/notes", id), map[string]any{"note": "  "}, 400, "invalid", "note")
		e.fails(e.member, "POST", v1("/alerts/%d/notes", id), nil, 400, "invalid", "empty")
		e.fails(e.member, "POST", v1("/alerts/%d/notes", id), map[string]any{"text": "x"}, 400, "invalid", `"text"`)
		e.fails(e.member, "POST", v1("/alerts/%d/notes", id), map[string]any{"note": strings.Repeat("x", tocsin.MaxNoteLen+1)}, 400, "invalid", "longer")
		e.fails(e.member, "POST", v1("/alerts/%d/acknowledge", id), `{"note": 5}`, 400, "invalid", `"note"`, "string")
		e.fails(e.member, "POST", v1("/alerts/%d/acknowledge", id), `{"note": "x"`, 400, "invalid", "JSON")
		e.fails(e.member, "POST", v1("/alerts/%d/acknowledge", id), `{"note": "x"} {}`, 400, "invalid", "more after")
		e.fails(e.member, "POST", v1("/alerts/%d/notes", id), `{"note": "`+strings.Repeat("x", 1<<20)+`"}`, 413, "too_large")
		if n := len(list(e.must(e.viewer, "GET", v1("/alerts/%d/timeline", id), nil, 200), "timeline")); n != before {
			t.Errorf("refused requests changed the timeline: %d entries, want %d", n, before)
		}
		if s := str(e.must(e.viewer, "GET", v1("/alerts/%d", id), nil, 200), "status"); s != "triggered" {
			t.Errorf("refused acknowledges moved the alert to %s", s)
		}

		resolved := e.must(e.member, "POST", v1("/alerts/%d/resolve", id), map[string]any{"note": "freed space"}, 200)
		if str(resolved, "status") != "resolved" || str(resolved, "resolved_by") != "Alice Martin" || str(resolved, "resolved_via") != "api" || resolved["resolved_at"] == nil {
			t.Errorf("resolved alert: %v", resolved)
		}
		e.fails(e.member, "POST", v1("/alerts/%d/acknowledge", id), nil, 409, "conflict", "resolved")
		e.fails(e.member, "POST", v1("/alerts/%d/unacknowledge", id), nil, 409, "conflict", "resolved")
		e.must(e.member, "POST", v1("/alerts/%d/resolve", id), nil, 200)

		tlOnly := e.must(e.viewer, "GET", v1("/alerts/%d/timeline", id), nil, 200)
		if num(tlOnly, "alert_id") != id || len(list(tlOnly, "timeline")) != len(list(resolved, "timeline")) {
			t.Errorf("GET timeline = %v", tlOnly)
		}
	})
}

func TestBulkActions(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)
		svc := e.app.Service("payments", "checkout")
		integ, _ := e.app.Integration("generic", svc.ID)
		a := e.trigger(integ, alertEvent("one", "", nil), alertEvent("two", "", nil), alertEvent("three", "", nil), alertEvent("four", "", nil))
		e.must(e.member, "POST", v1("/alerts/%d/resolve", a[2]), nil, 200)

		// An unknown id refuses the whole request: nothing is written.
		e.fails(e.member, "POST", v1("/alerts/acknowledge"), map[string]any{"ids": []int64{a[0], 999999}}, 400, "invalid", "999999")
		if s := str(e.must(e.viewer, "GET", v1("/alerts/%d", a[0]), nil, 200), "status"); s != "triggered" {
			t.Errorf("a refused bulk acknowledge moved alert %d to %s", a[0], s)
		}
		e.fails(e.member, "POST", v1("/alerts/acknowledge"), map[string]any{"ids": []int64{}}, 400, "invalid", "ids")
		e.fails(e.member, "POST", v1("/alerts/acknowledge"), map[string]any{"ids": []int64{-3}}, 400, "invalid", "-3")
		e.fails(e.member, "POST", v1("/alerts/acknowledge"), map[string]any{"ids": "1,2"}, 400, "invalid", `"ids"`)
		e.fails(e.member, "POST", v1("/alerts/resolve"), map[string]any{"id": []int64{a[0]}}, 400, "invalid", `"id"`)

		out := e.must(e.member, "POST", v1("/alerts/acknowledge"), map[string]any{"ids": []int64{a[0], a[1], a[2], a[1]}}, 200)
		if got := toIDs(out["changed"]); !slices.Equal(got, []int64{a[0], a[1]}) {
			t.Errorf("changed %v, want %v", got, []int64{a[0], a[1]})
		}
		if got := toIDs(out["unchanged"]); !slices.Equal(got, []int64{a[2]}) {
			t.Errorf("unchanged %v, want the resolved %d", got, a[2])
		}
		for _, id := range []int64{a[0], a[1]} {
			alert := e.must(e.viewer, "GET", v1("/alerts/%d", id), nil, 200)
			var acks int
			for _, entry := range list(alert, "timeline") {
				if str(entry, "kind") == "acknowledged" && str(entry, "actor") == "Alice Martin" && str(entry, "channel") == "api" &&
					strings.Contains(str(entry, "text"), "acknowledged by Alice Martin via api") {
					acks++
				}
			}
			if str(alert, "status") != "acknowledged" || acks != 1 {
				t.Errorf("alert %d after bulk acknowledge: status %s, %d acknowledge entries by Alice via api, want 1", id, str(alert, "status"), acks)
			}
		}
		page := e.must(e.viewer, "GET", v1("/alerts?status=acknowledged"), nil, 200)
		if num(page, "total") != 2 {
			t.Errorf("%d acknowledged alerts listed, want 2", num(page, "total"))
		}

		// With a note, every alert named gets it, the already resolved one included.
		out = e.must(e.admin, "POST", v1("/alerts/resolve"), map[string]any{"ids": []int64{a[0], a[3], a[2]}, "note": "fixed by the deploy"}, 200)
		if got := toIDs(out["changed"]); !slices.Equal(got, []int64{a[0], a[3], a[2]}) {
			t.Errorf("resolve with a note changed %v, want all three", got)
		}
		for _, id := range []int64{a[0], a[3]} {
			alert := e.must(e.viewer, "GET", v1("/alerts/%d", id), nil, 200)
			tl := list(alert, "timeline")
			last := tl[len(tl)-1]
			if str(alert, "status") != "resolved" || str(alert, "resolved_by") != "Ada Admin" || str(alert, "resolved_via") != "api" ||
				str(last, "kind") != "note" || str(last, "message") != "fixed by the deploy" {
				t.Errorf("bulk resolved alert %d: %v", id, alert)
			}
		}
	})
}

func toIDs(v any) []int64 {
	var out []int64
	for _, x := range v.([]any) {
		out = append(out, int64(x.(float64)))
	}
	return out
}
