package statuspage

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
)

// at is the instant every fixture is read at: Saturday 1 August 2026,
// 12:05 in Paris.
var at = time.Date(2026, 8, 1, 10, 5, 0, 0, time.UTC)

// fixture is a page with a group, hidden components, an open incident with
// two updates, a resolved one with a post-mortem, a maintenance in progress,
// one scheduled and one completed, and status history for the bars.
func fixture() *tocsin.StatusSnapshot {
	day := 24 * time.Hour
	created := at.Add(-200 * day)
	comps := []tocsin.Component{
		{ID: 1, PublicID: "grp0platform", Name: "Platform", Group: true, Position: 1, Status: tocsin.ComponentOperational, Showcase: true, CreatedAt: created, UpdatedAt: created},
		{ID: 2, PublicID: "cmp00000api1", Name: "API", Description: "REST and GraphQL", GroupID: 1, Position: 1, Status: tocsin.ComponentPartial, Showcase: true, CreatedAt: created, UpdatedAt: at.Add(-time.Hour)},
		{ID: 3, PublicID: "cmp0000dash1", Name: "Dashboard", GroupID: 1, Position: 2, Status: tocsin.ComponentMaintenance, Showcase: true, CreatedAt: created, UpdatedAt: at.Add(-30 * time.Minute)},
		{ID: 4, PublicID: "cmp000email1", Name: "E-mail delivery", Position: 2, Status: tocsin.ComponentOperational, Showcase: true, StartDate: at.Add(-10 * day), CreatedAt: created, UpdatedAt: created},
		{ID: 5, PublicID: "cmp00legacy1", Name: "Legacy FTP", Position: 3, Status: tocsin.ComponentOperational, Showcase: false, CreatedAt: created, UpdatedAt: created},
		{ID: 6, PublicID: "cmp00search1", Name: "Search", Position: 4, Status: tocsin.ComponentOperational, Showcase: true, OnlyShowIfDegraded: true, CreatedAt: created, UpdatedAt: created},
	}
	open := tocsin.StatusIncident{
		ID: 10, PublicID: "inc0000open1", Name: "Elevated API errors", Status: tocsin.IncidentIdentified, Impact: tocsin.ImpactMajor,
		ComponentIDs: []int64{2}, CreatedAt: at.Add(-time.Hour), UpdatedAt: at.Add(-20 * time.Minute), StartedAt: at.Add(-time.Hour),
		Updates: []tocsin.StatusUpdate{
			{ID: 101, PublicID: "upd00000101a", IncidentID: 10, Status: tocsin.IncidentInvestigating, Body: "We are looking into **errors** on the API.",
				DisplayAt: at.Add(-time.Hour), CreatedAt: at.Add(-time.Hour), UpdatedAt: at.Add(-time.Hour), Notify: true,
				Changes: []tocsin.ComponentChange{{ComponentID: 2, PublicID: "cmp00000api1", Name: "API", Old: tocsin.ComponentOperational, New: tocsin.ComponentPartial}}},
			{ID: 102, PublicID: "upd00000102a", IncidentID: 10, Status: tocsin.IncidentIdentified, Body: "A bad deploy; rolling back.\n\n- step one\n- step two",
				DisplayAt: at.Add(-20 * time.Minute), CreatedAt: at.Add(-20 * time.Minute), UpdatedAt: at.Add(-20 * time.Minute)},
		},
	}
	resolved := tocsin.StatusIncident{
		ID: 11, PublicID: "inc00resolvd", Name: "Slow dashboard", Status: tocsin.IncidentResolved, Impact: tocsin.ImpactMinor,
		ComponentIDs: []int64{3}, CreatedAt: at.Add(-3 * day), UpdatedAt: at.Add(-3*day + 2*time.Hour), StartedAt: at.Add(-3 * day),
		MonitoringAt: at.Add(-3*day + time.Hour), ResolvedAt: at.Add(-3*day + 2*time.Hour),
		Postmortem: "## What happened\n\nA cache expired.",
		Updates: []tocsin.StatusUpdate{
			{ID: 110, PublicID: "upd00000110a", IncidentID: 11, Status: tocsin.IncidentResolved, Body: "Fixed.", DisplayAt: at.Add(-3*day + 2*time.Hour), CreatedAt: at.Add(-3*day + 2*time.Hour)},
			{ID: 109, PublicID: "upd00000109a", IncidentID: 11, Status: tocsin.IncidentInvestigating, Body: "The dashboard is slow.", DisplayAt: at.Add(-3 * day), CreatedAt: at.Add(-3 * day)},
		},
	}
	mnt := func(id int64, pid, name string, status tocsin.IncidentStatus, from, until time.Time, comps ...int64) tocsin.StatusIncident {
		return tocsin.StatusIncident{
			ID: id, PublicID: pid, Name: name, Status: status, Impact: tocsin.ImpactMaintenance, Maintenance: true,
			ScheduledFor: from, ScheduledUntil: until, AutoTransition: true, ComponentIDs: comps,
			CreatedAt: from.Add(-7 * day), UpdatedAt: from.Add(-7 * day), StartedAt: from,
			Updates: []tocsin.StatusUpdate{{ID: id * 10, PublicID: pid[:8] + "upd1", IncidentID: id, Status: status, Body: "Maintenance: " + name, DisplayAt: from.Add(-7 * day), CreatedAt: from.Add(-7 * day)}},
		}
	}
	return &tocsin.StatusSnapshot{
		Page: tocsin.StatusPage{
			PublicID: "srhpyqt94yxb", Name: "Acme", URL: "https://status.acme.test", AccentColor: "#112233", TextColor: "#FFEEDD",
			Language: "en", TimeZone: "Europe/Paris", UpdatedAt: at.Add(-100 * day),
		},
		Components: comps,
		Incidents:  []tocsin.StatusIncident{resolved, open},
		Maintenances: []tocsin.StatusIncident{
			mnt(20, "mnt000active", "Database upgrade", tocsin.MaintenanceInProgress, at.Add(-30*time.Minute), at.Add(90*time.Minute), 3),
			mnt(21, "mnt00000next", "Network work", tocsin.MaintenanceScheduled, at.Add(2*day), at.Add(2*day+time.Hour), 2, 4),
			mnt(22, "mnt00000done", "Disk swap", tocsin.MaintenanceCompleted, at.Add(-5*day), at.Add(-5*day+time.Hour), 4),
		},
		Spans: map[int64][]tocsin.ComponentStatusSpan{
			2: {
				{ComponentID: 2, Status: tocsin.ComponentOperational, From: created},
				{ComponentID: 2, Status: tocsin.ComponentMajor, From: at.Add(-5 * day)},
				{ComponentID: 2, Status: tocsin.ComponentOperational, From: at.Add(-5*day + 2*time.Hour)},
				{ComponentID: 2, Status: tocsin.ComponentPartial, From: at.Add(-time.Hour)},
			},
			3: {
				{ComponentID: 3, Status: tocsin.ComponentOperational, From: created},
				{ComponentID: 3, Status: tocsin.ComponentDegraded, From: at.Add(-3 * day)},
				{ComponentID: 3, Status: tocsin.ComponentOperational, From: at.Add(-3*day + 2*time.Hour)},
				{ComponentID: 3, Status: tocsin.ComponentMaintenance, From: at.Add(-30 * time.Minute)},
			},
		},
		At: at,
	}
}

func render(t testing.TB, snap *tocsin.StatusSnapshot, opts Options) *Bundle {
	t.Helper()
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Render(snap, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func body(t testing.TB, b *Bundle, path string) string {
	t.Helper()
	f := b.File(path)
	if f == nil {
		t.Fatalf("no %s in the bundle; it has %v", path, b.Paths())
	}
	return string(f.Body)
}

// fakeSource is a store in memory: a snapshot and a version a test moves.
type fakeSource struct {
	mu       sync.Mutex
	snap     *tocsin.StatusSnapshot
	version  int64
	err      error
	reads    int
	versions int
	asked    chan struct{} // when set, told of each StatusVersion call
}

func (f *fakeSource) StatusSnapshot(ctx context.Context, now time.Time) (*tocsin.StatusSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.err != nil {
		return nil, f.err
	}
	s := *f.snap
	s.At = now
	return &s, nil
}

func (f *fakeSource) StatusVersion(ctx context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.versions++
	if f.asked != nil {
		select {
		case f.asked <- struct{}{}:
		default:
		}
	}
	if f.err != nil {
		return 0, f.err
	}
	return f.version, nil
}

func (f *fakeSource) set(fn func(s *tocsin.StatusSnapshot)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f.snap)
	f.version++
}
