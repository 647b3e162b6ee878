// Command benchdb prepares and checks a Tocsin database for the load benchmark
// (bench/run.sh), through internal/store like the server itself:
//
//	benchdb key    [-data-dir DIR | -database-url URL] -key KEY
//	    creates team, service and PagerDuty integration "bench" accepting KEY
//	    (the fallback when `tocsin apply` is not available);
//	benchdb verify [-data-dir DIR | -database-url URL] -key KEY -acked FILE
//	    checks that every dedup key listed in FILE (the events loadgen saw
//	    answered 202) is an alert of that integration: the durability check
//	    run after a kill -9 and a restart.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchdb:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: benchdb key|verify [flags]")
	}
	fs := flag.NewFlagSet("benchdb "+args[0], flag.ContinueOnError)
	dataDir := fs.String("data-dir", "tocsin-data", "folder of the SQLite database")
	databaseURL := fs.String("database-url", "", "PostgreSQL URL; replaces -data-dir")
	key := fs.String("key", "", "integration key")
	acked := fs.String("acked", "", "file of acknowledged dedup keys (verify)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *key == "" {
		return errors.New("-key is required")
	}
	cfg := config.Default()
	cfg.DataDir, cfg.DatabaseURL = *dataDir, *databaseURL
	if err := cfg.Validate(); err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.Database())
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "key":
		return createKey(ctx, db, *key)
	case "verify":
		if *acked == "" {
			return errors.New("-acked is required")
		}
		return verify(ctx, db, *key, *acked, out)
	}
	return fmt.Errorf("unknown command %q: key or verify", args[0])
}

func createKey(ctx context.Context, db *store.DB, key string) error {
	now := time.Now()
	team := &tocsin.Team{Name: "bench"}
	if err := db.CreateTeam(ctx, team, now); err != nil {
		return err
	}
	svc := &tocsin.Service{Name: "bench", TeamID: team.ID}
	if err := db.CreateService(ctx, svc, now); err != nil {
		return err
	}
	integ := &tocsin.Integration{Name: "bench", Type: tocsin.IntegrationPagerDuty, ServiceID: svc.ID}
	_, err := db.CreateIntegration(ctx, integ, key, now)
	return err
}

func verify(ctx context.Context, db *store.DB, key, ackedPath string, out io.Writer) error {
	integ, err := db.IntegrationByKey(ctx, key)
	if err != nil {
		return err
	}
	stored := map[string]bool{}
	for offset := 0; ; offset += 500 {
		page, _, err := db.Alerts(ctx, tocsin.AlertFilter{ServiceID: integ.ServiceID, Sort: "oldest", Limit: 500, Offset: offset})
		if err != nil {
			return err
		}
		for _, a := range page {
			if a.IntegrationID == integ.ID {
				stored[a.DedupKey] = true
			}
		}
		if len(page) < 500 {
			break
		}
	}
	f, err := os.Open(ackedPath)
	if err != nil {
		return err
	}
	defer f.Close()
	var acked, missing int
	var firstMissing []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k := strings.TrimSpace(sc.Text())
		if k == "" {
			continue
		}
		acked++
		if !stored[k] {
			missing++
			if len(firstMissing) < 5 {
				firstMissing = append(firstMissing, k)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintf(out, "durability: %d events acknowledged with 202, %d alerts of the integration stored (earlier runs included), %d acknowledged events missing\n", acked, len(stored), missing)
	if missing > 0 {
		return fmt.Errorf("%d acknowledged events lost, e.g. %s", missing, strings.Join(firstMissing, ", "))
	}
	if acked == 0 {
		return errors.New("no acknowledged event to check")
	}
	return nil
}
