package bench

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/testkit"
)

// Status page load: how long each run lasts, and how many clients ask at once.
const (
	pageWarmup   = time.Second
	pageDuration = 5 * time.Second
	pageClients  = 32 // closed loop
	openClients  = 64 // open loop: connections the due requests are sent on
	// defaultPageRate is the open-loop rate: the 10,000 requests/s.
	// TOCSIN_BENCH_PAGE_RATE sets another (pageRateEnv).
	defaultPageRate = 10000
	// The ingest storm: PagerDuty triggers (a new alert each) at a fixed
	// rate, from stormClients connections; rate 0 is a closed loop, each
	// connection posting as soon as it has its answer.
	stormClients = 32
	stormRate    = 1000
	stormBacklog = 20000 // alerts left open before the last storm
	// A mixed storm is what a monitoring system sends when much is failing:
	// one event in mixedNewEvery opens a new alert, the others repeat one
	// of repeatKeys alerts already open (deduplicated, nobody paged again).
	mixedNewEvery = 10
	repeatKeys    = 100
)

// BenchmarkStatusPage measures the public status page (issue 5: ≥ 10,000
// requests/s for the page and for summary.json, p99 < 20 ms, p99 not more
// than doubled during an ingest storm). The whole app runs in-process on a
// fresh database with a realistic page (groups, components, 90 days of
// history, an open incident with updates, a maintenance). Clients, each on
// its own kept-alive connection, GET the page and summary.json over the
// loopback, through the main listener (/status/) and the status listener
// (--status-listen), as browsers do (gzip): closed loop for throughput, and
// open loop at 10,000 requests/s for latency (TOCSIN_BENCH_PAGE_RATE sets
// another rate); then again while PagerDuty triggers are posted to
// /v2/enqueue of the same process (1,000/s, or as fast as 32 connections
// go) and the engine pages for each, and during a mixed storm (1,000
// events/s, one in ten a new alert). Every answer
// must be a 200 of the file's exact length; anything else counts as an
// error. It runs once whatever b.N, prints figures, and writes a Markdown
// table of them to bench/results/ (ignored by git):
//
//	go test -run '^$' -bench StatusPage -benchtime 1x -timeout 60m ./bench/
//
// With TOCSIN_BENCH_PROFILE=DIR, each run writes the CPU profile of its
// measured window (not of the seeding and draining around it) to
// DIR/ENGINE-PHASE-LOAD-URL.prof.
//
// It takes about 20 minutes: after a storm at full speed the engine may
// take minutes to page every alert, and the next run waits for it. With
// TOCSIN_TEST_LOG=1 (stderr to a file; run the compiled test binary, so
// that go test does not hold the output) the log, one line per request, is
// written out as `tocsin serve` writes it to stderr; by default testkit
// formats it and discards it.
//
// The clients ("epoll", loopLoad) write requests and read answers
// themselves, all on one thread, as wrk2 does, so that each request goes
// at its due instant. The "nethttp" runs use Go's http.Client, for
// comparison.
func BenchmarkStatusPage(b *testing.B) {
	rate := pageRateFromEnv(b)
	for _, engine := range testkit.Engines(b) {
		b.Run(engine, func(b *testing.B) { measureStatusPage(b, engine, rate) })
	}
}

// BenchmarkStatusPageServe measures the page as it is deployed: `tocsin
// serve` (built from ./cmd/tocsin) in a process of its own, its log at the
// default level (a line per request) written to a file, no GOMAXPROCS set;
// the load generator runs in a process of its own (this binary again), as
// wrk would; the storm's clients, the webhook receiver and the fake Twilio
// run in the benchmark's process; all on the same cores. The scene is
// BenchmarkStatusPage's, set in the database before serve starts (history
// paged and resolved through it); the runs are the page and summary.json,
// through both listeners, at 10,000 requests/s: idle, during a storm of
// 1,000 new paged alerts/s, and during a mixed storm; then the page through
// the main listener and summary.json through the status listener during
// storms of 200 and 500 new paged alerts/s. Each line also gives the CPU
// each of the three processes used. TOCSIN_BENCH_PAGE_RATE=2000 runs the
// same at 2,000 requests/s.
//
//	go test -run '^$' -bench StatusPageServe -benchtime 1x -timeout 30m ./bench/
func BenchmarkStatusPageServe(b *testing.B) {
	rate := pageRateFromEnv(b)
	for _, engine := range testkit.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			var delivered atomic.Int64
			receiver := pageReceiver(&delivered)
			defer receiver.Close()
			tw := testkit.StartFakeTwilio(b)
			s, start := serveProcess(b, engine, "--twilio-auth-token", tw.AuthToken, "--twilio-account-sid", tw.AccountSID,
				"--twilio-from", "+15005550006", "--twilio-api-url", tw.URL)
			key := seedPaging(b, s, receiver.URL)
			incident := seedStatusPage(b, s)
			start()
			accepted := seedHistory(b, s, key, &delivered, 0)
			measurePage(b, engine, s, statusScene{key: key, incident: incident, delivered: &delivered, accepted: accepted, rate: rate,
				file: func(name string) []byte { return fetchBody(b, s.statusURL+strings.TrimPrefix(name, "index.html")) }, logged: "written to a file at info level (answered page reads are debug lines: not written)"})
		})
	}
}

// fetchBody GETs url without compression and returns the body of its 200.
func fetchBody(b *testing.B, url string) []byte {
	resp, err := http.Get(url)
	must(b, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	must(b, err)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %s", url, resp.Status)
	}
	return body
}

// pageTarget is one URL of the page and the answer it must give.
type pageTarget struct {
	name       string // "main/page"
	url        string
	gzip       bool
	wantLength int // the body's length on the wire
	// anyLength: a server on the real clock re-renders the page every
	// minute (uptime bars, times): an answer may have another length, as
	// long as it is whole.
	anyLength bool
}

// row is one run's figures.
type row struct {
	storm, load string
	target      pageTarget
	client      string
	res         loadResult
	sr          *stormResult
}

func measureStatusPage(b *testing.B, engine string, rate int) {
	var delivered atomic.Int64 // alerts paged to the webhook by the engine
	receiver := pageReceiver(&delivered)
	defer receiver.Close()
	tw := testkit.StartFakeTwilio(b)
	a := testkit.Start(b, engine, func(c *config.Config) {
		c.StatusListen = "127.0.0.1:0"
		c.TwilioAuthToken, c.Providers.TwilioAccountSID, c.Providers.TwilioFrom, c.Providers.TwilioAPIURL = tw.AuthToken, tw.AccountSID, "+15005550006", tw.URL
	})
	s := inProcess(a)
	key := seedPaging(b, s, receiver.URL)
	incident := seedStatusPage(b, s)
	acceptedSoFar := seedHistory(b, s, key, &delivered, 0) // alerts the engine must page
	must(b, a.Status().Refresh(context.Background()))
	bundle := a.Status().Bundle()
	logged := "formatted and discarded (testkit)"
	if os.Getenv("TOCSIN_TEST_LOG") != "" {
		logged = "written to stderr"
	}
	logged += " at debug level, a line per request"
	measurePage(b, engine, s, statusScene{key: key, incident: incident, delivered: &delivered, accepted: acceptedSoFar, rate: rate,
		file: func(name string) []byte { return bundle.File(name).Body }, logged: logged, every: true})
}

// statusScene is what a status page benchmark has set up.
type statusScene struct {
	key       string        // the bench service's PagerDuty routing key
	incident  string        // the open incident the page must show
	delivered *atomic.Int64 // alerts paged to the webhook by the engine
	accepted  int64         // alerts accepted so far, each to be paged
	// file is the body the page's file of that name must have.
	file   func(name string) []byte
	logged string // what becomes of the server's log
	rate   int    // the open-loop rate of the latency runs (pageRateFromEnv)
	// every: all the runs; else the page and summary.json at rate, idle,
	// during storms of new alerts and during a mixed storm.
	every bool
}

// pageRateEnv sets the open-loop rate of the page's latency runs, to see
// how a storm weighs on the page when serving it leaves the machine cores to
// spare (at 10,000 requests/s on two cores it leaves almost none).
const pageRateEnv = "TOCSIN_BENCH_PAGE_RATE"

// pageRateFromEnv is the open-loop rate the environment asks for, checked
// before any scene is set.
func pageRateFromEnv(b *testing.B) int {
	v := os.Getenv(pageRateEnv)
	if v == "" {
		return defaultPageRate
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a number of requests per second", pageRateEnv, v)
	}
	return n
}

func measurePage(b *testing.B, engine string, srv *server, sc statusScene) {
	ctx := context.Background()
	pageRate := sc.rate
	key, delivered, acceptedSoFar := sc.key, sc.delivered, sc.accepted
	if !bytes.Contains(sc.file("index.html"), []byte(sc.incident)) {
		b.Fatalf("the page does not show the open incident %q", sc.incident)
	}

	// Each URL fetched once with net/http: the body is the page's file
	// (gunzipped when gzip), and its length on the wire is what every
	// answer of the load must have.
	var targets []pageTarget
	for _, l := range []struct{ name, root string }{{"main", srv.url + "/status/"}, {"status-listen", srv.statusURL}} {
		for _, f := range []struct{ name, path, file string }{{"page", "", "index.html"}, {"summary", "api/v2/summary.json", "api/v2/summary.json"}} {
			for _, gz := range []bool{true, false} {
				t := pageTarget{name: l.name + "/" + f.name, url: l.root + f.path, gzip: gz}
				t.wantLength = fetchOnce(b, t, sc.file(f.file))
				t.anyLength = srv.cpu != nil
				targets = append(targets, t)
			}
		}
	}
	where := "in the benchmark's process"
	if srv.cpu != nil {
		where = "in a process of its own"
	}
	sizes := fmt.Sprintf("%s, Tocsin %s: page %d bytes (%d gzipped), summary.json %d bytes (%d gzipped); its log is %s",
		engine, where, len(sc.file("index.html")), targets[0].wantLength, len(sc.file("api/v2/summary.json")), targets[2].wantLength, sc.logged)

	var rows []row
	type spec struct {
		t                                  pageTarget
		client                             string
		rate, stormRate, newEvery, backlog int
	}
	var specs []spec
	// plan adds a run: t with client, closed loop (rate 0) or at rate
	// requests/s, while a storm of stormRate triggers/s runs (-1: none; 0:
	// closed loop), one in newEvery a new alert (1: all; else a mixed
	// storm). A storm starts with no alert open, or with backlog alerts
	// opened before it.
	planned := false // the subset is planned: the rest is not
	plan := func(t pageTarget, client string, rate, stormRate, newEvery, backlog int) {
		if !planned {
			specs = append(specs, spec{t, client, rate, stormRate, newEvery, backlog})
		}
	}
	kind := ""
	if srv.cpu != nil {
		kind = "serve-"
	}
	tablePath, told := fmt.Sprintf("results/statuspage-%s%s-%s.md", kind, engine, time.Now().UTC().Format("20060102T150405Z")), false
	measure := func(t pageTarget, client string, rate, stormRate, newEvery, backlog int) {
		enc, load, phase := "identity", "closed-loop", "idle"
		if t.gzip {
			enc = "gzip"
		}
		if rate > 0 {
			load = strconv.Itoa(rate) + "-per-s"
		}
		switch {
		case stormRate == 0:
			phase = "storm-closed-loop"
		case stormRate > 0:
			phase = "storm-" + strconv.Itoa(stormRate) + "-per-s"
		}
		if newEvery > 1 {
			phase += "-mixed"
		}
		if backlog > 0 {
			phase += "-" + strconv.Itoa(backlog) + "-open"
		}
		b.Run(fmt.Sprintf("%s/%s/%s/%s/%s", phase, load, t.name, enc, client), func(b *testing.B) {
			var s *storm
			var open int
			if stormRate >= 0 {
				if backlog > 0 {
					acceptedSoFar += postEvents(b, srv.url, backlog, func(i int64) string {
						return fmt.Sprintf(`{"routing_key":%q,"event_action":"trigger","dedup_key":"backlog-%d","payload":{"summary":"Backlog alert %d","source":"bench","severity":"warning"}}`, key, i, i)
					})
					drainEngine(b, srv, delivered, acceptedSoFar)
				}
				if newEvery > 1 {
					acceptedSoFar += postEvents(b, srv.url, repeatKeys, func(i int64) string {
						return fmt.Sprintf(`{"routing_key":%q,"event_action":"trigger","dedup_key":"repeat-%d","payload":{"summary":"Disk full on db-%d","source":"db-%d.example.com","severity":"critical"}}`, key, i, i, i)
					})
					drainEngine(b, srv, delivered, acceptedSoFar)
				}
				counts, err := srv.db.OpenAlertCounts(ctx)
				must(b, err)
				open = counts[tocsin.StatusTriggered] + counts[tocsin.StatusAcknowledged]
			}
			before := delivered.Load()
			if stormRate >= 0 {
				s = startStorm(b, srv.url, key, stormRate, max(newEvery, 1))
			}
			stopProfile := profileWindow(b, engine+"-"+phase+"-"+load+"-"+strings.ReplaceAll(t.name, "/", "-"))
			var res loadResult
			if srv.cpu != nil {
				cpu0, own0, start := srv.cpu(), cpuTime(), time.Now()
				res = pageLoadProcess(b, t, client, rate)
				res.serverCores = (srv.cpu() - cpu0).Seconds() / res.took.Seconds()
				res.benchCores = (cpuTime() - own0).Seconds() / time.Since(start).Seconds()
			} else {
				var err error
				res, err = pageLoad(t, client, rate)
				must(b, err)
			}
			stopProfile()
			var sr *stormResult
			if s != nil {
				r := s.stop()
				r.open = open
				r.delivered = delivered.Load() - before
				acceptedSoFar += r.created
				r.drain = drainEngine(b, srv, delivered, acceptedSoFar)
				sr = &r
				// The monitoring system resolves the storm's alerts: the
				// next storm starts with none open.
				postEvents(b, srv.url, int(s.sent.Load()/s.newEvery), func(i int64) string {
					return fmt.Sprintf(`{"routing_key":%q,"event_action":"resolve","dedup_key":"storm-%d-%d"}`, key, s.run, i*s.newEvery)
				})
				if s.newEvery > 1 {
					postEvents(b, srv.url, repeatKeys, func(i int64) string {
						return fmt.Sprintf(`{"routing_key":%q,"event_action":"resolve","dedup_key":"repeat-%d"}`, key, i)
					})
				}
			}
			rows = append(rows, row{phase, load, t, client, res, sr})
			loadProcess := "benchmark process"
			if srv.cpu != nil {
				loadProcess = "load generator's process"
			}
			line := fmt.Sprintf("%s, %s, %s, %s (%s, %s): %.0f req/s, p50 %s, p99 %s, max %s (from the moment written: p50 %s, p99 %s; the server's share: p50 %s, p99 %s), errors %d%s; %s CPU %.2f cores, %d GCs (pauses %s in all)",
				engine, phase, load, t.name, enc, client, res.rate(), res.pct(0.50), res.pct(0.99), res.pct(1),
				percentile(res.svc, 0.50), percentile(res.svc, 0.99), percentile(res.own, 0.50), percentile(res.own, 0.99), res.errors, res.errorKinds(), loadProcess, res.cores, res.gcs, res.gcPause.Round(time.Microsecond))
			if srv.cpu != nil {
				line += fmt.Sprintf("; benchmark process (storm clients, fakes) %.2f cores; Tocsin's process %.2f cores", res.benchCores, res.serverCores)
			}
			if sr != nil {
				line += fmt.Sprintf("; storm (%d alerts open before): %.0f triggers/s accepted (%d not accepted, %d due but not sent: its clients were busy), %d new alerts, %d paged by the engine during the run, the rest within %s after",
					sr.open, sr.acceptedRate, sr.failed, sr.behind, sr.created, sr.delivered, sr.drain.Round(time.Millisecond))
			}
			if !told {
				b.Log(sizes)
			}
			b.Log(line)
			// The table is too long for the benchmark's log (10 lines
			// kept): it is written again after each run.
			if err := os.MkdirAll("results", 0o755); err == nil && os.WriteFile(tablePath, []byte(sizes+"\n"+table(engine, rows)), 0o644) == nil && !told {
				b.Logf("table of the runs in bench/%s", tablePath)
				told = true
			}
			b.ReportMetric(res.rate(), "req/s")
			b.ReportMetric(ms(res.pct(0.50)), "p50-ms")
			b.ReportMetric(ms(res.pct(0.99)), "p99-ms")
			b.ReportMetric(ms(res.pct(1)), "max-ms")
			b.ReportMetric(float64(res.errors), "errors")
			if sr != nil {
				b.ReportMetric(sr.acceptedRate, "ingest/s")
			}
		})
	}

	if !sc.every {
		for _, storm := range []struct{ rate, newEvery int }{{-1, 1}, {stormRate, 1}, {stormRate, mixedNewEvery}} {
			for _, t := range targets {
				if t.gzip {
					plan(t, "epoll", pageRate, storm.rate, storm.newEvery, 0)
				}
			}
		}
		// Smaller storms of new paged alerts: how large a storm the page
		// does not feel.
		for _, rate := range []int{200, 500} {
			plan(targets[0], "epoll", pageRate, rate, 1, 0)
			plan(targets[len(targets)-2], "epoll", pageRate, rate, 1, 0)
		}
		planned = true
	}
	// Throughput: closed loop, gzip, both listeners; then without gzip, and
	// with Go's client, through the main listener.
	for _, t := range targets {
		if t.gzip {
			plan(t, "epoll", 0, -1, 1, 0)
		}
	}
	for _, t := range targets {
		if !t.gzip && t.name[:4] == "main" {
			plan(t, "epoll", 0, -1, 1, 0)
		}
	}
	for _, t := range targets {
		if t.gzip && t.name[:4] == "main" {
			plan(t, "nethttp", 0, -1, 1, 0)
		}
	}
	// Latency at the open-loop rate, idle and during storms; and the
	// throughput left during a storm.
	for _, storm := range []int{-1, stormRate, 0} {
		for _, t := range targets {
			if t.gzip {
				plan(t, "epoll", pageRate, storm, 1, 0)
			}
		}
	}
	// Mixed storms, as monitoring systems send them.
	for _, t := range targets {
		if t.gzip {
			plan(t, "epoll", pageRate, stormRate, mixedNewEvery, 0)
		}
	}
	for _, t := range targets {
		if t.gzip {
			plan(t, "epoll", 0, stormRate, 1, 0)
		}
	}
	// Smaller storms: how large a storm the page does not feel.
	for _, rate := range []int{200, 500} {
		plan(targets[0], "epoll", pageRate, rate, 1, 0)
	}
	// What a storm costs once many alerts are open already.
	plan(targets[0], "epoll", pageRate, stormRate, 1, stormBacklog)

	for _, sp := range specs {
		measure(sp.t, sp.client, sp.rate, sp.stormRate, sp.newEvery, sp.backlog)
	}
}

// profileWindow starts a CPU profile of the measured window when
// TOCSIN_BENCH_PROFILE names a folder; the function it returns stops it.
func profileWindow(b *testing.B, name string) (stop func()) {
	dir := os.Getenv("TOCSIN_BENCH_PROFILE")
	if dir == "" {
		return func() {}
	}
	must(b, os.MkdirAll(dir, 0o755))
	f, err := os.Create(filepath.Join(dir, name+".prof"))
	must(b, err)
	must(b, pprof.StartCPUProfile(f))
	return func() {
		pprof.StopCPUProfile()
		must(b, f.Close())
	}
}

// table is the runs' figures as a Markdown table, for BENCHMARKS.md.
func table(engine string, rows []row) string {
	var tbl bytes.Buffer
	fmt.Fprintf(&tbl, "\n| %s: ingest storm | page load | URL | encoding | client | req/s | p50 | p99 | max | p99 from write | p99 server's share | errors | storm accepted/s | alerts open before |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n", engine)
	for _, r := range rows {
		enc, ingest, open := "identity", "–", "–"
		if r.target.gzip {
			enc = "gzip"
		}
		if r.sr != nil {
			ingest, open = fmt.Sprintf("%.0f", r.sr.acceptedRate), strconv.Itoa(r.sr.open)
		}
		fmt.Fprintf(&tbl, "| %s | %s | %s | %s | %s | %.0f | %s | %s | %s | %s | %s | %d | %s | %s |\n", r.storm, r.load, r.target.name, enc, r.client,
			r.res.rate(), r.res.pct(0.50), r.res.pct(0.99), r.res.pct(1), percentile(r.res.svc, 0.99), percentile(r.res.own, 0.99), r.res.errors, ingest, open)
	}
	return tbl.String()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// seedPaging gives the bench service a policy that pages a webhook and a
// person by SMS, so that each alert of the storm costs the engine a page;
// it returns the service's PagerDuty routing key.
func seedPaging(b *testing.B, s *server, webhook string) string {
	ctx := context.Background()
	now := s.now()
	u := &tocsin.User{Email: "alice@example.com", Name: "Alice Martin", Role: tocsin.RoleMember}
	must(b, s.db.CreateUser(ctx, u, "", now))
	cm := &tocsin.ContactMethod{UserID: u.ID, Name: "mobile", Type: tocsin.ContactSMS, Value: "+33612345678"}
	must(b, s.db.CreateContactMethod(ctx, cm, now))
	must(b, s.db.MarkContactVerified(ctx, u.ID, cm.ID, now))
	must(b, s.db.AddNotificationRule(ctx, &tocsin.NotificationRule{UserID: u.ID, ContactMethodID: cm.ID, Urgency: tocsin.UrgencyHigh}))
	policy := &tocsin.EscalationPolicy{Name: "bench", Steps: []tocsin.EscalationStep{{Targets: []tocsin.Target{
		{Kind: tocsin.TargetWebhook, Ref: webhook}, {Kind: tocsin.TargetUser, Ref: u.Email}}}}}
	must(b, s.db.CreateEscalationPolicy(ctx, policy, now))
	team := &tocsin.Team{Name: "bench"}
	must(b, s.db.CreateTeam(ctx, team, now))
	svc := &tocsin.Service{Name: "bench", TeamID: team.ID, EscalationPolicyID: policy.ID}
	must(b, s.db.CreateService(ctx, svc, now))
	key, err := s.db.CreateIntegration(ctx, &tocsin.Integration{Name: "bench", Type: tocsin.IntegrationPagerDuty, ServiceID: svc.ID}, "", now)
	must(b, err)
	return key
}

// historyAlerts is how many alerts a bench database has seen before it is
// measured.
const historyAlerts = 5000

// seedHistory gives the database the past of a server that has run for a
// while: historyAlerts alerts triggered, paged (webhook and SMS) and
// resolved, and, on PostgreSQL, current statistics, as autovacuum keeps
// them on any server that has run for more than a minute. On a database
// created empty seconds before, PostgreSQL plans the hot statements for
// tables of a few rows (sequential scans, hash joins) and keeps those plans
// until autovacuum's first ANALYZE; what is measured is the server after
// that. It returns the alerts paged.
func seedHistory(b *testing.B, s *server, key string, delivered *atomic.Int64, pagedSoFar int64) int64 {
	paged := postEvents(b, s.url, historyAlerts, func(i int64) string {
		return fmt.Sprintf(`{"routing_key":%q,"event_action":"trigger","dedup_key":"history-%d","payload":{"summary":"Past alert %d","source":"bench","severity":"critical"}}`, key, i, i)
	})
	drainEngine(b, s, delivered, pagedSoFar+paged)
	postEvents(b, s.url, historyAlerts, func(i int64) string {
		return fmt.Sprintf(`{"routing_key":%q,"event_action":"resolve","dedup_key":"history-%d"}`, key, i)
	})
	if s.dbURL != "" {
		db, err := sql.Open("pgx", s.dbURL)
		must(b, err)
		defer db.Close()
		_, err = db.Exec(`ANALYZE`)
		must(b, err)
	}
	return paged
}

// seedStatusPage builds the page a company in the middle of an incident
// shows: three groups and ten components created 90 days ago (one linked to
// the bench service, so that the storm's alerts propose a status), two
// resolved incidents in their history, an open incident with four updates,
// and a maintenance in two days. It returns the open incident's title.
func seedStatusPage(b *testing.B, s *server) string {
	ctx := context.Background()
	now := s.now()
	admin := &tocsin.User{Email: "ops@example.com", Name: "Ops Team", Role: tocsin.RoleAdmin}
	must(b, s.db.CreateUser(ctx, admin, "", now))
	page, err := s.db.StatusPage(ctx)
	must(b, err)
	page.Name, page.URL, page.AccentColor, page.TextColor = "Acme status", "https://status.acme.test", "#0b5394", "#ffffff"
	must(b, s.db.SaveStatusPage(ctx, page, admin.ID, now))
	svc, err := s.db.ServiceByName(ctx, "bench")
	must(b, err)

	created := now.Add(-90 * 24 * time.Hour)
	comps := map[string]*tocsin.Component{}
	for _, g := range []struct {
		name    string
		members []string
	}{
		{"Platform", []string{"API", "Dashboard", "Webhooks", "Mobile apps"}},
		{"Delivery", []string{"E-mail", "SMS", "Voice calls"}},
		{"Integrations", []string{"Slack", "Microsoft Teams", "Status widgets"}},
	} {
		group := &tocsin.Component{Name: g.name, Group: true, Showcase: true}
		must(b, s.db.CreateComponent(ctx, group, admin.ID, created))
		for _, name := range g.members {
			c := &tocsin.Component{Name: name, GroupID: group.ID, Showcase: true,
				Description: "Everything " + name + " does for our customers, in every region."}
			if name == "API" {
				c.ServiceIDs = []int64{svc.ID}
			}
			must(b, s.db.CreateComponent(ctx, c, admin.ID, created))
			comps[name] = c
		}
	}

	// History: resolved incidents leave red and yellow days on the bars.
	past := func(name string, impact tocsin.IncidentImpact, comp string, status tocsin.ComponentStatus, at time.Time, lasted time.Duration) {
		inc := &tocsin.StatusIncident{Name: name, Impact: impact}
		must(b, s.db.CreateStatusIncident(ctx, inc, &tocsin.StatusUpdate{Status: tocsin.IncidentInvestigating,
			Body:    "We are investigating reports of errors on **" + comp + "**.",
			Changes: []tocsin.ComponentChange{{ComponentID: comps[comp].ID, New: status}}}, admin.ID, at))
		must(b, s.db.PostStatusUpdate(ctx, inc.ID, &tocsin.StatusUpdate{Status: tocsin.IncidentResolved,
			Body: "The fix is deployed and " + comp + " is back to normal. We are sorry for the trouble."}, admin.ID, at.Add(lasted)))
	}
	past("SMS delivery delayed in Europe", tocsin.ImpactMinor, "SMS", tocsin.ComponentDegraded, now.Add(-61*24*time.Hour), 3*time.Hour)
	past("Dashboard unavailable", tocsin.ImpactCritical, "Dashboard", tocsin.ComponentMajor, now.Add(-34*24*time.Hour), 50*time.Minute)
	past("Slack messages not updated", tocsin.ImpactMinor, "Slack", tocsin.ComponentPartial, now.Add(-9*24*time.Hour), 5*time.Hour)

	// Today: an incident with its timeline, still open.
	title := "Elevated API error rates and delayed webhooks"
	inc := &tocsin.StatusIncident{Name: title, Impact: tocsin.ImpactMajor}
	start := now.Add(-2 * time.Hour)
	must(b, s.db.CreateStatusIncident(ctx, inc, &tocsin.StatusUpdate{Status: tocsin.IncidentInvestigating,
		Body:    "Some API calls fail with **502** and webhooks are delayed by up to 10 minutes. We are investigating.",
		Changes: []tocsin.ComponentChange{{ComponentID: comps["API"].ID, New: tocsin.ComponentPartial}, {ComponentID: comps["Webhooks"].ID, New: tocsin.ComponentDegraded}}}, admin.ID, start))
	for i, u := range []tocsin.StatusUpdate{
		{Status: tocsin.IncidentIdentified, Body: "We found the cause: a database failover in one region left a pool of API servers without connections.\n\n- API: partial outage\n- Webhooks: queued, none lost"},
		{Status: tocsin.IncidentIdentified, Body: "The affected servers are being replaced. Webhooks queued since 08:00 UTC are being delivered, oldest first."},
		{Status: tocsin.IncidentMonitoring, Body: "Error rates are back to normal. We keep watching while the webhook backlog drains; [follow our engineering blog](https://blog.acme.test) for the post-mortem.",
			Changes: []tocsin.ComponentChange{{ComponentID: comps["API"].ID, New: tocsin.ComponentDegraded}}},
	} {
		must(b, s.db.PostStatusUpdate(ctx, inc.ID, &u, admin.ID, start.Add(time.Duration(i+1)*25*time.Minute)))
	}

	// A maintenance in two days.
	at := now.Add(48 * time.Hour)
	must(b, s.db.CreateStatusIncident(ctx, &tocsin.StatusIncident{Name: "Database upgrade", Maintenance: true, AutoTransition: true,
		ScheduledFor: at, ScheduledUntil: at.Add(2 * time.Hour), ComponentIDs: []int64{comps["Dashboard"].ID, comps["API"].ID}},
		&tocsin.StatusUpdate{Body: "We upgrade our main database. The dashboard may be read-only for up to 10 minutes; alerts keep flowing."}, admin.ID, now))
	return title
}

// fetchOnce GETs t with net/http (no decompression by the transport),
// checks the body is want (gunzipped when t.gzip) and returns its length on
// the wire.
func fetchOnce(b *testing.B, t pageTarget, want []byte) int {
	req, err := http.NewRequest(http.MethodGet, t.url, nil)
	must(b, err)
	if t.gzip {
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	must(b, err)
	defer resp.Body.Close()
	wire, err := io.ReadAll(resp.Body)
	must(b, err)
	body := wire
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(wire))
		must(b, err)
		body, err = io.ReadAll(zr)
		must(b, err)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, want) || (resp.Header.Get("Content-Encoding") == "gzip") != t.gzip {
		b.Fatalf("GET %s (gzip %t): %s, Content-Encoding %q, the bundle's file: %t", t.url, t.gzip, resp.Status, resp.Header.Get("Content-Encoding"), bytes.Equal(body, want))
	}
	return len(wire)
}

// loadResult is what one closed-loop run measured.
type loadResult struct {
	took time.Duration
	lat  []time.Duration // sorted; answers that were right, from the request's due time
	svc  []time.Duration // sorted; the same from the moment it was written
	// own is the server's share of lat, sorted: from the due time to the
	// answer's arrival in the kernel, less the generator's own lateness
	// (how long after the request could go, due and its connection free,
	// the generator wrote it). A generator starved of a core by the storm
	// is then not counted as a slower server; a server that answered the
	// previous request late still is.
	own    []time.Duration
	errors int
	kinds  map[string]int
	cores  float64 // CPU the load's process (the benchmark's, or a generator's of its own) used
	// serverCores is the CPU a server in a process of its own used, and
	// benchCores the benchmark's process then (storm clients, fakes).
	serverCores, benchCores float64
	// Garbage collections during the run, and their stop-the-world pauses in all.
	gcs     uint32
	gcPause time.Duration
}

// loadMeter measures what a load's own process uses while it runs.
type loadMeter struct {
	start time.Time
	cpu   time.Duration
	mem   runtime.MemStats
}

func startMeter() *loadMeter {
	m := &loadMeter{start: time.Now(), cpu: cpuTime()}
	runtime.ReadMemStats(&m.mem)
	return m
}

// finish gives res the CPU and garbage collections of the load's process
// since the meter started, and sorts its figures.
func (m *loadMeter) finish(res *loadResult) {
	res.cores = (cpuTime() - m.cpu).Seconds() / time.Since(m.start).Seconds()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	res.gcs, res.gcPause = mem.NumGC-m.mem.NumGC, time.Duration(mem.PauseTotalNs-m.mem.PauseTotalNs)
	slices.Sort(res.lat)
	slices.Sort(res.svc)
	slices.Sort(res.own)
}

func (r loadResult) rate() float64 { return float64(len(r.lat)) / r.took.Seconds() }

func (r loadResult) pct(p float64) time.Duration { return percentile(r.lat, p) }

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))].Round(10 * time.Microsecond)
}

func (r loadResult) errorKinds() string {
	if r.errors == 0 {
		return ""
	}
	return fmt.Sprint(" ", r.kinds)
}

// pageLoad runs the load against t for pageWarmup then pageDuration; only
// answers due in the measured window count. The "epoll" client is
// loopLoad; "nethttp" is Go's http.Client, a goroutine per connection.
// rate 0: closed loop, each of
// pageClients clients asking again as soon as it has its answer, latency
// from the request's start. rate > 0: open loop, openClients connections
// each sending at rate/openClients, every request due at a fixed instant
// whatever the server does and its latency counted from then (a server that
// falls behind shows as latency, not as fewer requests).
func pageLoad(t pageTarget, client string, rate int) (loadResult, error) {
	switch client {
	case "epoll":
		return loopLoad(t, rate, pageWarmup, pageDuration)
	case "nethttp":
	default:
		return loadResult{}, fmt.Errorf("no page load client %q (epoll, nethttp)", client)
	}
	var (
		mu  sync.Mutex
		res = loadResult{kinds: map[string]int{}}
		wg  sync.WaitGroup
	)
	start := time.Now()
	from, until := start.Add(pageWarmup), start.Add(pageWarmup+pageDuration)
	clients := pageClients
	if rate > 0 {
		clients = openClients
	}
	meter := startMeter()
	for k := range clients {
		wg.Go(func() {
			do, done := requester(t)
			defer done()
			lat := make([]time.Duration, 0, 1<<16)
			svc := make([]time.Duration, 0, 1<<16)
			own := make([]time.Duration, 0, 1<<16)
			var prevAnswered time.Time // when this connection's previous answer was read
			kinds := map[string]int{}
			// Open loop: this connection's requests are due every
			// clients/rate, staggered with the other connections' (as wrk2 does).
			period := time.Duration(clients) * time.Second / time.Duration(max(rate, 1))
			next := start.Add(time.Duration(k) * period / time.Duration(clients))
			for {
				var s time.Time
				if rate > 0 {
					if s, next = next, next.Add(period); !s.Before(until) {
						break
					}
					if wait := time.Until(s); wait > 0 {
						time.Sleep(wait) // pacing the load, not synchronising a test
					}
				} else if s = time.Now(); s.After(until) {
					break
				}
				sent := time.Now()
				err := do()
				e := time.Now() // this client cannot tell when the answer reached the kernel
				free := s       // the earliest the request could go
				if prevAnswered.After(free) {
					free = prevAnswered
				}
				late := max(0, sent.Sub(free))
				prevAnswered = e
				if s.Before(from) || (rate == 0 && e.After(until)) {
					continue
				}
				if err != nil {
					kinds[errKind(err)]++
					continue
				}
				lat = append(lat, e.Sub(s))
				svc = append(svc, e.Sub(sent))
				own = append(own, e.Sub(s)-late)
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.svc = append(res.svc, svc...)
			res.own = append(res.own, own...)
			for k, n := range kinds {
				res.kinds[k] += n
				res.errors += n
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.took = pageDuration
	meter.finish(&res)
	return res, nil
}

// requester returns a function that GETs t once with Go's http.Client on
// its own kept-alive connection and says what is wrong with the answer, if
// anything; done closes the connection.
func requester(t pageTarget) (do func() error, done func()) {
	// Go's client, asking for gzip itself so that the transport leaves the
	// body as it came.
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1}
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	return func() error {
		req, _ := http.NewRequest(http.MethodGet, t.url, nil)
		if t.gzip {
			req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		return t.check(resp.StatusCode, resp.Header.Get("Content-Encoding") == "gzip", int(n))
	}, tr.CloseIdleConnections
}

func errKind(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) {
		return "connection closed"
	}
	return err.Error()
}

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// storm posts PagerDuty Events v2 triggers, each a new dedup key, to
// /v2/enqueue until stopped: at a fixed rate, or closed loop (rate 0).
type storm struct {
	run      int64        // dedup keys are storm-<run>-<n>
	newEvery int64        // event n opens a new alert when n%newEvery == 0, else repeats repeat-<n%repeatKeys>
	sent     atomic.Int64 // n of the last one sent
	accepted atomic.Int64
	created  atomic.Int64 // new alerts accepted
	failed   atomic.Int64
	behind   atomic.Int64 // due events not sent because every client was busy
	started  time.Time
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

type stormResult struct {
	accepted, failed, behind int64
	created                  int64 // new alerts among the accepted
	acceptedRate             float64
	open                     int           // alerts open when it started
	delivered                int64         // webhook pages received during the run
	drain                    time.Duration // until the engine had paged every alert
}

var stormRuns atomic.Int64 // dedup keys stay new from one run to the next

func startStorm(b *testing.B, base, key string, rate, newEvery int) *storm {
	u, err := url.Parse(base)
	must(b, err)
	run := stormRuns.Add(1)
	ctx, cancel := context.WithCancel(context.Background())
	s := &storm{run: run, newEvery: int64(newEvery), started: time.Now(), cancel: cancel}
	tokens := make(chan struct{}) // unbuffered: a due event no client is free for is counted as behind
	if rate > 0 {
		s.wg.Go(func() {
			t := time.NewTicker(5 * time.Millisecond) // pacing the load, not synchronising a test
			defer t.Stop()
			var due int64
			for {
				select {
				case <-ctx.Done():
					return
				case now := <-t.C:
					for want := int64(now.Sub(s.started).Seconds() * float64(rate)); due < want; due++ {
						select {
						case tokens <- struct{}{}:
						default:
							s.behind.Add(1)
						}
					}
				}
			}
		})
	}
	for range stormClients {
		s.wg.Go(func() {
			c := &rawHTTP{addr: u.Host}
			defer c.close()
			var req []byte
			for ctx.Err() == nil {
				if rate > 0 {
					select {
					case <-ctx.Done():
						return
					case <-tokens:
					}
				}
				n := s.sent.Add(1)
				isNew := n%s.newEvery == 0
				var body []byte
				if isNew {
					body = fmt.Appendf(nil, `{"routing_key":%q,"event_action":"trigger","dedup_key":"storm-%d-%d","payload":{"summary":"Storm alert %d-%d: disk full on db-%d","source":"db-%d.example.com","severity":"critical"}}`,
						key, run, n, run, n, n%50, n%50)
				} else {
					k := n % repeatKeys
					body = fmt.Appendf(nil, `{"routing_key":%q,"event_action":"trigger","dedup_key":"repeat-%d","payload":{"summary":"Disk full on db-%d","source":"db-%d.example.com","severity":"critical"}}`, key, k, k, k)
				}
				req = fmt.Appendf(req[:0], "POST /v2/enqueue HTTP/1.1\r\nHost: %s\r\nUser-Agent: tocsin-bench\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", u.Host, len(body), body)
				a, err := c.do(req)
				if err != nil || a.status != http.StatusAccepted {
					s.failed.Add(1)
					continue
				}
				s.accepted.Add(1)
				if isNew {
					s.created.Add(1)
				}
			}
		})
	}
	return s
}

func (s *storm) stop() stormResult {
	s.cancel()
	s.wg.Wait()
	n := s.accepted.Load()
	return stormResult{accepted: n, created: s.created.Load(), acceptedRate: float64(n) / time.Since(s.started).Seconds(), failed: s.failed.Load(), behind: s.behind.Load()}
}

// postEvents posts n PagerDuty events (body(1) … body(n)) to /v2/enqueue
// from stormClients connections, closed loop, and returns how many were
// accepted. It sets the scene; its figures are not taken.
func postEvents(b *testing.B, base string, n int, body func(i int64) string) int64 {
	u, err := url.Parse(base)
	must(b, err)
	var next, accepted atomic.Int64
	var wg sync.WaitGroup
	for range stormClients {
		wg.Go(func() {
			c := &rawHTTP{addr: u.Host}
			defer c.close()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				p := body(i)
				a, err := c.do(fmt.Appendf(nil, "POST /v2/enqueue HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", u.Host, len(p), p))
				if err == nil && a.status == http.StatusAccepted {
					accepted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if accepted.Load() != int64(n) {
		b.Errorf("%d of %d events accepted while setting the scene", accepted.Load(), n)
	}
	return accepted.Load()
}

// drainEngine waits until the engine has paged the webhook for every alert
// accepted so far, so that one run's backlog does not weigh on the next; it
// returns how long that took.
func drainEngine(b *testing.B, s *server, delivered *atomic.Int64, accepted int64) time.Duration {
	start := time.Now()
	deadline := start.Add(10 * time.Minute)
	for delivered.Load() < accepted && time.Now().Before(deadline) {
		s.wake()
		<-time.After(20 * time.Millisecond) // waits for deliveries to drain; figures are not taken from this loop
	}
	if delivered.Load() < accepted {
		b.Errorf("the engine had paged %d of %d alerts 10 minutes after the storm", delivered.Load(), accepted)
	}
	return time.Since(start)
}

// rawHTTP is one kept-alive HTTP/1.1 connection that writes requests and
// reads answers itself, as wrk does (see bench/loadgen/raw.go): the storm's
// clients.
type rawHTTP struct {
	addr string
	conn net.Conn
	r    *bufio.Reader
	head []byte
}

type rawAnswer struct {
	status, length int
	gzip           bool
}

func (c *rawHTTP) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// do writes a whole request and reads the answer, body included; it
// reconnects after an error or a Connection: close.
func (c *rawHTTP) do(req []byte) (rawAnswer, error) {
	var a rawAnswer
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.addr, 10*time.Second)
		if err != nil {
			return a, err
		}
		c.conn, c.r = conn, bufio.NewReaderSize(conn, 64<<10)
	}
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.conn.Write(req); err != nil {
		c.close()
		return a, err
	}
	keep, err := c.read(&a)
	if err != nil || !keep {
		c.close()
	}
	return a, err
}

func (c *rawHTTP) read(a *rawAnswer) (keepAlive bool, err error) {
	c.head = c.head[:0]
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return false, err
		}
		c.head = append(c.head, line...)
		if len(line) <= 2 {
			break
		}
	}
	h, err := parseHead(c.head)
	if err != nil {
		return false, err
	}
	a.status, a.gzip = h.status, h.gzip
	switch {
	case h.chunked:
		for {
			line, err := c.r.ReadSlice('\n')
			if err != nil {
				return false, err
			}
			size, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.SplitN(line, []byte(";"), 2)[0])), 16, 64)
			if err != nil {
				return false, errors.New("malformed chunk size")
			}
			n, err := c.r.Discard(int(size) + 2) // the chunk and its CRLF
			a.length += max(0, n-2)
			if err != nil {
				return false, err
			}
			if size == 0 {
				return h.keepAlive, nil
			}
		}
	case h.length >= 0:
		a.length, err = c.r.Discard(h.length)
		return h.keepAlive, err
	default:
		n, err := io.Copy(io.Discard, c.r) // body until the server closes
		a.length = int(n)
		return false, err
	}
}

// answerHead is what the head of an HTTP/1.1 answer says of it.
type answerHead struct {
	status    int
	length    int // Content-Length; -1 when none
	gzip      bool
	chunked   bool
	keepAlive bool
}

// parseHead reads an answer's status line and headers, up to and with the
// blank line that ends them.
func parseHead(head []byte) (answerHead, error) {
	h := answerHead{length: -1}
	line, rest, _ := bytes.Cut(head, []byte("\n"))
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return h, fmt.Errorf("malformed status line %q", line)
	}
	h.keepAlive = line[7] != '0' // HTTP/1.0 closes unless told otherwise
	var err error
	if h.status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return h, fmt.Errorf("malformed status line %q", line)
	}
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		name, value, _ := bytes.Cut(bytes.TrimRight(line, "\r"), []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if h.length, err = strconv.Atoi(string(value)); err != nil || h.length < 0 {
				return h, fmt.Errorf("malformed Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Content-Encoding")):
			h.gzip = bytes.EqualFold(value, []byte("gzip"))
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			h.chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			switch {
			case bytes.EqualFold(value, []byte("close")):
				h.keepAlive = false
			case bytes.EqualFold(value, []byte("keep-alive")):
				h.keepAlive = true
			}
		}
	}
	return h, nil
}
