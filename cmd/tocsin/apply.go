package main

import (
	"context"
	"fmt"
	"io"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/apply"
)

type applyCmd struct {
	database
	File   string `short:"f" required:"" placeholder:"FILE_OR_DIR" help:"A YAML file, a folder of *.yaml and *.yml files (merged), or - for standard input."`
	DryRun bool   `name:"dry-run" help:"Print the plan and change nothing."`
	Prune  bool   `help:"Also delete what the files no longer list, in each section they have."`
}

func (c *applyCmd) Run(ctx context.Context, out io.Writer, in *stdin) error {
	var doc *apply.Document
	var err error
	if c.File == "-" {
		doc, err = apply.Parse("standard input", in)
	} else {
		doc, err = apply.Load(c.File)
	}
	if err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	plan, err := apply.NewPlan(ctx, db, doc, apply.Options{Prune: c.Prune})
	if err != nil {
		return err
	}
	plan.Print(out)
	if plan.Empty() {
		return nil
	}
	if c.DryRun {
		fmt.Fprintln(out, "dry run: nothing changed")
		return nil
	}
	keys, err := plan.Apply(ctx, db, tocsin.SystemClock{}.Now())
	if err != nil {
		return err
	}
	for _, k := range keys {
		fmt.Fprintln(out, k)
	}
	if len(keys) > 0 {
		fmt.Fprintln(out, "keys are shown only this once: configure the senders with them now")
	}
	fmt.Fprintf(out, "applied %d changes\n", len(plan.Changes))
	return nil
}
