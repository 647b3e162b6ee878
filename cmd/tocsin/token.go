package main

import (
	"context"
	"fmt"
	"io"

	"github.com/tocsin/tocsin"
)

type tokenCmd struct {
	Create tokenCreateCmd `cmd:"" help:"Create an API token for a user and print it (only the token, for scripts)."`
}

type tokenCreateCmd struct {
	database
	Email string `required:"" help:"E-mail address of the user the token acts as."`
	Name  string `default:"cli" help:"Label to recognise the token by in the token list."`
}

func (c *tokenCreateCmd) Run(ctx context.Context, out io.Writer) error {
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, c.Email)
	if err != nil {
		return err
	}
	_, token, err := db.CreateAPIToken(ctx, u.ID, c.Name, tocsin.SystemClock{}.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(out, token)
	return nil
}
