package ingest

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the ingest figures exported on /metrics.
type Metrics struct {
	Received  *prometheus.CounterVec   // events by format and outcome
	Duration  *prometheus.HistogramVec // request handling time by format
	BatchSize prometheus.Histogram     // events per commit
}

// NewMetrics registers the ingest metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tocsin_alert_events_received_total",
			Help: "Alert events received, by format and outcome (created, repeated, updated, suppressed, dropped, invalid, unauthorized, rate_limited, error).",
		}, []string{"format", "outcome"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tocsin_ingest_duration_seconds",
			Help:    "Time from request to durable reply, by format.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"format"}),
		BatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tocsin_ingest_batch_events",
			Help:    "Events committed per transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}),
	}
	reg.MustRegister(m.Received, m.Duration, m.BatchSize)
	return m
}
