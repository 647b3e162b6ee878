package main

import (
	"context"
	"fmt"
	"io"
)

type migrateCmd struct {
	database
}

// Run opens the database, which applies any migration it lacks (serve does the
// same at start; this lets an upgrade be scripted before the servers restart).
func (c *migrateCmd) Run(ctx context.Context, out io.Writer) error {
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(out, "the schema of %s (%s) is current\n", c.where(), db.Dialect())
	return nil
}
