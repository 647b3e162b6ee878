package main

import (
	"context"
	"io"
	"os"

	"github.com/tocsin/tocsin/internal/apply"
)

type exportCmd struct {
	database
	Output string `short:"o" placeholder:"FILE" help:"Write to FILE instead of standard output."`
}

func (c *exportCmd) Run(ctx context.Context, out io.Writer) error {
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	doc, err := apply.Export(ctx, db)
	if err != nil {
		return err
	}
	if c.Output == "" {
		return doc.Encode(out)
	}
	f, err := os.OpenFile(c.Output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if err := doc.Encode(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
