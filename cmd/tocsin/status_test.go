package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/testkit"
)

// `tocsin status export DIR` writes the page from the database, Tocsin
// stopped, and a second export removes what the page no longer has.
func TestStatusExport(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		tg := newTarget(t, engine)
		db := tg.open(t)
		now := time.Now()
		c := &tocsin.Component{Name: "API", Showcase: true}
		if err := db.CreateComponent(ctx, c, 0, now); err != nil {
			t.Fatal(err)
		}
		inc := &tocsin.StatusIncident{Name: "Slow API", Impact: tocsin.ImpactMinor}
		if err := db.CreateStatusIncident(ctx, inc, &tocsin.StatusUpdate{Body: "Requests take seconds."}, 0, now); err != nil {
			t.Fatal(err)
		}
		db.Close()

		dir := filepath.Join(t.TempDir(), "site")
		out := tocsinCmd(t, tg, "", "status", "export", dir).ok(t).out
		if !strings.Contains(out, `Wrote the status page "Status" to `+dir) || !strings.Contains(out, "give --public-url") {
			t.Errorf("status export printed:\n%s", out)
		}
		read := func(p string) string {
			t.Helper()
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		if index := read("index.html"); !strings.Contains(index, "Slow API") || !strings.Contains(index, `action="subscribe"`) {
			t.Errorf("exported index.html lacks the incident or the relative form")
		}
		var summary struct {
			Incidents []struct{ ID string }
		}
		if err := json.Unmarshal([]byte(read("api/v2/summary.json")), &summary); err != nil || len(summary.Incidents) != 1 || summary.Incidents[0].ID != inc.PublicID {
			t.Errorf("exported summary.json: %v %+v", err, summary)
		}
		incidentPage := filepath.Join(dir, "incidents", inc.PublicID+".html")
		if _, err := os.Stat(incidentPage); err != nil {
			t.Fatal(err)
		}

		// Again, the incident deleted and the live site named: the page
		// goes, the folder's other files stay.
		if err := os.WriteFile(filepath.Join(dir, "CNAME"), []byte("status.acme.test\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		db = tg.open(t)
		if err := db.DeleteStatusIncident(ctx, inc.ID, 0, now); err != nil {
			t.Fatal(err)
		}
		db.Close()
		out = tocsinCmd(t, tg, "", "status", "export", dir, "--public-url", "https://tocsin.acme.test/").ok(t).out
		if !strings.Contains(out, "Its subscribe form posts to https://tocsin.acme.test/status/subscribe.") {
			t.Errorf("status export --public-url printed:\n%s", out)
		}
		if _, err := os.Stat(incidentPage); !os.IsNotExist(err) {
			t.Errorf("the deleted incident's page is still there: %v", err)
		}
		if read("CNAME") != "status.acme.test\n" || !strings.Contains(read("index.html"), `action="https://tocsin.acme.test/status/subscribe"`) {
			t.Error("second export: CNAME touched, or the form does not post to the live site")
		}

		tocsinCmd(t, tg, "", "status", "export", dir, "--public-url", "ftp://x").fails(t, "--public-url")
		tocsinCmd(t, tg, "", "status", "export").fails(t, "expected \"<dir>\"")
	})
}

var statusPageAt = regexp.MustCompile(`^The public status page is at (http://\S+)$`)

// serve --demo shows a status page worth looking at, once.
func TestServeDemoStatusPage(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		tg := newTarget(t, engine)
		s := startServe(t, tg, "--demo", "--status-listen", "127.0.0.1:0")
		lines := s.until(t, "The public status page is at")
		output := strings.Join(lines, "\n")
		m := statusPageAt.FindStringSubmatch(lines[len(lines)-1])
		if m == nil || !strings.Contains(output, "Demo status page loaded") {
			t.Fatalf("serve --demo printed:\n%s", output)
		}
		fetch := func(p string, v any) string {
			t.Helper()
			resp, err := http.Get(m[1] + p)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", p, resp.StatusCode)
			}
			if v != nil {
				if err := json.Unmarshal(body, v); err != nil {
					t.Fatalf("%s: %v", p, err)
				}
			}
			return string(body)
		}
		var summary struct {
			Page       struct{ Name string }
			Components []struct {
				Name, Status string
				Group        bool
			}
		}
		fetch("api/v2/summary.json", &summary)
		groups, leaves, degraded := 0, 0, 0
		for _, c := range summary.Components {
			if c.Group {
				groups++
				continue
			}
			leaves++
			if c.Status != "operational" {
				degraded++
			}
		}
		if summary.Page.Name != "Tocsin Demo status" || groups != 2 || leaves != 5 || degraded != 1 {
			t.Errorf("demo page %q: %d groups, %d components, %d not operational", summary.Page.Name, groups, leaves, degraded)
		}
		var incidents struct {
			Incidents []struct {
				Status  string
				Updates []struct{ Status string } `json:"incident_updates"`
			}
		}
		fetch("api/v2/incidents.json", &incidents)
		if len(incidents.Incidents) != 1 || incidents.Incidents[0].Status != "resolved" || len(incidents.Incidents[0].Updates) != 4 {
			t.Errorf("demo incidents: %+v", incidents)
		}
		var upcoming struct {
			Maintenances []struct {
				ScheduledFor time.Time `json:"scheduled_for"`
			} `json:"scheduled_maintenances"`
		}
		fetch("api/v2/scheduled-maintenances/upcoming.json", &upcoming)
		if len(upcoming.Maintenances) != 1 || time.Until(upcoming.Maintenances[0].ScheduledFor) < 6*24*time.Hour {
			t.Errorf("demo maintenance: %+v", upcoming)
		}
		// Some bars are not all green.
		if index := fetch("", nil); !regexp.MustCompile(`\d\d\.\d+% uptime`).MatchString(index) {
			t.Error("the demo's uptime bars are all at 100%")
		}
		s.shutdown(t)

		// Started again: nothing added twice.
		s = startServe(t, tg, "--demo", "--status-listen", "127.0.0.1:0")
		lines = s.until(t, "The public status page is at")
		if strings.Contains(strings.Join(lines, "\n"), "Demo status page loaded") {
			t.Error("the demo status page was loaded again")
		}
		s.shutdown(t)
		db := tg.open(t)
		comps, err := db.Components(context.Background())
		if err != nil || len(comps) != 7 {
			t.Errorf("after two demo starts: %d components, %v", len(comps), err)
		}
		// The sample alerts propose statuses for the components linked to
		// their services, for a member to confirm.
		proposals, err := db.ComponentProposals(context.Background())
		proposed := map[string]string{}
		for _, p := range proposals {
			proposed[p.Component.Name] = string(p.Proposed)
		}
		if err != nil || proposed["Checkout"] != "major_outage" || proposed["Invoicing"] != "degraded_performance" || len(proposed) != 2 {
			t.Errorf("demo proposals: %v, %v", proposed, err)
		}
	})
}
