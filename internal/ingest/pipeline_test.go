package ingest_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/ingest"
	"github.com/tocsin/tocsin/internal/testkit"
)

// TestRepeatsDoNotWakeTheEngine: every commit refreshes live pages, but only
// one that opens or changes an alert wakes the engine. A storm of repeats of
// an open alert (a flapping check sending every few seconds) must not make
// the engine look for work after each of its commits.
func TestRepeatsDoNotWakeTheEngine(t *testing.T) {
	for _, engine := range testkit.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			a := testkit.Start(t, engine)
			integ, _ := a.Integration(tocsin.IntegrationPagerDuty, a.Service("payments", "checkout").ID)
			changed, wakes := make(chan struct{}, 16), make(chan struct{}, 16)
			p := ingest.NewPipeline(a.DB, a.Clock, slog.New(slog.NewTextHandler(io.Discard, nil)), ingest.NewMetrics(prometheus.NewRegistry()), ingest.Options{
				OnCommit: func() { changed <- struct{}{} },
				Wake:     func() { wakes <- struct{}{} },
			})
			ctx, cancel := context.WithCancel(context.Background())
			var running sync.WaitGroup
			running.Go(func() { p.Run(ctx) })
			defer func() { cancel(); running.Wait() }()

			for _, step := range []struct {
				action  tocsin.EventAction
				outcome tocsin.EventOutcome
				wakes   bool
			}{
				{tocsin.ActionTrigger, tocsin.OutcomeCreated, true},
				{tocsin.ActionTrigger, tocsin.OutcomeRepeated, false},
				{tocsin.ActionTrigger, tocsin.OutcomeRepeated, false},
				{tocsin.ActionAcknowledge, tocsin.OutcomeUpdated, true},
				{tocsin.ActionTrigger, tocsin.OutcomeRepeated, false},
				{tocsin.ActionResolve, tocsin.OutcomeUpdated, true},
				{tocsin.ActionResolve, tocsin.OutcomeDropped, false},
				{tocsin.ActionTrigger, tocsin.OutcomeCreated, true},
			} {
				results, err := p.Submit(ctx, integ, []tocsin.AlertEvent{{Action: step.action, DedupKey: "disk-full", Summary: "Disk full on db-1", Channel: tocsin.ChannelPagerDuty}})
				if err != nil {
					t.Fatalf("%s: %v", step.action, err)
				}
				if results[0].Outcome != step.outcome {
					t.Fatalf("%s: outcome %s, want %s", step.action, results[0].Outcome, step.outcome)
				}
				<-changed // after the engine's wake-up, if any
				select {
				case <-wakes:
					if !step.wakes {
						t.Errorf("%s (%s) woke the engine", step.action, step.outcome)
					}
				default:
					if step.wakes {
						t.Errorf("%s (%s) did not wake the engine", step.action, step.outcome)
					}
				}
			}
		})
	}
}
