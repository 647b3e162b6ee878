package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// config is one load run.
type config struct {
	URL         string   // full endpoint URL (…/v2/enqueue)
	Keys        []string // routing keys, taken in turn
	Mode        string   // "new" or "repeat"
	RepeatKeys  int
	Clients     int
	Duration    time.Duration
	Warmup      time.Duration
	Rate        float64 // events/s, open loop; 0: closed loop
	MaxEvents   int64
	Timeout     time.Duration
	AllowRemote bool
	RecordAcked bool
	Client      string // "raw" (a lean HTTP/1.1 client, like wrk) or "nethttp"
}

func (c config) validate() error {
	switch {
	case len(c.Keys) == 0:
		return errors.New("give an integration key with -key or -keys-file")
	case c.Client != "raw" && c.Client != "nethttp":
		return fmt.Errorf("-client %q: must be raw or nethttp", c.Client)
	case c.Mode != "new" && c.Mode != "repeat":
		return fmt.Errorf("-mode %q: must be new or repeat", c.Mode)
	case c.Mode == "repeat" && c.RepeatKeys < 1:
		return errors.New("-keys must be at least 1")
	case c.Clients < 1 || c.Clients > 10000:
		return errors.New("-clients must be between 1 and 10000")
	case c.Duration <= 0 || c.Duration > time.Hour:
		return errors.New("-duration must be between 0 and 1h")
	case c.Warmup < 0 || c.Warmup > 10*time.Minute:
		return errors.New("-warmup must be between 0 and 10m")
	case c.Rate < 0 || c.Rate > 1e6:
		return errors.New("-rate must be between 0 and 1000000")
	case c.MaxEvents < 1:
		return errors.New("-max-events must be positive")
	case c.Timeout <= 0:
		return errors.New("-timeout must be positive")
	}
	return nil
}

func (c config) loopName() string {
	if c.Rate > 0 {
		return fmt.Sprintf("open loop at %g events/s", c.Rate)
	}
	return "closed loop"
}

// checkLoopback refuses a host that is not (or does not resolve only to) a loopback address.
func checkLoopback(host string) error {
	ips := []net.IP{net.ParseIP(host)}
	if ips[0] == nil {
		var err error
		if ips, err = net.LookupIP(host); err != nil {
			return fmt.Errorf("resolve %s: %w", host, err)
		}
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("%s is not a loopback address: loadgen only loads local servers unless -allow-remote is set", host)
		}
	}
	return nil
}

// loopbackOnly is a dialer Control that refuses any connection to a non-loopback
// address, so a DNS answer that changes after the check cannot send load elsewhere.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to connect to non-loopback %s", address)
	}
	return nil
}

func newDialer(c config) *net.Dialer {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !c.AllowRemote {
		dialer.Control = loopbackOnly
	}
	return dialer
}

func newClient(c config) *http.Client {
	dialer := newDialer(c)
	return &http.Client{
		Timeout: c.Timeout,
		Transport: &http.Transport{
			DialContext:         dialer.DialContext,
			MaxIdleConns:        c.Clients,
			MaxIdleConnsPerHost: c.Clients, // one kept-alive connection per client: no reconnects under load
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		// A redirect is not an answer from the ingest endpoint.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// sample is one request's outcome.
type sample struct {
	start    time.Time // intended start in open loop, actual start in closed loop
	latency  time.Duration
	status   int    // 0 on a transport error
	errKind  string // when status is 0
	dedupKey string
}

// worker collects its own samples, merged at the end: no lock on the hot path.
type worker struct {
	latencies []time.Duration // of 202 answers in the measured window
	status    map[int]int64   // measured window
	transport map[string]int64
	measured  int64
	lastDone  time.Time
	acked     []string // every 202, warm-up included
	buf       []byte
	raw       *rawConn // with -client raw: this worker's connection
}

func (w *worker) record(s sample, measureFrom, measureTo time.Time, keepAcked bool) {
	if s.status == http.StatusAccepted && keepAcked {
		w.acked = append(w.acked, s.dedupKey)
	}
	if s.start.Before(measureFrom) || !s.start.Before(measureTo) {
		return
	}
	w.measured++
	if done := s.start.Add(s.latency); done.After(w.lastDone) {
		w.lastDone = done
	}
	if s.status == 0 {
		w.transport[s.errKind]++
		return
	}
	w.status[s.status]++
	if s.status == http.StatusAccepted {
		w.latencies = append(w.latencies, s.latency)
	}
}

// generate runs the load and returns what it measured.
func generate(ctx context.Context, c config) (*result, error) {
	client := newClient(c)
	defer client.CloseIdleConnections()
	runID := make([]byte, 4)
	rand.Read(runID)
	prefix := "lg-" + hex.EncodeToString(runID)
	quotedKeys := make([][]byte, len(c.Keys))
	for i, k := range c.Keys {
		quotedKeys[i], _ = json.Marshal(k)
	}

	var seq atomic.Int64 // events handed out so far
	start := time.Now()
	measureFrom := start.Add(c.Warmup)
	stopAt := measureFrom.Add(c.Duration)
	ctx, cancel := context.WithDeadline(ctx, stopAt.Add(c.Timeout))
	defer cancel()

	// next hands out the n-th event: its routing key and dedup key.
	next := func() (n int64, ok bool) {
		n = seq.Add(1) - 1
		return n, n < c.MaxEvents
	}
	dedupKey := func(n int64) string {
		if c.Mode == "repeat" {
			return prefix + "-r" + strconv.FormatInt(n%int64(c.RepeatKeys), 10)
		}
		return prefix + "-" + strconv.FormatInt(n, 10)
	}

	send := func(w *worker, n int64, intended time.Time) sample {
		dk := dedupKey(n)
		w.buf = appendEvent(w.buf[:0], quotedKeys[n%int64(len(quotedKeys))], dk, n)
		s := sample{start: intended, dedupKey: dk}
		if w.raw != nil {
			var err error
			s.status, err = w.raw.post(ctx, w.buf)
			s.latency = time.Since(intended)
			if err != nil {
				s.status, s.errKind = 0, errKind(err)
			}
			return s
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(w.buf))
		if err != nil {
			s.errKind = "request: " + err.Error()
			return s
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err == nil {
			// Read the whole answer so the connection is reused.
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			s.status = resp.StatusCode
		}
		s.latency = time.Since(intended)
		if err != nil {
			s.status, s.errKind = 0, errKind(err)
		}
		return s
	}

	workers := make([]*worker, c.Clients)
	for i := range workers {
		workers[i] = &worker{status: map[int]int64{}, transport: map[string]int64{}}
		if c.Client == "raw" {
			raw, err := newRawConn(c, newDialer(c))
			if err != nil {
				return nil, err
			}
			workers[i].raw = raw
			defer raw.close()
		}
	}
	var wg sync.WaitGroup
	if c.Rate == 0 {
		for _, w := range workers {
			wg.Go(func() {
				for ctx.Err() == nil {
					// One reading of the clock decides both whether to send
					// and when the request started: read twice, a request
					// could go out (and be accepted) yet start after stopAt,
					// outside the window, uncounted.
					now := time.Now()
					if !now.Before(stopAt) {
						return
					}
					n, ok := next()
					if !ok {
						return
					}
					s := send(w, n, now)
					w.record(s, measureFrom, stopAt, c.RecordAcked)
					if s.status == 0 {
						time.Sleep(10 * time.Millisecond) // server gone: don't spin
					}
				}
			})
		}
	} else {
		// Open loop: event i is due at start + i/rate whatever the answers, and its
		// latency counts from then, so a slow server shows as latency rather than
		// as a lower send rate (no coordinated omission).
		jobs := make(chan time.Time, c.Clients*4)
		wg.Go(func() {
			defer close(jobs)
			for i := int64(0); i < c.MaxEvents; i++ {
				due := start.Add(time.Duration(float64(i) * float64(time.Second) / c.Rate))
				if !due.Before(stopAt) {
					return
				}
				if d := time.Until(due); d > 0 {
					select {
					case <-time.After(d):
					case <-ctx.Done():
						return
					}
				}
				select {
				case jobs <- due:
				case <-ctx.Done():
					return
				}
			}
		})
		for _, w := range workers {
			wg.Go(func() {
				for due := range jobs {
					n, ok := next()
					if !ok {
						return
					}
					w.record(send(w, n, due), measureFrom, stopAt, c.RecordAcked)
				}
			})
		}
	}
	wg.Wait()
	// An interrupt (Ctrl-C) ends the run early; what was measured is still reported.
	interrupted := errors.Is(context.Cause(ctx), context.Canceled)
	return merge(workers, measureFrom, stopAt, seq.Load(), c.MaxEvents, interrupted), nil
}

// appendEvent writes a PagerDuty Events v2 trigger. Dedup keys are ASCII made
// here, so plain concatenation is valid JSON and costs the generator little CPU.
func appendEvent(b, quotedKey []byte, dedupKey string, n int64) []byte {
	severities := [...]string{"critical", "error", "warning", "info"}
	b = append(b, `{"routing_key":`...)
	b = append(b, quotedKey...)
	b = append(b, `,"event_action":"trigger","dedup_key":"`...)
	b = append(b, dedupKey...)
	b = append(b, `","payload":{"summary":"Load test alert `...)
	b = append(b, dedupKey...)
	b = append(b, `","source":"loadgen.example.com","severity":"`...)
	b = append(b, severities[n%int64(len(severities))]...)
	b = append(b, `"}}`...)
	return b
}

// errKind names a transport error briefly, for counting.
func errKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "other: " + err.Error()
}
