// Command loadgen drives a running Tocsin server with PagerDuty Events v2
// triggers (POST {url}/v2/enqueue) from many concurrent clients and reports
// throughput and latency percentiles.
//
//	loadgen -url http://127.0.0.1:8080 -key KEY -mode new -clients 32 -duration 10s
//	loadgen -url … -key KEY -mode repeat -keys 100
//	loadgen -url … -key KEY -mode new -rate 1000   # open loop: latency at a given load
//
// It talks to loopback addresses only, unless -allow-remote is given: a load
// generator pointed at someone else's server by mistake is an attack.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	var (
		rawURL      = fs.String("url", "http://127.0.0.1:8080", "base URL of the Tocsin server")
		key         = fs.String("key", "", "integration (routing) key")
		keysFile    = fs.String("keys-file", "", "file of routing keys, one per line; clients take them in turn")
		mode        = fs.String("mode", "new", "new: a distinct dedup key per event; repeat: -keys keys sent again and again")
		repeatKeys  = fs.Int("keys", 100, "number of dedup keys in repeat mode")
		clients     = fs.Int("clients", 32, "concurrent clients (connections)")
		duration    = fs.Duration("duration", 10*time.Second, "measured time, after the warm-up")
		warmup      = fs.Duration("warmup", 2*time.Second, "time sending before measuring")
		rate        = fs.Float64("rate", 0, "events per second, open loop (0: closed loop, each client sends as fast as answered)")
		maxEvents   = fs.Int64("max-events", 5_000_000, "stop after sending this many events")
		timeout     = fs.Duration("timeout", 10*time.Second, "per-request timeout")
		allowRemote = fs.Bool("allow-remote", false, "allow a non-loopback server")
		acked       = fs.String("acked", "", "write the dedup key of every event answered 202 to this file (for a durability check)")
		label       = fs.String("label", "", "label of this run in -row-file")
		rowFile     = fs.String("row-file", "", "append the result as a Markdown table row to this file")
		client      = fs.String("client", "raw", "raw: a lean HTTP/1.1 client (as wrk does), so the generator leaves the cores to the server; nethttp: Go's net/http client")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := config{
		Mode: *mode, RepeatKeys: *repeatKeys, Clients: *clients, Duration: *duration, Warmup: *warmup,
		Rate: *rate, MaxEvents: *maxEvents, Timeout: *timeout, AllowRemote: *allowRemote, RecordAcked: *acked != "", Client: *client,
	}
	u, err := url.Parse(strings.TrimRight(*rawURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-url %q must be an http(s) URL", *rawURL)
	}
	cfg.URL = u.String() + "/v2/enqueue"
	if !cfg.AllowRemote {
		if err := checkLoopback(u.Hostname()); err != nil {
			return err
		}
	}
	if *key != "" {
		cfg.Keys = append(cfg.Keys, *key)
	}
	if *keysFile != "" {
		keys, err := readKeys(*keysFile)
		if err != nil {
			return err
		}
		cfg.Keys = append(cfg.Keys, keys...)
	}
	if err := cfg.validate(); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(out, "loadgen: %s mode, %d clients, %s, warm-up %s then %s, against %s\n",
		cfg.Mode, cfg.Clients, cfg.loopName(), cfg.Warmup, cfg.Duration, cfg.URL)
	res, err := generate(ctx, cfg)
	if err != nil {
		return err
	}
	res.print(out, cfg)
	if *acked != "" {
		if err := writeLines(*acked, res.Acked); err != nil {
			return err
		}
	}
	if *rowFile != "" {
		f, err := os.OpenFile(*rowFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		fmt.Fprintln(f, res.row(*label, cfg))
		if err := f.Close(); err != nil {
			return err
		}
	}
	if res.Accepted == 0 {
		return errors.New("no event was accepted (202): is the key right and the server up?")
	}
	return nil
}

func readKeys(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var keys []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			keys = append(keys, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s holds no key", path)
	}
	return keys, nil
}

func writeLines(path string, lines []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		w.WriteString(l)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
