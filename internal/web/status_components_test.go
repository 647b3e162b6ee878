package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// componentByName finds a stored component, failing the test when it is missing.
func componentByName(t *testing.T, f *fixture, name string) tocsin.Component {
	t.Helper()
	list, err := f.app.DB.Components(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no component %q in %+v", name, list)
	return tocsin.Component{}
}

func componentCount(t *testing.T, f *fixture) int {
	t.Helper()
	list, err := f.app.DB.Components(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// addComponent creates a component or group through the form.
func addComponent(t *testing.T, b *browser, form url.Values) {
	t.Helper()
	p := b.post("/statuspage/components", form)
	if p.Status != http.StatusSeeOther || p.Location != "/statuspage" {
		t.Fatalf("create %v: %d %s: %s", form, p.Status, p.Location, excerpt(p.Body))
	}
}

// before reports whether a appears before b in s (both present).
func before(t *testing.T, s, a, b string) bool {
	t.Helper()
	i, j := strings.Index(s, a), strings.Index(s, b)
	if i < 0 || j < 0 {
		t.Fatalf("page lacks %q or %q", a, b)
	}
	return i < j
}

func TestStatusComponents(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		member := newBrowser(t, f.app)
		member.login(f.member.Email)

		p := member.get("/statuspage")
		if p.Status != http.StatusOK {
			t.Fatalf("list: %d", p.Status)
		}
		mustContain(t, p.Body, "No component yet", `href="/statuspage" aria-current="page"`, `href="/status/"`, "View public page", `action="/statuspage/components"`)

		// Refused: no name. What was typed stays, nothing is stored.
		p = member.post("/statuspage/components", url.Values{"name": {"  "}, "description": {"Our REST API"}, "showcase": {"on"}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("no name: %d", p.Status)
		}
		mustContain(t, p.Body, "A component needs a name.", "Our REST API")
		if n := componentCount(t, f); n != 0 {
			t.Fatalf("%d components after a refusal", n)
		}

		// A group, a component in it linked to a service, a top-level one.
		addComponent(t, member, url.Values{"name": {"Platform"}, "group": {"on"}, "showcase": {"on"}})
		platform := componentByName(t, f, "Platform")
		addComponent(t, member, url.Values{"name": {"API"}, "group_id": {itoa(platform.ID)}, "service": {itoa(f.service.ID)}, "showcase": {"on"}, "status": {"operational"}})
		addComponent(t, member, url.Values{"name": {"Dashboard"}, "showcase": {"on"}, "only_show_if_degraded": {"on"}})
		api := componentByName(t, f, "API")
		if !platform.Group || api.GroupID != platform.ID || len(api.ServiceIDs) != 1 || api.ServiceIDs[0] != f.service.ID || !api.Showcase {
			t.Fatalf("stored: %+v %+v", platform, api)
		}
		p = member.get("/statuspage")
		mustContain(t, p.Body, "Component Dashboard added.", "checkout", "shown when degraded")
		if !before(t, p.Body, ">Platform<", ">API<") || !before(t, p.Body, ">API<", ">Dashboard<") {
			t.Errorf("not in page order:\n%s", excerpt(p.Body))
		}

		// A status in one click; the group follows its worst component.
		p = member.post("/statuspage/components/"+itoa(api.ID)+"/status", url.Values{"status": {"partial_outage"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("status: %d %s", p.Status, excerpt(p.Body))
		}
		if c := componentByName(t, f, "API"); c.Status != tocsin.ComponentPartial {
			t.Fatalf("API is %s", c.Status)
		}
		if c := componentByName(t, f, "Platform"); c.Status != tocsin.ComponentPartial {
			t.Fatalf("Platform is %s", c.Status)
		}
		p = member.follow(p)
		mustContain(t, p.Body, "API is now Partial outage.", `class="status cs-partial_outage"`)

		// Refused: an unknown status, and a group's (its components' worst).
		p = member.post("/statuspage/components/"+itoa(api.ID)+"/status", url.Values{"status": {"on_fire"}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("unknown status: %d", p.Status)
		}
		mustContain(t, p.Body, "Unknown component status “on_fire”")
		p = member.post("/statuspage/components/"+itoa(platform.ID)+"/status", url.Values{"status": {"major_outage"}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("group status: %d", p.Status)
		}
		mustContain(t, p.Body, "A group&#39;s status is its components&#39; worst")
		if c := componentByName(t, f, "API"); c.Status != tocsin.ComponentPartial {
			t.Fatalf("API moved to %s", c.Status)
		}

		// Moved up: Dashboard comes before Platform; a wrong direction is refused.
		dashboard := componentByName(t, f, "Dashboard")
		if p = member.post("/statuspage/components/"+itoa(dashboard.ID)+"/move", url.Values{"dir": {"up"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("move: %d", p.Status)
		}
		p = member.get("/statuspage")
		if !before(t, p.Body, ">Dashboard<", ">Platform<") {
			t.Errorf("Dashboard did not move up")
		}
		if p = member.post("/statuspage/components/"+itoa(dashboard.ID)+"/move", url.Values{"dir": {"sideways"}}); p.Status != http.StatusBadRequest {
			t.Fatalf("sideways: %d", p.Status)
		}
		mustContain(t, p.Body, "moves up or down, not “sideways”")

		// A group holding a component is not deleted, and says why.
		p = member.post("/statuspage/components/"+itoa(platform.ID)+"/delete", nil)
		if p.Status != http.StatusBadRequest {
			t.Fatalf("delete group: %d", p.Status)
		}
		mustContain(t, p.Body, "The group Platform still holds 1 component: move or delete it first.")
		componentByName(t, f, "Platform")

		// Edited: renamed, out of its group, unlinked; its status stays.
		p = member.get("/statuspage/components/" + itoa(api.ID))
		mustContain(t, p.Body, `value="API"`, `<option value="`+itoa(f.service.ID)+`" selected>checkout</option>`, `<option value="`+itoa(platform.ID)+`" selected>Platform</option>`)
		p = member.post("/statuspage/components/"+itoa(api.ID), url.Values{"name": {""}, "description": {"kept as typed"}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("empty name: %d", p.Status)
		}
		mustContain(t, p.Body, "A component needs a name.", "kept as typed")
		p = member.post("/statuspage/components/"+itoa(api.ID), url.Values{"name": {"Public API"}, "description": {"REST and webhooks"}, "group_id": {"0"}, "showcase": {"on"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", p.Status, excerpt(p.Body))
		}
		saved := componentByName(t, f, "Public API")
		if saved.GroupID != 0 || len(saved.ServiceIDs) != 0 || saved.Status != tocsin.ComponentPartial || saved.Description != "REST and webhooks" {
			t.Fatalf("saved: %+v", saved)
		}
		if c := componentByName(t, f, "Platform"); c.Status != tocsin.ComponentOperational {
			t.Fatalf("empty Platform is %s", c.Status)
		}

		// Now empty, the group goes.
		if p = member.post("/statuspage/components/"+itoa(platform.ID)+"/delete", nil); p.Status != http.StatusSeeOther {
			t.Fatalf("delete empty group: %d %s", p.Status, excerpt(p.Body))
		}
		if n := componentCount(t, f); n != 2 {
			t.Fatalf("%d components left", n)
		}

		// Unknown ids: 404.
		for _, path := range []string{"/statuspage/components/999999", "/statuspage/components/abc"} {
			if p := member.get(path); p.Status != http.StatusNotFound {
				t.Errorf("GET %s: %d", path, p.Status)
			}
		}
		for _, path := range []string{"/statuspage/components/999999/status", "/statuspage/components/999999/delete", "/statuspage/components/999999/move", "/statuspage/components/999999"} {
			if p := member.post(path, url.Values{"status": {"operational"}, "dir": {"up"}, "name": {"x"}}); p.Status != http.StatusNotFound {
				t.Errorf("POST %s: %d", path, p.Status)
			}
		}

		// Viewers read, without the forms, and may change nothing.
		viewer := newBrowser(t, f.app)
		viewer.login(f.viewer.Email)
		p = viewer.get("/statuspage")
		if p.Status != http.StatusOK {
			t.Fatalf("viewer list: %d", p.Status)
		}
		mustContain(t, p.Body, "Public API", "Partial outage")
		mustNotContain(t, p.Body, `action="/statuspage/components"`, `/status"`)
		for path, form := range map[string]url.Values{
			"/statuspage/components":                               {"name": {"Sneaky"}},
			"/statuspage/components/" + itoa(saved.ID) + "/status": {"status": {"operational"}},
			"/statuspage/components/" + itoa(saved.ID) + "/delete": nil,
			"/statuspage/components/" + itoa(saved.ID) + "/move":   {"dir": {"down"}},
			"/statuspage/components/" + itoa(saved.ID):             {"name": {"Renamed"}},
			"/statuspage/settings":                                 {"name": {"Hijacked"}},
		} {
			if p := viewer.post(path, form); p.Status != http.StatusForbidden {
				t.Errorf("viewer POST %s: %d", path, p.Status)
			}
		}
		if c := componentByName(t, f, "Public API"); c.Status != tocsin.ComponentPartial || componentCount(t, f) != 2 {
			t.Fatalf("a viewer changed something: %+v", c)
		}
	})
}

func TestStatusProposals(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		member := newBrowser(t, f.app)
		member.login(f.member.Email)
		addComponent(t, member, url.Values{"name": {"Checkout"}, "service": {itoa(f.service.ID)}, "showcase": {"on"}})
		checkout := componentByName(t, f, "Checkout")

		// No open alert: nothing proposed.
		p := member.get("/statuspage")
		mustNotContain(t, p.Body, "Proposed by open alerts")

		first := f.trigger(t, tocsin.AlertEvent{Summary: "checkout 500s", DedupKey: "a", Priority: tocsin.P2})
		second := f.trigger(t, tocsin.AlertEvent{Summary: "checkout slow", DedupKey: "b", Priority: tocsin.P3})
		p = member.get("/statuspage")
		mustContain(t, p.Body, "Proposed by open alerts", "Open alerts on checkout suggest Checkout:", `class="status cs-partial_outage">Partial outage`,
			`<a href="/alerts/`+itoa(first)+`">#`+itoa(first)+`</a>, <a href="/alerts/`+itoa(second)+`">#`+itoa(second)+`</a>`,
			`action="/statuspage/components/`+itoa(checkout.ID)+`/apply"`, `name="status" value="partial_outage"`)

		// A proposal that is not the current one is not applied.
		p = member.post("/statuspage/components/"+itoa(checkout.ID)+"/apply", url.Values{"status": {"major_outage"}})
		if p.Status != http.StatusConflict {
			t.Fatalf("stale proposal: %d", p.Status)
		}
		mustContain(t, p.Body, "This proposal changed since the page was shown")
		if c := componentByName(t, f, "Checkout"); c.Status != tocsin.ComponentOperational {
			t.Fatalf("stale proposal applied: %s", c.Status)
		}
		if p = member.post("/statuspage/components/"+itoa(checkout.ID)+"/apply", url.Values{"status": {"bad"}}); p.Status != http.StatusBadRequest {
			t.Fatalf("bad status: %d", p.Status)
		}

		// One click applies it; the proposal is gone, the event says who.
		p = member.post("/statuspage/components/"+itoa(checkout.ID)+"/apply", url.Values{"status": {"partial_outage"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("apply: %d %s", p.Status, excerpt(p.Body))
		}
		if c := componentByName(t, f, "Checkout"); c.Status != tocsin.ComponentPartial {
			t.Fatalf("applied: %s", c.Status)
		}
		p = member.follow(p)
		mustContain(t, p.Body, "Checkout is now Partial outage.")
		mustNotContain(t, p.Body, "Proposed by open alerts")
		p = member.get("/statuspage/timeline")
		mustContain(t, p.Body, "Max Member", "component.status", "Checkout: operational → partial_outage.")

		// Both alerts resolved: back to operational is proposed.
		ctx := context.Background()
		if _, err := f.app.DB.ActOnAlerts(ctx, []int64{first, second}, storeAction(tocsin.ActionResolve), f.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		p = member.get("/statuspage")
		mustContain(t, p.Body, "No open alert on checkout any more: Checkout could go back to", `name="status" value="operational"`)

		// A viewer sees proposals but no button.
		viewer := newBrowser(t, f.app)
		viewer.login(f.viewer.Email)
		p = viewer.get("/statuspage")
		mustContain(t, p.Body, "Proposed by open alerts")
		mustNotContain(t, p.Body, "/apply")
		if p = viewer.post("/statuspage/components/"+itoa(checkout.ID)+"/apply", url.Values{"status": {"operational"}}); p.Status != http.StatusForbidden {
			t.Fatalf("viewer apply: %d", p.Status)
		}
	})
}
