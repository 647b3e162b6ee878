package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin/internal/testkit"
)

func TestUsers(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)
		ctx := context.Background()

		users := list(e.must(e.admin, "GET", v1("/users"), nil, 200), "users")
		if len(users) != 3 {
			t.Fatalf("users: %v", users)
		}

		// Without a password, one is generated and shown once; it logs in.
		created := e.must(e.admin, "POST", v1("/users"), map[string]any{"email": "Bob@Example.com", "name": "Bob", "role": "viewer", "timezone": "Europe/Paris", "locale": "fr"}, 201)
		password := str(created, "password")
		if len(password) < 10 || str(created, "email") != "bob@example.com" || str(created, "role") != "viewer" || str(created, "timezone") != "Europe/Paris" {
			t.Fatalf("created user: %v", created)
		}
		bob := num(created, "id")
		if _, err := e.app.DB.Authenticate(ctx, "bob@example.com", password); err != nil {
			t.Errorf("generated password does not log in: %v", err)
		}
		got := e.must(e.admin, "GET", v1("/users/%d", bob), nil, 200)
		if _, shown := got["password"]; shown {
			t.Errorf("GET shows a password: %v", got)
		}

		given := e.must(e.admin, "POST", v1("/users"), map[string]any{"email": "carol@example.com", "name": "Carol", "password": "a long enough secret"}, 201)
		if _, shown := given["password"]; shown || str(given, "role") != "member" || str(given, "timezone") != "UTC" {
			t.Errorf("user created with a password: %v", given)
		}

		e.fails(e.admin, "POST", v1("/users"), map[string]any{"email": "bob@example.com", "name": "Bob again"}, 409, "conflict", "bob@example.com")
		e.fails(e.admin, "POST", v1("/users"), map[string]any{"email": "dan@example.com", "name": "Dan", "password": "short"}, 400, "invalid", "10")
		e.fails(e.admin, "POST", v1("/users"), map[string]any{"email": "not-an-address", "name": "Dan"}, 400, "invalid", "not-an-address")
		e.fails(e.admin, "POST", v1("/users"), map[string]any{"email": "dan@example.com", "name": "Dan", "role": "owner"}, 400, "invalid", "owner")
		e.fails(e.admin, "POST", v1("/users"), map[string]any{"email": "dan@example.com", "name": "Dan", "timezone": "Mars/Olympus"}, 400, "invalid", "Mars/Olympus")
		e.fails(e.admin, "POST", v1("/users"), map[string]any{"email": "dan@example.com", "name": "Dan", "timezone": "Local"}, 400, "invalid", `"Local" is unknown`)
		e.fails(e.admin, "POST", v1("/users"), map[string]any{"email": "dan@example.com", "name": "Dan", "locale": "de"}, 400, "invalid", "de")
		if n := len(list(e.must(e.admin, "GET", v1("/users"), nil, 200), "users")); n != 5 {
			t.Errorf("%d users after refused creates, want 5", n)
		}

		updated := e.must(e.admin, "PATCH", v1("/users/%d", bob), map[string]any{"role": "member", "name": "Bob Builder", "password": "another long secret"}, 200)
		if str(updated, "role") != "member" || str(updated, "name") != "Bob Builder" || str(updated, "timezone") != "Europe/Paris" || str(updated, "locale") != "fr" {
			t.Errorf("updated user: %v", updated)
		}
		if _, err := e.app.DB.Authenticate(ctx, "bob@example.com", "another long secret"); err != nil {
			t.Errorf("new password does not log in: %v", err)
		}
		e.fails(e.admin, "PATCH", v1("/users/%d", bob), map[string]any{"email": "robert@example.com"}, 400, "invalid", "e-mail")
		e.fails(e.admin, "PATCH", v1("/users/%d", bob), map[string]any{"role": "root", "name": "Not Saved"}, 400, "invalid", "root")
		e.fails(e.admin, "PATCH", v1("/users/%d", bob), map[string]any{"password": "short", "name": "Not Saved"}, 400, "invalid", "password")
		if got := e.must(e.admin, "GET", v1("/users/%d", bob), nil, 200); str(got, "name") != "Bob Builder" {
			t.Errorf("refused updates changed the user: %v", got)
		}
		e.fails(e.admin, "GET", v1("/users/999"), nil, 404, "not_found")

		// The last admin can be neither demoted nor deleted.
		e.fails(e.admin, "PATCH", v1("/users/%d", e.admin.ID), map[string]any{"role": "member"}, 409, "conflict", "admin")
		e.fails(e.admin, "DELETE", v1("/users/%d", e.admin.ID), nil, 409, "conflict", "admin")
		if me := e.must(e.admin, "GET", v1("/me"), nil, 200); str(me, "role") != "admin" {
			t.Errorf("the last admin became %s", str(me, "role"))
		}

		// Deleting a user stops their tokens.
		e.must(e.admin, "DELETE", v1("/users/%d", e.viewer.ID), nil, 204)
		e.fails(e.viewer, "GET", v1("/me"), nil, 401, "unauthorized")
		e.fails(e.admin, "DELETE", v1("/users/%d", e.viewer.ID), nil, 404, "not_found")
	})
}

func TestTokens(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		e := start(t, engine)

		created := e.must(e.member, "POST", v1("/tokens"), map[string]any{"name": "ci"}, 201)
		token := str(created, "token")
		if !strings.HasPrefix(token, "tcs_") || str(created, "name") != "ci" || !strings.HasPrefix(token, str(created, "prefix")) || num(created, "user_id") != e.member.ID {
			t.Fatalf("created token: %v", created)
		}
		unnamed := e.must(e.member, "POST", v1("/tokens"), nil, 201)
		if str(unnamed, "name") != "token" {
			t.Errorf("token without a name: %v", unnamed)
		}
		e.fails(e.member, "POST", v1("/tokens"), map[string]any{"name": strings.Repeat("n", 101)}, 400, "invalid", "100")

		// The new token works, and is never shown again.
		req, _ := http.NewRequest("GET", e.app.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if r := e.send(req); r.status != 200 || str(r.body, "email") != "alice@example.com" {
			t.Fatalf("new token: %d %s", r.status, r.raw)
		}
		r := e.call(e.member, "GET", v1("/tokens"), nil)
		if r.status != 200 || strings.Contains(string(r.raw), token) {
			t.Fatalf("token list: %d, shows the token: %v", r.status, strings.Contains(string(r.raw), token))
		}
		if tokens := list(r.body, "tokens"); len(tokens) != 3 || str(tokens[1], "name") != "ci" {
			t.Errorf("member's tokens (newest first): %v", tokens)
		} else if tokens[1]["last_used_at"] != e.app.Clock.Now().Format(time.RFC3339) || tokens[0]["last_used_at"] != nil {
			t.Errorf("last use: the new token was used just now, the unused one never: %v", tokens)
		}
		if tokens := list(e.must(e.admin, "GET", v1("/tokens"), nil, 200), "tokens"); len(tokens) != 1 {
			t.Errorf("the admin sees others' tokens in their own list: %v", tokens)
		}

		// Someone else's token is not found, unless an admin revokes it.
		id := num(created, "id")
		e.fails(e.viewer, "DELETE", v1("/tokens/%d", id), nil, 404, "not_found")
		e.must(e.member, "DELETE", v1("/tokens/%d", id), nil, 204)
		if r := e.send(req.Clone(context.Background())); r.status != 401 {
			t.Errorf("revoked token: %d, want 401", r.status)
		}
		e.fails(e.member, "DELETE", v1("/tokens/%d", id), nil, 404, "not_found")
		revoked := list(e.must(e.member, "GET", v1("/tokens"), nil, 200), "tokens")[1]
		if revoked["revoked"] != true || revoked["revoked_at"] == nil {
			t.Errorf("revoked token as listed: %v", revoked)
		}
		e.must(e.admin, "DELETE", v1("/tokens/%d", num(unnamed, "id")), nil, 204)
	})
}
