package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// pageLoadEnv, set in the environment of this benchmark's own binary, makes
// it a page load generator and nothing else (TestMain): it runs the load the
// variable describes (a pageLoadSpec in JSON), writes a pageLoadReport in
// JSON to its standard output and exits.
const pageLoadEnv = "TOCSIN_BENCH_PAGE_LOAD"

// pageLoadSpec is one page load, as a generator process is told it.
type pageLoadSpec struct {
	URL        string
	Gzip       bool
	WantLength int
	AnyLength  bool
	Client     string
	Rate       int
}

// pageLoadReport is a generator process's loadResult.
type pageLoadReport struct {
	Lat, Svc, Own []time.Duration
	Errors        int
	Kinds         map[string]int
	Cores         float64
	GCs           uint32
	GCPause       time.Duration
}

// pageLoadProcess runs pageLoad in a process of its own, as wrk runs beside
// a server: its goroutines and timers then wait for no storm client and no
// fake of the benchmark's process, only for the machine's cores, so that the
// latency it counts is the server's and the machine's, not its own
// runtime's. The process is this binary again (see pageLoadEnv).
func pageLoadProcess(b *testing.B, t pageTarget, client string, rate int) loadResult {
	spec, err := json.Marshal(pageLoadSpec{URL: t.url, Gzip: t.gzip, WantLength: t.wantLength, AnyLength: t.anyLength, Client: client, Rate: rate})
	must(b, err)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), pageLoadEnv+"="+string(spec))
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("page load generator: %v", err)
	}
	var r pageLoadReport
	if err := json.Unmarshal(out, &r); err != nil {
		b.Fatalf("page load generator's report: %v", err)
	}
	return loadResult{took: pageDuration, lat: r.Lat, svc: r.Svc, own: r.Own, errors: r.Errors, kinds: r.Kinds, cores: r.Cores, gcs: r.GCs, gcPause: r.GCPause}
}

// generatePageLoad is the generator process's work: it returns the exit
// status.
func generatePageLoad(specJSON string) int {
	var spec pageLoadSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", pageLoadEnv, err)
		return 2
	}
	res, err := pageLoad(pageTarget{url: spec.URL, gzip: spec.Gzip, wantLength: spec.WantLength, anyLength: spec.AnyLength}, spec.Client, spec.Rate)
	if err != nil {
		fmt.Fprintln(os.Stderr, "page load:", err)
		return 1
	}
	err = json.NewEncoder(os.Stdout).Encode(pageLoadReport{Lat: res.lat, Svc: res.svc, Own: res.own, Errors: res.errors, Kinds: res.kinds, Cores: res.cores, GCs: res.gcs, GCPause: res.gcPause})
	if err != nil {
		fmt.Fprintln(os.Stderr, "writing the report:", err)
		return 1
	}
	return 0
}
