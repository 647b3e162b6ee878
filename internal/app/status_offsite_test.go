package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/testkit"
)

// The copy published to a folder is the page when Tocsin is down: with
// Tocsin stopped, a plain file server serves the same page, incident page
// and JSON as the live one did.
func TestStatusPageOffSiteCopy(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		dir := t.TempDir()
		a := startStatusApp(t, engine, func(c *config.Config) { c.StatusPublishDir = dir })
		inc, _ := seedStatus(t, a.DB, a.Clock.Now())
		a.Status().Changed()
		incidentPage := "incidents/" + inc.PublicID + ".html"
		a.Logs.wait(t, "a copy holding the incident", func() bool {
			index, _ := os.ReadFile(filepath.Join(dir, "index.html"))
			_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(incidentPage)))
			return err == nil && bytes.Contains(index, []byte(inc.Name))
		})

		// What the live page serves, over HTTP.
		live := map[string]string{}
		var paths []string
		for _, p := range a.Status().Bundle().Paths() {
			resp, body := get(t, a.URL+"/status/"+p, "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("live %s: %d", p, resp.StatusCode)
			}
			live[p] = body
			paths = append(paths, p)
		}
		subscribe := a.URL + "/status/subscribe"
		a.Stop()
		if resp, err := http.Get(a.URL + "/status/"); err == nil {
			resp.Body.Close()
			t.Fatal("Tocsin still answers after Stop")
		}

		static := httptest.NewServer(http.FileServer(http.Dir(dir)))
		defer static.Close()
		var apiFiles int
		for _, p := range paths {
			url := static.URL + "/" + p
			if p == "index.html" {
				url = static.URL + "/" // a file server redirects /index.html there
			}
			resp, body := get(t, url, "")
			if resp.StatusCode != http.StatusOK {
				t.Errorf("static %s: %d", p, resp.StatusCode)
				continue
			}
			want := live[p]
			if strings.HasSuffix(p, ".html") {
				// The copy's form posts to the live Tocsin, the rest is the same.
				if !strings.Contains(body, `action="`+subscribe+`"`) && strings.Contains(want, `action="subscribe"`) {
					t.Errorf("static %s: the subscribe form does not post to %s", p, subscribe)
				}
				want = strings.ReplaceAll(want, `action="subscribe"`, `action="`+subscribe+`"`)
			}
			if body != want {
				t.Errorf("static %s differs from what the live page served", p)
			}
			if strings.HasPrefix(p, "api/v2/") {
				apiFiles++
				var v map[string]any
				if err := json.Unmarshal([]byte(body), &v); err != nil {
					t.Errorf("static %s: %v", p, err)
				} else if v["page"] == nil {
					t.Errorf("static %s has no page object", p)
				}
			}
		}
		if apiFiles < 8 {
			t.Errorf("%d JSON files under api/v2/, want the 8 of Statuspage's API", apiFiles)
		}

		// The page itself (the folder's index), the incident, and the API.
		resp, index := get(t, static.URL+"/", "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(index, inc.Name) || !strings.Contains(index, `href="`+incidentPage+`"`) {
			t.Errorf("static index: %d, names the incident and links its page: %t", resp.StatusCode, strings.Contains(index, inc.Name))
		}
		if _, page := get(t, static.URL+"/"+incidentPage, ""); !strings.Contains(page, inc.Name) || !strings.Contains(page, "502") {
			t.Errorf("static incident page lacks the incident or its update")
		}
		var unresolved struct {
			Incidents []struct {
				ID, Name, Status string
				IncidentUpdates  []struct{ Body string } `json:"incident_updates"`
			}
		}
		_, body := get(t, static.URL+"/api/v2/incidents/unresolved.json", "")
		if err := json.Unmarshal([]byte(body), &unresolved); err != nil || len(unresolved.Incidents) != 1 ||
			unresolved.Incidents[0].ID != inc.PublicID || unresolved.Incidents[0].Status != "investigating" ||
			len(unresolved.Incidents[0].IncidentUpdates) != 1 {
			t.Errorf("static unresolved.json: %v %+v", err, unresolved)
		}
		var status struct {
			Status struct{ Indicator string }
		}
		_, body = get(t, static.URL+"/api/v2/status.json", "")
		if err := json.Unmarshal([]byte(body), &status); err != nil || status.Status.Indicator != "major" {
			t.Errorf("static status.json: %v, indicator %q, want major", err, status.Status.Indicator)
		}
	})
}
