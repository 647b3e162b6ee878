package statuspage

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

var jsonFiles = []string{
	"api/v2/summary.json",
	"api/v2/status.json",
	"api/v2/components.json",
	"api/v2/incidents.json",
	"api/v2/incidents/unresolved.json",
	"api/v2/scheduled-maintenances.json",
	"api/v2/scheduled-maintenances/upcoming.json",
	"api/v2/scheduled-maintenances/active.json",
	"api/waiting.json",
}

// TestGoldenJSON pins every JSON document, byte for byte once indented.
// Run with -update after a deliberate change and read the diff.
func TestGoldenJSON(t *testing.T) {
	b := render(t, fixture(), Options{})
	for _, p := range jsonFiles {
		t.Run(p, func(t *testing.T) {
			var got bytes.Buffer
			if err := json.Indent(&got, b.File(p).Body, "", "  "); err != nil {
				t.Fatalf("%s is not JSON: %v", p, err)
			}
			got.WriteByte('\n')
			golden := filepath.Join("testdata", strings.NewReplacer("/", "_").Replace(p)+".golden")
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("%s differs from %s:\n%s", p, golden, got.String())
			}
		})
	}
}

// Statuspage-shaped structs written from reference/wire-formats.md §5 and
// check-statuspage's, independent of the package's own: decoded with
// unknown fields rejected, as check-statuspage does by default.
type (
	xPage struct {
		ID        string    `json:"id"`
		Name      string    `json:"name"`
		URL       string    `json:"url"`
		TimeZone  string    `json:"time_zone"`
		UpdatedAt time.Time `json:"updated_at"`
	}
	xStatus struct {
		Indicator   string `json:"indicator"`
		Description string `json:"description"`
	}
	xComponent struct {
		ID                 string    `json:"id"`
		Name               string    `json:"name"`
		Status             string    `json:"status"`
		CreatedAt          time.Time `json:"created_at"`
		UpdatedAt          time.Time `json:"updated_at"`
		Position           int       `json:"position"`
		Description        *string   `json:"description"`
		Showcase           bool      `json:"showcase"`
		StartDate          *string   `json:"start_date"`
		GroupID            *string   `json:"group_id"`
		PageID             string    `json:"page_id"`
		Group              bool      `json:"group"`
		OnlyShowIfDegraded bool      `json:"only_show_if_degraded"`
		Components         []string  `json:"components"`
	}
	xAffected struct {
		Code      string `json:"code"`
		Name      string `json:"name"`
		OldStatus string `json:"old_status"`
		NewStatus string `json:"new_status"`
	}
	xUpdate struct {
		ID                   string       `json:"id"`
		Status               string       `json:"status"`
		Body                 string       `json:"body"`
		IncidentID           string       `json:"incident_id"`
		CreatedAt            time.Time    `json:"created_at"`
		UpdatedAt            time.Time    `json:"updated_at"`
		DisplayAt            time.Time    `json:"display_at"`
		AffectedComponents   *[]xAffected `json:"affected_components"`
		DeliverNotifications bool         `json:"deliver_notifications"`
		CustomTweet          *string      `json:"custom_tweet"`
		TweetID              *string      `json:"tweet_id"`
	}
	xIncident struct {
		ID              string       `json:"id"`
		Name            string       `json:"name"`
		Status          string       `json:"status"`
		Impact          string       `json:"impact"`
		CreatedAt       time.Time    `json:"created_at"`
		UpdatedAt       time.Time    `json:"updated_at"`
		MonitoringAt    *time.Time   `json:"monitoring_at"`
		ResolvedAt      *time.Time   `json:"resolved_at"`
		StartedAt       time.Time    `json:"started_at"`
		Shortlink       *string      `json:"shortlink"`
		PageID          string       `json:"page_id"`
		IncidentUpdates []xUpdate    `json:"incident_updates"`
		Components      []xComponent `json:"components"`
		ScheduledFor    *time.Time   `json:"scheduled_for"`
		ScheduledUntil  *time.Time   `json:"scheduled_until"`
	}
	xDoc struct {
		Page                  xPage        `json:"page"`
		Status                *xStatus     `json:"status"`
		Components            []xComponent `json:"components"`
		Incidents             []xIncident  `json:"incidents"`
		ScheduledMaintenances []xIncident  `json:"scheduled_maintenances"`
	}
)

// The keys each object must carry, no more, no fewer (null when unset).
var wantKeys = map[string][]string{
	"page":        {"id", "name", "url", "time_zone", "updated_at"},
	"status":      {"indicator", "description"},
	"component":   {"id", "name", "status", "created_at", "updated_at", "position", "description", "showcase", "start_date", "group_id", "page_id", "group", "only_show_if_degraded"},
	"group":       {"id", "name", "status", "created_at", "updated_at", "position", "description", "showcase", "start_date", "group_id", "page_id", "group", "only_show_if_degraded", "components"},
	"incident":    {"id", "name", "status", "impact", "created_at", "updated_at", "monitoring_at", "resolved_at", "started_at", "shortlink", "page_id", "incident_updates", "components"},
	"maintenance": {"id", "name", "status", "impact", "created_at", "updated_at", "monitoring_at", "resolved_at", "started_at", "shortlink", "page_id", "incident_updates", "components", "scheduled_for", "scheduled_until"},
	"update":      {"id", "status", "body", "incident_id", "created_at", "updated_at", "display_at", "affected_components", "deliver_notifications", "custom_tweet", "tweet_id"},
	"affected":    {"code", "name", "old_status", "new_status"},
}

var (
	timeRE  = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	idRE    = regexp.MustCompile(`^[a-z0-9]{12}$`)
	dateRE  = regexp.MustCompile(`^\d{4}-\d\d-\d\d$`)
	timeKey = map[string]bool{"updated_at": true, "created_at": true, "monitoring_at": true, "resolved_at": true, "started_at": true, "display_at": true, "scheduled_for": true, "scheduled_until": true}
)

func TestStrictDecodeEveryEndpoint(t *testing.T) {
	for _, snap := range []*tocsin.StatusSnapshot{fixture(), emptySnapshot()} {
		b := render(t, snap, Options{})
		for _, p := range jsonFiles[:8] {
			dec := json.NewDecoder(bytes.NewReader(b.File(p).Body))
			dec.DisallowUnknownFields()
			var doc xDoc
			if err := dec.Decode(&doc); err != nil {
				t.Errorf("%s: %v", p, err)
				continue
			}
			if doc.Page.ID != snap.Page.PublicID || doc.Page.UpdatedAt.IsZero() {
				t.Errorf("%s: page %+v", p, doc.Page)
			}
			checkValues(t, p, doc)

			var raw map[string]any
			json.Unmarshal(b.File(p).Body, &raw)
			checkKeys(t, p, "page", raw["page"])
			if s, ok := raw["status"]; ok {
				checkKeys(t, p, "status", s)
			}
			for _, c := range list(raw["components"]) {
				checkComponentKeys(t, p, c)
			}
			for _, i := range list(raw["incidents"]) {
				checkIncidentKeys(t, p, "incident", i)
			}
			for _, i := range list(raw["scheduled_maintenances"]) {
				checkIncidentKeys(t, p, "maintenance", i)
			}
			checkTimes(t, p, raw)
		}
	}
}

func emptySnapshot() *tocsin.StatusSnapshot {
	return &tocsin.StatusSnapshot{Page: tocsin.StatusPage{PublicID: "emptypage001", Name: "Empty", UpdatedAt: at}, At: at}
}

func list(v any) []any { l, _ := v.([]any); return l }

func checkKeys(t *testing.T, file, kind string, v any) {
	t.Helper()
	obj, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s: %s is %T, not an object", file, kind, v)
		return
	}
	var got []string
	for k := range obj {
		got = append(got, k)
	}
	want := slices.Clone(wantKeys[kind])
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: %s keys %v, want %v", file, kind, got, want)
	}
}

func checkComponentKeys(t *testing.T, file string, c any) {
	t.Helper()
	obj, _ := c.(map[string]any)
	kind := "component"
	if obj["group"] == true {
		kind = "group"
	}
	checkKeys(t, file, kind, c)
}

func checkIncidentKeys(t *testing.T, file, kind string, i any) {
	t.Helper()
	checkKeys(t, file, kind, i)
	obj, _ := i.(map[string]any)
	for _, u := range list(obj["incident_updates"]) {
		checkKeys(t, file, "update", u)
		for _, a := range list(u.(map[string]any)["affected_components"]) {
			checkKeys(t, file, "affected", a)
		}
	}
	for _, c := range list(obj["components"]) {
		checkComponentKeys(t, file, c)
	}
}

// checkTimes walks a document: every time is RFC 3339 in UTC with
// milliseconds, or null.
func checkTimes(t *testing.T, file string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if timeKey[k] && val != nil {
				if s, _ := val.(string); !timeRE.MatchString(s) {
					t.Errorf("%s: %s = %v, want RFC 3339 with milliseconds", file, k, val)
				}
			}
			checkTimes(t, file, val)
		}
	case []any:
		for _, e := range x {
			checkTimes(t, file, e)
		}
	}
}

func checkValues(t *testing.T, file string, doc xDoc) {
	t.Helper()
	in := func(v string, set ...string) bool { return slices.Contains(set, v) }
	if doc.Status != nil {
		if !in(doc.Status.Indicator, "none", "minor", "major", "critical", "maintenance") || doc.Status.Description == "" {
			t.Errorf("%s: status %+v", file, doc.Status)
		}
	}
	comp := func(c xComponent) {
		if !idRE.MatchString(c.ID) || !in(c.Status, "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance") {
			t.Errorf("%s: component %+v", file, c)
		}
		if c.StartDate != nil && !dateRE.MatchString(*c.StartDate) {
			t.Errorf("%s: start_date %q", file, *c.StartDate)
		}
	}
	for _, c := range doc.Components {
		comp(c)
	}
	for _, i := range doc.Incidents {
		if !in(i.Status, "investigating", "identified", "monitoring", "resolved", "postmortem") || !in(i.Impact, "none", "minor", "major", "critical") {
			t.Errorf("%s: incident %s status %s impact %s", file, i.ID, i.Status, i.Impact)
		}
		if i.ScheduledFor != nil {
			t.Errorf("%s: incident %s has scheduled_for", file, i.ID)
		}
		for _, c := range i.Components {
			comp(c)
		}
	}
	for _, m := range doc.ScheduledMaintenances {
		if !in(m.Status, "scheduled", "in_progress", "verifying", "completed") || m.Impact != "maintenance" || m.ScheduledFor == nil || m.ScheduledUntil == nil {
			t.Errorf("%s: maintenance %+v", file, m)
		}
	}
}

// TestAPIContent checks what a consumer reads: the roll-up, which incidents
// and maintenances each endpoint lists, group membership.
func TestAPIContent(t *testing.T) {
	b := render(t, fixture(), Options{})
	read := func(p string) xDoc {
		var d xDoc
		if err := json.Unmarshal(b.File(p).Body, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	ids := func(l []xIncident) []string {
		var out []string
		for _, i := range l {
			out = append(out, i.ID)
		}
		return out
	}
	sum := read("api/v2/summary.json")
	// API partial outage and a major incident: "major".
	if sum.Status.Indicator != "major" || sum.Status.Description != "Partial System Outage" {
		t.Errorf("summary status %+v", sum.Status)
	}
	if got := ids(sum.Incidents); !slices.Equal(got, []string{"inc0000open1"}) {
		t.Errorf("summary incidents %v", got)
	}
	if got := ids(sum.ScheduledMaintenances); !slices.Equal(got, []string{"mnt000active", "mnt00000next"}) {
		t.Errorf("summary maintenances %v", got)
	}
	if got := ids(read("api/v2/incidents.json").Incidents); !slices.Equal(got, []string{"inc0000open1", "inc00resolvd"}) {
		t.Errorf("incidents %v", got)
	}
	if got := ids(read("api/v2/scheduled-maintenances/upcoming.json").ScheduledMaintenances); !slices.Equal(got, []string{"mnt00000next"}) {
		t.Errorf("upcoming %v", got)
	}
	if got := ids(read("api/v2/scheduled-maintenances/active.json").ScheduledMaintenances); !slices.Equal(got, []string{"mnt000active"}) {
		t.Errorf("active %v", got)
	}
	if got := ids(read("api/v2/scheduled-maintenances.json").ScheduledMaintenances); !slices.Equal(got, []string{"mnt00000next", "mnt000active", "mnt00000done"}) {
		t.Errorf("maintenances %v", got)
	}
	comps := read("api/v2/components.json").Components
	if len(comps) != 6 {
		t.Fatalf("components.json lists %d components, want all 6 (hidden ones too)", len(comps))
	}
	group := comps[0]
	if !group.Group || !slices.Equal(group.Components, []string{"cmp00000api1", "cmp0000dash1"}) || group.Status != "partial_outage" {
		t.Errorf("group %+v", group)
	}
	if comps[1].GroupID == nil || *comps[1].GroupID != "grp0platform" || comps[1].Components != nil {
		t.Errorf("child %+v", comps[1])
	}
	inc := read("api/v2/incidents/unresolved.json").Incidents[0]
	if inc.Shortlink == nil || *inc.Shortlink != "https://status.acme.test/incidents/inc0000open1.html" {
		t.Errorf("shortlink %v", inc.Shortlink)
	}
	if len(inc.IncidentUpdates) != 2 || inc.IncidentUpdates[0].ID != "upd00000102a" || inc.IncidentUpdates[0].AffectedComponents != nil {
		t.Errorf("updates newest first, null affected_components when none: %+v", inc.IncidentUpdates)
	}
	if a := inc.IncidentUpdates[1].AffectedComponents; a == nil || (*a)[0] != (xAffected{"cmp00000api1", "API", "operational", "partial_outage"}) {
		t.Errorf("affected components %v", a)
	}
}

// TestRollUpFollowsComponents: everything operational and nothing open is
// "none"; all under maintenance is "maintenance".
func TestRollUpFollowsComponents(t *testing.T) {
	snap := emptySnapshot()
	snap.Components = []tocsin.Component{
		{ID: 1, PublicID: "aaaaaaaaaaaa", Name: "A", Status: tocsin.ComponentOperational, Showcase: true},
	}
	var s xDoc
	b := render(t, snap, Options{})
	json.Unmarshal(b.File("api/v2/status.json").Body, &s)
	if s.Status.Indicator != "none" || s.Status.Description != "All Systems Operational" {
		t.Errorf("status %+v", s.Status)
	}
	snap.Components[0].Status = tocsin.ComponentMaintenance
	b = render(t, snap, Options{})
	json.Unmarshal(b.File("api/v2/status.json").Body, &s)
	if s.Status.Indicator != "maintenance" {
		t.Errorf("status %+v", s.Status)
	}
}
