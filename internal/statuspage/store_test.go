package statuspage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/statuspage"
	"github.com/tocsin/tocsin/internal/testkit"
)

// TestWithStore renders from the real store on each engine: what a member
// publishes reaches the JSON and the page, and a resolution is picked up by
// Run once the store's version moves.
func TestWithStore(t *testing.T) {
	testkit.ForEachEngine(t, withStore)
}

func withStore(t *testing.T, engine string) {
	ctx := context.Background()
	db := testkit.OpenDB(t, engine)
	now := time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC)
	page := &tocsin.StatusPage{Name: "Acme", URL: "https://status.acme.test", Language: "fr", TimeZone: "Europe/Paris"}
	if err := db.SaveStatusPage(ctx, page, 0, now.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	group := &tocsin.Component{Name: "Plateforme", Group: true, Showcase: true}
	if err := db.CreateComponent(ctx, group, 0, now.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	api := &tocsin.Component{Name: "API", GroupID: group.ID, Showcase: true}
	if err := db.CreateComponent(ctx, api, 0, now.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	inc := &tocsin.StatusIncident{Name: "Erreurs sur l’API", Impact: tocsin.ImpactMajor, ComponentIDs: []int64{api.ID}}
	first := &tocsin.StatusUpdate{Status: tocsin.IncidentInvestigating, Body: "Nous <script>regardons</script>.",
		Changes: []tocsin.ComponentChange{{ComponentID: api.ID, New: tocsin.ComponentMajor}}}
	if err := db.CreateStatusIncident(ctx, inc, first, 0, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}

	clock := now
	rendered := make(chan *statuspage.Bundle, 4)
	s, err := statuspage.New(db, statuspage.Config{Now: func() time.Time { return clock }, Poll: time.Hour, OnRender: func(b *statuspage.Bundle) { rendered <- b }})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- s.Run(runCtx) }()
	defer func() { cancel(); <-done }()
	<-rendered

	var sum struct {
		Page struct {
			ID, Name, URL string
			TimeZone      string `json:"time_zone"`
		} `json:"page"`
		Status     struct{ Indicator, Description string } `json:"status"`
		Components []struct {
			ID, Name, Status string
			Group            bool
			Components       []string `json:"components"`
		} `json:"components"`
		Incidents []struct {
			ID, Name, Status string
			Updates          []struct{ Body string } `json:"incident_updates"`
		} `json:"incidents"`
	}
	read := func() {
		t.Helper()
		resp, err := http.Get(hs.URL + "/api/v2/summary.json")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		sum.Incidents = nil
		if err := json.Unmarshal(body, &sum); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if len(sum.Page.ID) != 12 || sum.Page.Name != "Acme" || sum.Page.TimeZone != "Europe/Paris" {
		t.Errorf("page %+v", sum.Page)
	}
	if sum.Status.Indicator != "critical" || len(sum.Incidents) != 1 || sum.Incidents[0].ID != inc.PublicID {
		t.Fatalf("summary after the incident: %+v", sum)
	}
	if len(sum.Components) != 2 || !sum.Components[0].Group || sum.Components[0].Status != "major_outage" || sum.Components[0].Components[0] != api.PublicID {
		t.Errorf("components %+v", sum.Components)
	}
	resp, err := http.Get(hs.URL + "/incidents/" + inc.PublicID + ".html")
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(html, []byte("Erreurs sur l’API")) || !bytes.Contains(html, []byte("Panne majeure")) || bytes.Contains(html, []byte("<script>")) {
		t.Errorf("incident page: %d", resp.StatusCode)
	}

	// Resolved: the component is back to operational, the page says so.
	if err := db.PostStatusUpdate(ctx, inc.ID, &tocsin.StatusUpdate{Status: tocsin.IncidentResolved, Body: "Corrigé."}, 0, now); err != nil {
		t.Fatal(err)
	}
	s.Changed()
	b := <-rendered
	read()
	if sum.Status.Indicator != "none" || len(sum.Incidents) != 0 || b.Version != b.Snapshot.Version {
		t.Errorf("summary after the resolution: %+v (bundle version %d)", sum, b.Version)
	}
}
