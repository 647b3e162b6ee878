// Command tocsin runs the Tocsin server and its administration commands.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	// Time zones are needed by schedules, reports and the status page even on
	// a host without a zoneinfo database (a minimal container).
	_ "time/tzdata"

	"github.com/alecthomas/kong"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/store"
)

// database is how every command finds the database, the same way as serve.
type database struct {
	DataDir     string `name:"data-dir" env:"TOCSIN_DATA_DIR" default:"tocsin-data" help:"Folder of the SQLite database."`
	DatabaseURL string `name:"database-url" env:"TOCSIN_DATABASE_URL" help:"PostgreSQL URL (postgres://…); replaces --data-dir."`
}

func (d database) config() config.Config {
	cfg := config.Default()
	cfg.DataDir, cfg.DatabaseURL = d.DataDir, d.DatabaseURL
	return cfg
}

// open connects an administration command to the database directly (no server
// needed), migrating it like serve does.
func (d database) open(ctx context.Context) (*store.DB, error) {
	cfg := d.config()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.Database())
	if err != nil {
		return nil, fmt.Errorf("open the database %s: %w", d.where(), err)
	}
	return db, nil
}

// where names the database for messages, without a password.
func (d database) where() string {
	if d.DatabaseURL == "" {
		cfg := d.config()
		return cfg.Database()
	}
	if u, err := url.Parse(d.DatabaseURL); err == nil {
		return u.Redacted()
	}
	return "(PostgreSQL)"
}

// stdin is the command's standard input: passwords and `apply -f -` read it.
type stdin struct {
	io.Reader
	piped bool // not a terminal: read from it instead of generating a password
}

// readSecret returns the first line of piped input, or "" on a terminal.
func (in *stdin) readSecret() (string, error) {
	if !in.piped {
		return "", nil
	}
	line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("standard input is empty: pipe a password in, or run from a terminal to have one generated")
	}
	return line, nil
}

type cli struct {
	Serve   serveCmd   `cmd:"" help:"Run the server."`
	User    userCmd    `cmd:"" help:"Add users and set their passwords."`
	Token   tokenCmd   `cmd:"" help:"Create API tokens."`
	Apply   applyCmd   `cmd:"" help:"Apply configuration files: teams, users, services, integrations, processing rules, schedules."`
	Export  exportCmd  `cmd:"" help:"Write the current configuration in the format apply reads."`
	Migrate migrateCmd `cmd:"" help:"Bring the database schema up to date."`
	Oncall  oncallCmd  `cmd:"" help:"Show who is on call now (or --at TIME), and the next handoff."`
	Status  statusCmd  `cmd:"" help:"The public status page: export it as static files."`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	info, err := os.Stdin.Stat()
	piped := err == nil && info.Mode()&os.ModeCharDevice == 0
	code := run(ctx, os.Args[1:], &stdin{Reader: os.Stdin, piped: piped}, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run parses the arguments and runs the command; it returns the exit status.
// Tests call it in-process.
func run(ctx context.Context, args []string, in *stdin, out, errOut io.Writer) int {
	return runAt(ctx, tocsin.SystemClock{}, args, in, out, errOut)
}

// runAt is run with a clock: tests pass a fake one.
func runAt(ctx context.Context, clock tocsin.Clock, args []string, in *stdin, out, errOut io.Writer) int {
	var c cli
	parser, err := kong.New(&c,
		kong.Name("tocsin"),
		kong.Description("Tocsin: alerts in, the right person paged, incidents handled."),
		kong.Writers(out, errOut),
		kong.BindTo(ctx, (*context.Context)(nil)),
		kong.BindTo(out, (*io.Writer)(nil)),
		kong.Bind(in),
		kong.BindTo(clock, (*tocsin.Clock)(nil)),
	)
	if err != nil {
		fmt.Fprintln(errOut, "tocsin:", err)
		return 1
	}
	k, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(errOut, "tocsin: %v (see tocsin --help)\n", err)
		return 1
	}
	if err := k.Run(); err != nil {
		fmt.Fprintln(errOut, "tocsin:", message(err))
		return 1
	}
	return 0
}

// message is an error as a person should read it: a tocsin.Error's message
// without its code.
func message(err error) string {
	var e *tocsin.Error
	if errors.As(err, &e) {
		return strings.Replace(err.Error(), e.Error(), e.Message, 1)
	}
	return err.Error()
}

func newLogger(cfg config.Config) *slog.Logger {
	level, _ := cfg.Level()
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
