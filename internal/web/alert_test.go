package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// rowIDs lists the alert numbers of the list's rows, in order.
func rowIDs(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<tr data-id="(\d+)"`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestAlertListFilters(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		other := f.app.Service("storage", "backups")
		otherInteg, _ := f.app.Integration(tocsin.IntegrationGeneric, other.ID)

		disk := f.trigger(t, tocsin.AlertEvent{Summary: "Disk almost full on db1", DedupKey: "disk", Priority: tocsin.P2, Labels: map[string]string{"team": "db", "host": "db1"}})
		cpu := f.trigger(t, tocsin.AlertEvent{Summary: "CPU high", DedupKey: "cpu", Priority: tocsin.P4})
		res, err := f.app.Pipeline.Submit(ctx, otherInteg, []tocsin.AlertEvent{{Action: tocsin.ActionTrigger, Summary: "Backup late", DedupKey: "bk", Priority: tocsin.P1, Channel: tocsin.ChannelGeneric}})
		if err != nil {
			t.Fatal(err)
		}
		backup := res[0].AlertID
		old := f.trigger(t, tocsin.AlertEvent{Summary: "Old thing", DedupKey: "old"})
		if _, err := f.app.DB.ActOnAlerts(ctx, []int64{old}, storeAction(tocsin.ActionResolve), f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.DB.ActOnAlerts(ctx, []int64{cpu}, storeAction(tocsin.ActionAcknowledge), f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		team, _ := f.app.DB.TeamByName(ctx, "storage")

		b := newBrowser(t, f.app)
		b.login("vic@example.com")
		cases := []struct {
			query string
			want  []int64
		}{
			{"", []int64{backup, cpu, disk}}, // open = triggered + acknowledged, newest first
			{"?status=triggered", []int64{backup, disk}},
			{"?status=acknowledged", []int64{cpu}},
			{"?status=resolved", []int64{old}},
			{"?status=all", []int64{old, backup, cpu, disk}},
			{"?status=all&sort=oldest", []int64{disk, cpu, backup, old}},
			{"?sort=priority", []int64{backup, disk, cpu}},
			{"?service=" + itoa(other.ID), []int64{backup}},
			{"?team=" + itoa(team.ID), []int64{backup}},
			{"?priority=P4", []int64{cpu}},
			{"?label=team", []int64{disk}},
			{"?label=team%3Ddb", []int64{disk}},
			{"?label=team%3Dweb", nil},
			{"?q=disk", []int64{disk}},
			{"?q=DB1", []int64{disk}},
		}
		for _, c := range cases {
			p := b.get("/alerts" + c.query)
			if p.Status != http.StatusOK {
				t.Errorf("%s: status %d", c.query, p.Status)
				continue
			}
			var want []string
			for _, id := range c.want {
				want = append(want, itoa(id))
			}
			if got := rowIDs(p.Body); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("/alerts%s: rows %v, want %v", c.query, got, want)
			}
		}

		// The fragment the live script fetches has the rows and nothing of the layout.
		frag := b.get("/alerts?status=all&fragment=1")
		if frag.Status != http.StatusOK || strings.Contains(frag.Body, "<html") || len(rowIDs(frag.Body)) != 4 {
			t.Errorf("fragment: %d, %d rows, layout=%v", frag.Status, len(rowIDs(frag.Body)), strings.Contains(frag.Body, "<html"))
		}
		mustContain(t, frag.Body, `data-tab="open" data-count="3"`)
		// Resolved alerts pile up forever: their tabs are not counted.
		mustNotContain(t, frag.Body, `data-tab="resolved" data-count`, `data-tab="all" data-count`)

		// A viewer reads but gets no checkboxes or bulk buttons.
		p := b.get("/alerts")
		mustNotContain(t, p.Body, `name="action" value="ack"`, `name="id" value=`)
		mustContain(t, p.Body, "Disk almost full on db1", "checkout", "team=db", `id="open-count"`)

		// Nonsense filters are refused with a message, not ignored.
		for _, q := range []string{"?status=bogus", "?priority=P9", "?sort=random", "?service=abc", "?page=0"} {
			if p := b.get("/alerts" + q); p.Status != http.StatusBadRequest {
				t.Errorf("/alerts%s: status %d, want 400", q, p.Status)
			}
		}
	})
}

func TestAlertPagination(t *testing.T) {
	f := newFixture(t, "sqlite")
	for i := range 55 {
		f.trigger(t, tocsin.AlertEvent{Summary: "alert " + itoa(int64(i)), DedupKey: "k" + itoa(int64(i))})
	}
	b := newBrowser(t, f.app)
	b.login("vic@example.com")
	p := b.get("/alerts")
	if n := len(rowIDs(p.Body)); n != 50 {
		t.Fatalf("page 1: %d rows", n)
	}
	mustContain(t, p.Body, "1–50 of 55", `href="/alerts?page=2"`)
	p = b.get("/alerts?page=2")
	if n := len(rowIDs(p.Body)); n != 5 {
		t.Fatalf("page 2: %d rows", n)
	}
	mustContain(t, p.Body, "51–55 of 55", `rel="prev"`)
}

func TestAlertPageEscapesPayload(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		const evil = `<script>alert(1)</script>`
		id := f.trigger(t, tocsin.AlertEvent{
			Summary:  "boom " + evil,
			DedupKey: "x" + evil,
			Source:   evil,
			Details:  `{"html":"` + `<script>alert(1)</script>` + `","n":1}`,
			Labels:   map[string]string{"k" + evil: "v" + evil},
			Links: []tocsin.Link{
				{Href: "javascript:alert(1)", Text: "click me"},
				{Href: "data:text/html,<b>x</b>", Text: "data link"},
				{Href: "https://grafana.example/d/1?a=1&b=2", Text: "dashboard " + evil},
			},
		})
		b := newBrowser(t, f.app)
		b.login("max@example.com")
		for _, path := range []string{"/alerts/" + itoa(id), "/alerts/" + itoa(id) + "?fragment=1", "/alerts", "/alerts?fragment=1"} {
			p := b.get(path)
			if p.Status != http.StatusOK {
				t.Fatalf("%s: %d", path, p.Status)
			}
			mustNotContain(t, p.Body, evil, `href="javascript:`, `href="data:`)
			mustContain(t, p.Body, "&lt;script&gt;alert(1)&lt;/script&gt;")
		}
		p := b.get("/alerts/" + itoa(id))
		// Only the http(s) link is a link, and it tells the browser not to trust it.
		mustContain(t, p.Body, `<a href="https://grafana.example/d/1?a=1&amp;b=2" rel="noopener noreferrer nofollow"`, "javascript:alert(1)</code>", "click me")
		// JSON details are indented, inside <pre>.
		if !regexp.MustCompile(`<pre class="details">\{\n  &#34;html&#34;: &#34;\\u003cscript\\u003e|<pre class="details">\{\n  &#34;html&#34;: &#34;&lt;script&gt;`).MatchString(p.Body) {
			t.Errorf("details not pretty-printed in <pre>:\n%s", excerpt(p.Body[strings.Index(p.Body, "details"):]))
		}
	})
}

func TestAlertActionsAndTimeline(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		id := f.trigger(t, tocsin.AlertEvent{Summary: "Payment errors", DedupKey: "pay", Source: "api-1"})
		path := "/alerts/" + itoa(id)
		b := newBrowser(t, f.app)
		b.login("max@example.com")

		p := b.get(path)
		mustContain(t, p.Body, `action="`+path+`/ack"`, `action="`+path+`/resolve"`, `action="`+path+`/note"`, "Payment errors", "api-1")

		f.app.Clock.Advance(90 * 1e9)
		p = b.follow(b.post(path+"/ack", nil))
		mustContain(t, p.Body, "Alert acknowledged.", "by Max Member via web", `action="`+path+`/unack"`)
		mustNotContain(t, p.Body, `action="`+path+`/ack"`)

		p = b.follow(b.post(path+"/note", url.Values{"note": {"Rolled back <b>v42</b>"}}))
		mustContain(t, p.Body, "Note added.", "Rolled back &lt;b&gt;v42&lt;/b&gt;")

		if p := b.post(path+"/note", url.Values{"note": {"   "}}); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "The note is empty.") {
			t.Errorf("empty note: %d", p.Status)
		}

		p = b.follow(b.post(path+"/resolve", nil))
		mustContain(t, p.Body, "Alert resolved.")
		a, err := f.app.DB.Alert(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != tocsin.StatusResolved || a.AckedBy != "Max Member" || a.AckChannel != tocsin.ChannelWeb || a.ResolvedBy != "Max Member" {
			t.Fatalf("alert after actions: %+v", a)
		}
		// A stale page's Acknowledge on a resolved alert: told where it stands.
		mustContain(t, b.follow(b.post(path+"/ack", nil)).Body, "Nothing changed: the alert is resolved.")

		// The timeline tells the story in order, with who and through what.
		timeline := p.Body[strings.Index(p.Body, `id="timeline"`):]
		order := []string{"Created", "Acknowledged</strong> by Max Member", "Note</strong> by Max Member", "Resolved</strong> by Max Member"}
		pos := 0
		for _, want := range order {
			i := strings.Index(timeline[pos:], want)
			if i < 0 {
				t.Fatalf("timeline lacks %q after position %d:\n%s", want, pos, excerpt(timeline))
			}
			pos += i
		}

		// Unknown action and unknown alert: 404.
		if p := b.post(path+"/explode", nil); p.Status != http.StatusNotFound {
			t.Errorf("unknown action: %d", p.Status)
		}
		if p := b.get("/alerts/999999"); p.Status != http.StatusNotFound {
			t.Errorf("unknown alert: %d", p.Status)
		}
		if p := b.post("/alerts/999999/ack", nil); p.Status != http.StatusNotFound {
			t.Errorf("ack unknown alert: %d", p.Status)
		}
	})
}

func TestViewerCannotAct(t *testing.T) {
	f := newFixture(t, "sqlite")
	id := f.trigger(t, tocsin.AlertEvent{Summary: "x", DedupKey: "x"})
	b := newBrowser(t, f.app)
	b.login("vic@example.com")
	p := b.get("/alerts/" + itoa(id))
	mustNotContain(t, p.Body, `/ack"`, `/resolve"`, `name="note"`)
	for _, path := range []string{"/alerts/" + itoa(id) + "/ack", "/alerts/" + itoa(id) + "/resolve", "/alerts/" + itoa(id) + "/note"} {
		p := b.post(path, url.Values{"note": {"hi"}})
		if p.Status != http.StatusForbidden {
			t.Errorf("viewer %s: %d", path, p.Status)
		}
		mustContain(t, p.Body, "Your role does not allow this.")
	}
	p = b.post("/alerts/bulk", url.Values{"action": {"ack"}, "id": {itoa(id)}})
	if p.Status != http.StatusForbidden {
		t.Errorf("viewer bulk: %d", p.Status)
	}
	a, _ := f.app.DB.Alert(context.Background(), id)
	if a.Status != tocsin.StatusTriggered {
		t.Fatalf("a viewer changed the alert: %s", a.Status)
	}
}

func TestBulkAcknowledge(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := context.Background()
		a := f.trigger(t, tocsin.AlertEvent{Summary: "a", DedupKey: "a", Priority: tocsin.P1})
		bID := f.trigger(t, tocsin.AlertEvent{Summary: "b", DedupKey: "b", Priority: tocsin.P1})
		c := f.trigger(t, tocsin.AlertEvent{Summary: "c", DedupKey: "c", Priority: tocsin.P1})
		br := newBrowser(t, f.app)
		br.login("max@example.com")

		p := br.post("/alerts/bulk", url.Values{"action": {"ack"}, "id": {itoa(a), itoa(bID)}, "return": {"priority=P1&sort=oldest"}})
		if p.Status != http.StatusSeeOther || p.Location != "/alerts?priority=P1&sort=oldest" {
			t.Fatalf("bulk: %d %q", p.Status, p.Location)
		}
		mustContain(t, br.follow(p).Body, "2 alerts acknowledged.")
		for id, want := range map[int64]tocsin.AlertStatus{a: tocsin.StatusAcknowledged, bID: tocsin.StatusAcknowledged, c: tocsin.StatusTriggered} {
			got, _ := f.app.DB.Alert(ctx, id)
			if got.Status != want {
				t.Errorf("alert %d: %s, want %s", id, got.Status, want)
			}
		}
		p = br.follow(br.post("/alerts/bulk", url.Values{"action": {"resolve"}, "id": {itoa(a), itoa(bID), itoa(c)}}))
		mustContain(t, p.Body, "3 alerts resolved.")

		// The return address cannot send the browser elsewhere.
		p = br.post("/alerts/bulk", url.Values{"action": {"ack"}, "return": {"https://evil.example/"}})
		if p.Location != "/alerts" {
			t.Errorf("bulk with a foreign return: %q", p.Location)
		}
		mustContain(t, br.follow(p).Body, "Select at least one alert first.")
		if p := br.post("/alerts/bulk", url.Values{"action": {"delete"}, "id": {itoa(a)}}); p.Status != http.StatusBadRequest {
			t.Errorf("unknown bulk action: %d", p.Status)
		}
		if p := br.post("/alerts/bulk", url.Values{"action": {"ack"}, "id": {"abc"}}); p.Status != http.StatusBadRequest {
			t.Errorf("bad id: %d", p.Status)
		}
	})
}
