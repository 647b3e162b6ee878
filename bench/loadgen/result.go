package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// result is what a run measured, over the events sent in the measured window.
type result struct {
	Sent        int64 // events handed out, warm-up included
	Measured    int64 // events whose (intended) start fell in the window
	Accepted    int64 // of those, answered 202
	Status      map[int]int64
	Transport   map[string]int64
	Elapsed     time.Duration   // from the window's start to the last answer of a measured event
	Latencies   []time.Duration // of the 202 answers, sorted
	Acked       []string        // dedup keys answered 202, warm-up included
	HitMax      bool            // stopped by -max-events rather than by time
	Interrupted bool            // stopped by a signal
}

func merge(workers []*worker, from, to time.Time, sent, maxEvents int64, interrupted bool) *result {
	r := &result{Status: map[int]int64{}, Transport: map[string]int64{}, Sent: min(sent, maxEvents), HitMax: sent >= maxEvents}
	var last time.Time
	for _, w := range workers {
		r.Measured += w.measured
		for k, v := range w.status {
			r.Status[k] += v
		}
		for k, v := range w.transport {
			r.Transport[k] += v
		}
		r.Latencies = append(r.Latencies, w.latencies...)
		r.Acked = append(r.Acked, w.acked...)
		if w.lastDone.After(last) {
			last = w.lastDone
		}
	}
	// A run that went the whole time is measured to its deadline (or its last
	// answer, if later); one cut short by -max-events or an interrupt, to its last answer.
	if !r.HitMax && !interrupted && last.Before(to) {
		last = to
	}
	if last.Before(from) {
		last = from
	}
	r.Interrupted = interrupted
	r.Accepted = r.Status[202]
	r.Elapsed = last.Sub(from)
	slices.Sort(r.Latencies)
	return r
}

// Throughput is accepted events per second over the measured window.
func (r *result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Accepted) / r.Elapsed.Seconds()
}

// Percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of accepted latencies.
func (r *result) Percentile(p float64) time.Duration {
	n := len(r.Latencies)
	if n == 0 {
		return 0
	}
	i := int(float64(n)*p/100+0.999999) - 1
	return r.Latencies[min(max(i, 0), n-1)]
}

// Failures sums non-202 answers and transport errors in the window.
func (r *result) Failures() int64 {
	return r.Measured - r.Accepted
}

func (r *result) failureText() string {
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(r.Status)) {
		if code != 202 {
			parts = append(parts, fmt.Sprintf("%d: %d", code, r.Status[code]))
		}
	}
	for _, kind := range slices.Sorted(maps.Keys(r.Transport)) {
		parts = append(parts, fmt.Sprintf("%s: %d", kind, r.Transport[kind]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func (r *result) print(out io.Writer, c config) {
	fmt.Fprintf(out, "sent %d events (%d in the measured %.1fs window)", r.Sent, r.Measured, r.Elapsed.Seconds())
	if r.HitMax {
		fmt.Fprintf(out, ", stopped at -max-events %d", c.MaxEvents)
	}
	if r.Interrupted {
		fmt.Fprint(out, ", interrupted")
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "accepted (202): %d  =  %.0f events/s\n", r.Accepted, r.Throughput())
	fmt.Fprintf(out, "latency of accepted events: p50 %s  p90 %s  p99 %s  max %s\n",
		ms(r.Percentile(50)), ms(r.Percentile(90)), ms(r.Percentile(99)), ms(r.Percentile(100)))
	fmt.Fprintf(out, "not accepted: %s\n", r.failureText())
}

// row is the result as a Markdown table row:
// | run | mode | clients | rate | accepted/s | p50 | p90 | p99 | max | not accepted |
func (r *result) row(label string, c config) string {
	rate := "closed"
	if c.Rate > 0 {
		rate = fmt.Sprintf("%g/s", c.Rate)
	}
	mode := c.Mode
	if mode == "repeat" {
		mode = fmt.Sprintf("repeat (%d keys)", c.RepeatKeys)
	}
	return fmt.Sprintf("| %s | %s | %d | %s | %.0f | %s | %s | %s | %s | %s |",
		label, mode, c.Clients, rate, r.Throughput(),
		ms(r.Percentile(50)), ms(r.Percentile(90)), ms(r.Percentile(99)), ms(r.Percentile(100)), r.failureText())
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
