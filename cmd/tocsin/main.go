// Command tocsin runs the Tocsin server and its administration commands.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/tocsin/tocsin/internal/config"
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

type cli struct {
	Serve serveCmd `cmd:"" help:"Run the server."`
}

func main() {
	var c cli
	k := kong.Parse(&c,
		kong.Name("tocsin"),
		kong.Description("Tocsin: alerts in, the right person paged, incidents handled."),
		kong.UsageOnError(),
		kong.BindTo(context.Background(), (*context.Context)(nil)),
	)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	k.BindTo(ctx, (*context.Context)(nil))
	k.BindTo(os.Stdout, (*io.Writer)(nil))
	if err := k.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "tocsin:", err)
		os.Exit(1)
	}
}

func newLogger(cfg config.Config) *slog.Logger {
	level, _ := cfg.Level()
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
