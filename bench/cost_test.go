package bench

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/testkit"
)

// BenchmarkAlertCost measures what an alert costs the machine: CPU time of
// the whole machine (Tocsin, the database server, the storm's own client)
// and of the process alone, per alert, for a storm of PagerDuty triggers
// at 1,000/s for 5 s that the engine pages (a webhook and a person by SMS,
// as in BenchmarkStatusPage), until every alert is paged; then the same per
// event for a mixed storm (BenchmarkStatusPage's). On PostgreSQL it
// also counts the server's transactions per alert. Nothing else should run
// on the machine:
//
//	go test -run '^$' -bench AlertCost -benchtime 1x ./bench/
//
// It is the figure to compare when changing the ingest or engine: the
// status page's latency during a storm depends on how much of the two cores
// a storm leaves free.
func BenchmarkAlertCost(b *testing.B) {
	for _, engine := range testkit.Engines(b) {
		b.Run(engine, func(b *testing.B) { measureAlertCost(b, engine) })
	}
}

func measureAlertCost(b *testing.B, engine string) {
	var delivered atomic.Int64
	receiver := pageReceiver(&delivered)
	defer receiver.Close()
	tw := testkit.StartFakeTwilio(b)
	a := testkit.Start(b, engine, func(c *config.Config) {
		c.TwilioAuthToken, c.Providers.TwilioAccountSID, c.Providers.TwilioFrom, c.Providers.TwilioAPIURL = tw.AuthToken, tw.AccountSID, "+15005550006", tw.URL
	})
	srv := inProcess(a)
	key := seedPaging(b, srv, receiver.URL)
	xacts := func() int64 { return 0 }
	if engine == "postgres" {
		stats, err := sql.Open("pgx", a.Config.DatabaseURL)
		must(b, err)
		defer stats.Close()
		xacts = func() int64 {
			// The statistics reach pg_stat_database a moment after each
			// transaction; a fresh snapshot is read each time.
			var n int64
			must(b, stats.QueryRow(`SELECT pg_stat_clear_snapshot(), xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()`).Scan(new(any), &n))
			return n
		}
	}
	accepted := seedHistory(b, srv, key, &delivered, 0)
	// Warm up: the first alerts pay for caches, prepared statements, pools.
	accepted += postEvents(b, a.URL, 200, func(i int64) string {
		return fmt.Sprintf(`{"routing_key":%q,"event_action":"trigger","dedup_key":"warm-%d","payload":{"summary":"Warm-up %d","source":"bench","severity":"critical"}}`, key, i, i)
	})
	drainEngine(b, srv, &delivered, accepted)
	settle := func() { <-time.After(1500 * time.Millisecond) } // lets pg_stat_database catch up; no figure is timed across it
	settle()

	// A storm of new alerts, each paged; then a mixed storm, one event in
	// mixedNewEvery a new alert and the others repeats of repeatKeys open ones.
	for _, storm := range []struct {
		name     string
		newEvery int
	}{{"new", 1}, {"mixed", mixedNewEvery}} {
		if storm.newEvery > 1 {
			accepted += postEvents(b, a.URL, repeatKeys, func(i int64) string {
				return fmt.Sprintf(`{"routing_key":%q,"event_action":"trigger","dedup_key":"repeat-%d","payload":{"summary":"Disk full on db-%d","source":"db-%d.example.com","severity":"critical"}}`, key, i, i, i)
			})
			drainEngine(b, srv, &delivered, accepted)
			settle()
		}
		machine0, proc0, x0, start := machineBusy(b), cpuTime(), xacts(), time.Now()
		s := startStorm(b, a.URL, key, stormRate, storm.newEvery)
		<-time.After(5 * time.Second) // the storm's length, not a synchronisation
		r := s.stop()
		accepted += r.created
		drain := drainEngine(b, srv, &delivered, accepted)
		elapsed := time.Since(start)
		machine, proc := machineBusy(b)-machine0, cpuTime()-proc0
		settle()
		x := xacts() - x0

		per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(r.accepted) }
		line := fmt.Sprintf("%s, %s storm: %d events (%d new alerts) at %.0f/s, all paged %s after the storm; per event: machine CPU %.0f µs, process CPU %.0f µs (machine busy %.2f of %d cores over %s)",
			engine, storm.name, r.accepted, r.created, r.acceptedRate, drain.Round(time.Millisecond), per(machine), per(proc), machine.Seconds()/elapsed.Seconds(), runtime.NumCPU(), elapsed.Round(time.Millisecond))
		if engine == "postgres" {
			line += fmt.Sprintf(", %.2f PostgreSQL transactions", float64(x)/float64(r.accepted))
		}
		b.Log(line)
		if storm.newEvery == 1 { // the figures compared from commit to commit
			if engine == "postgres" {
				b.ReportMetric(float64(x)/float64(r.accepted), "xact/alert")
			}
			b.ReportMetric(per(machine), "machine-µs/alert")
			b.ReportMetric(per(proc), "process-µs/alert")
		} else {
			b.ReportMetric(per(machine), "mixed-machine-µs/event")
		}
	}
}

// pageReceiver is the webhook the bench policies page: it counts the alerts
// paged (one per page, N per bundle).
func pageReceiver(delivered *atomic.Int64) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			Event string `json:"event"`
			Count int    `json:"count"`
		}
		json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&p)
		switch p.Event {
		case "alert.page":
			delivered.Add(1)
		case "alert.bundle":
			delivered.Add(int64(p.Count))
		}
	}))
}

// machineBusy is the CPU time all processors of the machine have spent
// on anything but idling or waiting for the disk (/proc/stat).
func machineBusy(b *testing.B) time.Duration {
	f, err := os.Open("/proc/stat")
	if err != nil {
		b.Skipf("machine CPU time needs /proc/stat: %v", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	must(b, err)
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	var busy int64
	for i, v := range fields[1:] {
		if i == 3 || i == 4 || i >= 7 { // idle, iowait, steal (another machine's); guest times are in user already
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		must(b, err)
		busy += n
	}
	return time.Duration(busy) * time.Second / 100 // USER_HZ
}
