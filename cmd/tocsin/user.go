package main

import (
	"context"
	"fmt"
	"io"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

type userCmd struct {
	Add    userAddCmd    `cmd:"" help:"Add a user. The password is read from standard input when piped, else generated and printed."`
	Passwd userPasswdCmd `cmd:"" help:"Set a user's password: read from standard input when piped, else generated and printed."`
}

type userAddCmd struct {
	database
	Email    string `required:"" help:"E-mail address: the login."`
	Name     string `required:"" help:"Name shown to others."`
	Role     string `default:"member" enum:"admin,member,viewer" help:"admin, member or viewer."`
	Timezone string `default:"UTC" help:"IANA time zone, e.g. Europe/Paris."`
	Locale   string `help:"en or fr (default: the browser's language)."`
}

func (c *userAddCmd) Run(ctx context.Context, out io.Writer, in *stdin) error {
	password, err := in.readSecret()
	if err != nil {
		return err
	}
	generated := password == ""
	if generated {
		password = store.NewPassword()
	}
	u := &tocsin.User{Email: c.Email, Name: c.Name, Role: tocsin.Role(c.Role), Timezone: c.Timezone, Locale: c.Locale}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := tocsin.ValidatePassword(password); err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateUser(ctx, u, password, tocsin.SystemClock{}.Now()); err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(out, "created %s %s with password %s\n(shown only this once)\n", u.Role, u.Email, password)
	} else {
		fmt.Fprintf(out, "created %s %s\n", u.Role, u.Email)
	}
	return nil
}

type userPasswdCmd struct {
	database
	Email string `required:"" help:"E-mail address of the user."`
}

func (c *userPasswdCmd) Run(ctx context.Context, out io.Writer, in *stdin) error {
	password, err := in.readSecret()
	if err != nil {
		return err
	}
	generated := password == ""
	if generated {
		password = store.NewPassword()
	}
	if err := tocsin.ValidatePassword(password); err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, c.Email)
	if err != nil {
		return err
	}
	if err := db.SetPassword(ctx, u.ID, password); err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(out, "new password for %s: %s\n(shown only this once)\n", u.Email, password)
	} else {
		fmt.Fprintf(out, "password of %s changed\n", u.Email)
	}
	return nil
}
