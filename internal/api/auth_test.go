package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tocsin/tocsin/internal/testkit"
)

func TestAuthentication(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)

		for name, header := range map[string]string{
			"no header":     "",
			"unknown token": "Bearer tcs_000000000000000000000000000000000000000000000000",
			"wrong scheme":  "Basic YWRtaW46cGFzc3dvcmQ=",
			"empty bearer":  "Bearer ",
			"huge token":    "Bearer " + strings.Repeat("x", 5000),
		} {
			req, _ := http.NewRequest("GET", e.app.URL+"/api/v1/alerts", nil)
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			r := e.send(req)
			if r.status != http.StatusUnauthorized {
				t.Errorf("%s: status %d, want 401: %s", name, r.status, r.raw)
				continue
			}
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: WWW-Authenticate = %q, want Bearer", name, r.header.Get("WWW-Authenticate"))
			}
			if code := str(obj(r.body, "error"), "code"); code != "unauthorized" {
				t.Errorf("%s: error code %q, want unauthorized", name, code)
			}
		}
		e.fails(nil, "GET", v1("/me"), nil, 401, "unauthorized", "Authorization: Bearer")

		// The token of the caller works; me says who that is.
		me := e.must(e.member, "GET", v1("/me"), nil, 200)
		if str(me, "email") != "alice@example.com" || str(me, "role") != "member" || num(me, "id") != e.member.ID {
			t.Errorf("GET /me = %v, want Alice the member", me)
		}

		// Unknown endpoints and wrong methods answer in JSON too.
		e.fails(e.admin, "GET", v1("/nothing-here"), nil, 404, "not_found", "/api/v1/nothing-here")
		r := e.call(e.admin, "PUT", v1("/alerts"), nil)
		if r.status != http.StatusMethodNotAllowed || !strings.Contains(r.header.Get("Allow"), "GET") || str(obj(r.body, "error"), "code") != "method_not_allowed" {
			t.Errorf("PUT /alerts: %d Allow=%q %s, want 405 JSON with Allow: GET", r.status, r.header.Get("Allow"), r.raw)
		}
	})
}

func TestRoles(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)
		svc := e.app.Service("payments", "checkout")
		integ, _ := e.app.Integration("generic", svc.ID)
		id := e.trigger(integ, alertEvent("disk full", "P3", nil))[0]

		// Viewers read but cannot act.
		e.must(e.viewer, "GET", v1("/alerts"), nil, 200)
		e.must(e.viewer, "GET", v1("/alerts/%d", id), nil, 200)
		e.must(e.viewer, "GET", v1("/services"), nil, 200)
		e.fails(e.viewer, "POST", v1("/alerts/%d/acknowledge", id), nil, 403, "forbidden", "member", "viewer")
		e.fails(e.viewer, "POST", v1("/alerts/%d/notes", id), map[string]any{"note": "hi"}, 403, "forbidden")
		e.fails(e.viewer, "POST", v1("/alerts/acknowledge"), map[string]any{"ids": []int64{id}}, 403, "forbidden")
		if got := str(e.must(e.viewer, "GET", v1("/alerts/%d", id), nil, 200), "status"); got != "triggered" {
			t.Errorf("after a viewer's refused acknowledge the alert is %s, want triggered", got)
		}

		// Members act on alerts but do not configure.
		e.fails(e.member, "POST", v1("/services"), map[string]any{"name": "search"}, 403, "forbidden", "admin")
		e.fails(e.member, "POST", v1("/teams"), map[string]any{"name": "search"}, 403, "forbidden")
		e.fails(e.member, "DELETE", v1("/services/%d", svc.ID), nil, 403, "forbidden")
		e.fails(e.member, "POST", v1("/integrations"), map[string]any{"name": "x", "type": "generic"}, 403, "forbidden")
		e.fails(e.member, "POST", v1("/rules"), map[string]any{"name": "x"}, 403, "forbidden")
		e.fails(e.member, "GET", v1("/users"), nil, 403, "forbidden")
		e.must(e.member, "POST", v1("/alerts/%d/acknowledge", id), nil, 200)
		if list := e.must(e.admin, "GET", v1("/services"), nil, 200); len(list["services"].([]any)) != 1 {
			t.Errorf("a member's refused create wrote a service: %v", list)
		}

		// Everyone manages their own tokens, viewers included.
		e.must(e.viewer, "POST", v1("/tokens"), map[string]any{"name": "laptop"}, 201)
	})
}
