package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/oncall"
	"github.com/tocsin/tocsin/internal/testkit"
)

// sendCSV posts a plan as text/csv.
func (e *env) sendCSV(u *tocsin.User, path, body string) reply {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.app.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/csv; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+e.tokens[u])
	return e.send(req)
}

func TestSchedulePlanImportExport(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)
		ctx := context.Background()
		bob := e.app.CreateUser("bob@example.com", "Bob Durand", tocsin.RoleMember, "correct horse battery")
		s := &tocsin.Schedule{Name: "ops", Timezone: "Europe/Paris", Layers: []tocsin.Layer{{
			Name: "weekly", Participants: []int64{e.member.ID, bob.ID}, Length: tocsin.ShiftLength{Count: 1, Unit: tocsin.Weeks}, Handoff: "mon 09:00", Start: "2026-11-02",
		}}}
		if err := e.app.DB.CreateSchedule(ctx, s, e.app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		layers := func() []tocsin.Layer {
			t.Helper()
			got, err := e.app.DB.Schedule(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Layers
		}
		plan := "\xef\xbb\xbfdate;personne;remarque\r\n23/11/2026;bob@example.com;\r\n24/11/2026;Bob Durand;\r\n25/11/2026;;\r\n26/11/2026;alice@example.com;=HYPERLINK(\"http://evil\")\r\n"

		// Who may: admins, as for editing schedules.
		e.fails(e.member, "POST", v1("/schedules/ops/import"), plan, 403, "forbidden")
		e.fails(e.admin, "POST", v1("/schedules/nope/import"), plan, 404, "not_found")
		e.fails(e.admin, "POST", v1("/schedules/ops/import?day_start=mon"), plan, 400, "invalid", "day start")
		e.fails(e.admin, "POST", v1("/schedules/ops/import?layer=weekly"), plan, 400, "invalid", "rotation")
		e.fails(e.admin, "POST", v1("/schedules/ops/import?dryrun=1"), plan, 400, "invalid", "dryrun")
		e.fails(e.admin, "POST", v1("/schedules/ops/import"), "", 400, "invalid", "empty")

		// A dry run previews: the imported shifts, the day Bob's week leaves
		// uncovered on the import is the rotation's (Alice), no gap; nothing written.
		r := e.sendCSV(e.admin, v1("/schedules/ops/import?dry_run=1"), plan)
		if r.status != 200 || r.body["applied"] != false || str(r.body, "layer") != "imported" || r.body["layer_created"] != true || str(r.body, "day_start") != "09:00" || num(r.body, "days") != 4 {
			t.Fatalf("dry run: %d %s", r.status, r.raw)
		}
		shifts := list(r.body, "shifts")
		if len(shifts) != 2 || str(obj(shifts[0], "user"), "email") != "bob@example.com" || str(shifts[0], "start") != "2026-11-23T08:00:00Z" || str(shifts[0], "end") != "2026-11-25T08:00:00Z" ||
			str(shifts[1], "note") != `=HYPERLINK("http://evil")` || str(r.body, "from") != "2026-11-23T08:00:00Z" || str(r.body, "to") != "2026-11-27T08:00:00Z" {
			t.Errorf("preview shifts: %s", r.raw)
		}
		if len(list(r.body, "gaps")) != 0 || len(list(r.body, "errors")) != 0 {
			t.Errorf("preview gaps or errors: %s", r.raw)
		}
		if got := layers(); len(got) != 1 {
			t.Fatalf("a dry run wrote %d layers", len(got))
		}

		// Wrong lines: every one reported by line, 422, nothing written.
		bad := "date,person,note\n2026-11-23,ghost@example.com,\n31/11/2026,bob@example.com,\n2026-11-24,bob@example.com,\n24/11/2026,alice@example.com,\n"
		r = e.sendCSV(e.admin, v1("/schedules/ops/import"), bad)
		if r.status != 422 || r.body["applied"] != false {
			t.Fatalf("bad plan: %d %s", r.status, r.raw)
		}
		errs := list(r.body, "errors")
		want := []string{`line 2: nobody is called "ghost@example.com"`, `line 3: date "31/11/2026" is not a day`, "line 5: 2026-11-24 is already planned on line 4"}
		if len(errs) != len(want) {
			t.Fatalf("errors: %s", r.raw)
		}
		for i, w := range want {
			if !strings.HasPrefix(str(errs[i], "message"), w) || num(errs[i], "line") != int64([]int{2, 3, 5}[i]) {
				t.Errorf("error %d: %v, want %q", i, errs[i], w)
			}
		}
		if got := layers(); len(got) != 1 {
			t.Fatalf("a refused import wrote %d layers", len(got))
		}

		// Applied: the fixed layer on top decides those days.
		r = e.sendCSV(e.admin, v1("/schedules/ops/import"), plan)
		if r.status != 200 || r.body["applied"] != true {
			t.Fatalf("apply: %d %s", r.status, r.raw)
		}
		got := layers()
		if len(got) != 2 || got[1].Name != "imported" || got[1].Kind != tocsin.LayerFixed || len(got[1].Fixed) != 2 {
			t.Fatalf("layers after the import: %+v", got)
		}
		stored, _ := e.app.DB.Schedule(ctx, s.ID)
		if oc, _ := oncall.At(stored, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)); oc.Final.UserID != bob.ID {
			t.Errorf("on call on the 23rd: %+v", oc.Final)
		}

		// Export: a CSV attachment, formulas neutralised, and it imports back to the same layer.
		req, _ := http.NewRequest("GET", e.app.URL+v1("/schedules/%d/planning.csv?from=2026-11-23&weeks=1", s.ID), nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens[e.viewer])
		x := e.send(req)
		if x.status != 200 || x.header.Get("Content-Type") != "text/csv; charset=utf-8" || x.header.Get("Content-Disposition") != `attachment; filename="ops-2026-11-23.csv"` {
			t.Fatalf("export: %d %v %s", x.status, x.header, x.raw)
		}
		wantCSV := "date,person,note\r\n2026-11-23,bob@example.com,\r\n2026-11-24,bob@example.com,\r\n2026-11-25,bob@example.com,\r\n" +
			"2026-11-26,alice@example.com,\"'=HYPERLINK(\"\"http://evil\"\")\"\r\n2026-11-27,bob@example.com,\r\n2026-11-28,bob@example.com,\r\n2026-11-29,bob@example.com,\r\n"
		if string(x.raw) != wantCSV {
			t.Errorf("export:\n%s\nwant\n%s", x.raw, wantCSV)
		}
		before := got[1].Fixed
		r = e.sendCSV(e.admin, v1("/schedules/ops/import?layer=imported"), string(x.raw))
		if r.status != 200 || r.body["layer_created"] != false {
			t.Fatalf("re-import: %d %s", r.status, r.raw)
		}
		after := layers()[1].Fixed
		// The days nobody held on the layer (the 25th, the 27th to 29th) were the
		// rotation's, Bob's week: the export says so, and the layer now holds them too.
		if len(after) != 3 || after[0].Start != before[0].Start || after[0].End != before[1].Start || after[1] != before[1] ||
			after[2].UserID != bob.ID || !after[2].End.Equal(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)) {
			t.Errorf("round trip: before %+v after %+v", before, after)
		}
		e.fails(e.viewer, "GET", v1("/schedules/ops/planning.csv?weeks=54"), nil, 400, "invalid", "weeks")
		e.fails(e.viewer, "GET", v1("/schedules/ops/planning.csv?from=23/11/2026"), nil, 400, "invalid", "from")
		e.fails(e.viewer, "GET", v1("/schedules/999/planning.csv"), nil, 404, "not_found")
	})
}
