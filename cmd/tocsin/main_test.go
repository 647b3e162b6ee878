package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
	"github.com/tocsin/tocsin/internal/testkit"
)

// target is a database for the commands: their flag, and a way to open it in the test.
type target struct {
	flag []string
	url  string
}

func newTarget(t *testing.T, engine string) target {
	if engine == "sqlite" {
		dir := t.TempDir()
		return target{flag: []string{"--data-dir", dir}, url: filepath.Join(dir, "tocsin.db")}
	}
	url := testkit.DatabaseURL(t, engine)
	return target{flag: []string{"--database-url", url}, url: url}
}

func (tg target) open(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), tg.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type result struct {
	out, err string
	code     int
}

// tocsinCmd runs a command in-process; input, when not empty, is piped to it.
func tocsinCmd(t *testing.T, tg target, input string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	in := &stdin{Reader: strings.NewReader(input), piped: input != ""}
	code := run(context.Background(), append(args, tg.flag...), in, &out, &errOut)
	return result{out: out.String(), err: errOut.String(), code: code}
}

func (r result) ok(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.out, r.err)
	}
	return r
}

func (r result) fails(t *testing.T, want string) {
	t.Helper()
	if r.code != 1 || !strings.Contains(r.err, want) {
		t.Fatalf("exit %d, stderr %q; want exit 1 and %q", r.code, r.err, want)
	}
}

const cliConfig = `teams:
  - name: payments
    members: [alice@example.com]
services:
  - name: checkout
    team: payments
    integrations:
      - {name: prometheus, type: alertmanager}
processing_rules:
  - integration: checkout/prometheus
    name: 5xx is P1
    conditions:
      - {field: summary, op: contains, value: 5xx}
    actions: {set_priority: P1}
`

func TestAdminCommands(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		tg := newTarget(t, engine)

		// user add: a generated password, printed once.
		r := tocsinCmd(t, tg, "", "user", "add", "--email", "Alice@Example.com", "--name", "Alice Martin", "--role", "admin").ok(t)
		m := regexp.MustCompile(`created admin alice@example.com with password (\S+)\n`).FindStringSubmatch(r.out)
		if m == nil {
			t.Fatalf("user add printed %q", r.out)
		}
		db := tg.open(t)
		if u, err := db.Authenticate(ctx, "alice@example.com", m[1]); err != nil || u.Role != tocsin.RoleAdmin {
			t.Fatalf("log in with the printed password: %v, %v", u, err)
		}
		// user add: a piped password is used and not printed.
		r = tocsinCmd(t, tg, "correct horse battery\n", "user", "add", "--email", "bob@example.com", "--name", "Bob").ok(t)
		if r.out != "created member bob@example.com\n" {
			t.Errorf("user add with a piped password printed %q", r.out)
		}
		if _, err := db.Authenticate(ctx, "bob@example.com", "correct horse battery"); err != nil {
			t.Errorf("log in with the piped password: %v", err)
		}
		tocsinCmd(t, tg, "", "user", "add", "--email", "bob@example.com", "--name", "Bob").fails(t, "tocsin: a user with e-mail bob@example.com exists already")
		tocsinCmd(t, tg, "", "user", "add", "--email", "carl@example.com", "--name", "Carl", "--role", "boss").fails(t, "--role must be one of")
		tocsinCmd(t, tg, "", "user", "add", "--email", "not-an-address", "--name", "X").fails(t, `tocsin: "not-an-address" is not a valid e-mail address`)
		tocsinCmd(t, tg, "short\n", "user", "add", "--email", "carl@example.com", "--name", "Carl").fails(t, "password must be at least 10 characters")

		// user passwd: the same rules.
		tocsinCmd(t, tg, "short\n", "user", "passwd", "--email", "bob@example.com").fails(t, "password must be at least 10 characters")
		r = tocsinCmd(t, tg, "", "user", "passwd", "--email", "bob@example.com").ok(t)
		m = regexp.MustCompile(`new password for bob@example.com: (\S+)\n`).FindStringSubmatch(r.out)
		if m == nil {
			t.Fatalf("user passwd printed %q", r.out)
		}
		if _, err := db.Authenticate(ctx, "bob@example.com", m[1]); err != nil {
			t.Errorf("log in with the new password: %v", err)
		}
		if _, err := db.Authenticate(ctx, "bob@example.com", "correct horse battery"); err == nil {
			t.Error("the old password still works")
		}
		tocsinCmd(t, tg, "", "user", "passwd", "--email", "nobody@example.com").fails(t, "tocsin: no user with e-mail nobody@example.com")

		// token create: only the token, which works.
		r = tocsinCmd(t, tg, "", "token", "create", "--email", "alice@example.com", "--name", "ci").ok(t)
		token := strings.TrimSuffix(r.out, "\n")
		if !strings.HasPrefix(token, "tcs_") || strings.ContainsAny(token, " \n") {
			t.Fatalf("token create printed %q", r.out)
		}
		if u, err := db.APITokenUser(ctx, token, time.Now()); err != nil || u.Email != "alice@example.com" {
			t.Errorf("the printed token belongs to %v, %v", u, err)
		}
		tocsinCmd(t, tg, "", "token", "create", "--email", "nobody@example.com").fails(t, "no user with e-mail nobody@example.com")

		// apply --dry-run prints the plan and writes nothing.
		dir := t.TempDir()
		file := filepath.Join(dir, "payments.yaml")
		if err := os.WriteFile(file, []byte(cliConfig), 0o644); err != nil {
			t.Fatal(err)
		}
		r = tocsinCmd(t, tg, "", "apply", "-f", file, "--dry-run").ok(t)
		for _, line := range []string{"+ team payments (members: alice@example.com)", "+ service checkout (team payments)", "+ rule checkout/prometheus/5xx is P1", "dry run: nothing changed"} {
			if !strings.Contains(r.out, line+"\n") {
				t.Errorf("apply --dry-run lacks %q:\n%s", line, r.out)
			}
		}
		if _, err := db.ServiceByName(ctx, "checkout"); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Fatalf("apply --dry-run created checkout: %v", err)
		}

		// apply on the folder: the key is printed once and opens the integration.
		r = tocsinCmd(t, tg, "", "apply", "-f", dir).ok(t)
		m = regexp.MustCompile(`key for service checkout / integration prometheus: ([0-9a-f]{32})\n`).FindStringSubmatch(r.out)
		if m == nil || !strings.Contains(r.out, "applied 4 changes\n") {
			t.Fatalf("apply printed:\n%s", r.out)
		}
		if i, err := db.IntegrationByKey(ctx, m[1]); err != nil || i.ServiceName != "checkout" {
			t.Errorf("the printed key opens %v, %v", i, err)
		}
		if r = tocsinCmd(t, tg, "", "apply", "-f", file).ok(t); r.out != "no changes\n" {
			t.Errorf("apply twice printed %q", r.out)
		}

		// export, then apply it from standard input: nothing to do, and no key in it.
		exported := tocsinCmd(t, tg, "", "export").ok(t).out
		if strings.Contains(exported, m[1]) || !strings.Contains(exported, "- name: checkout") {
			t.Fatalf("export:\n%s", exported)
		}
		if r = tocsinCmd(t, tg, exported, "apply", "-f", "-", "--prune").ok(t); r.out != "no changes\n" {
			t.Errorf("export → apply --prune printed %q", r.out)
		}
		out := filepath.Join(t.TempDir(), "export.yaml")
		tocsinCmd(t, tg, "", "export", "-o", out).ok(t)
		if written, _ := os.ReadFile(out); string(written) != exported {
			t.Errorf("export -o wrote %q", written)
		}

		// An invalid file: exit 1, the file and the problem named, nothing written.
		bad := filepath.Join(t.TempDir(), "bad.yaml")
		os.WriteFile(bad, []byte("services:\n  - name: billing\n    team: finance\n"), 0o644)
		tocsinCmd(t, tg, "", "apply", "-f", bad).fails(t, bad+":2 services[0]: service billing: team finance does not exist")
		if _, err := db.ServiceByName(ctx, "billing"); tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			t.Errorf("an invalid apply created billing: %v", err)
		}
		tocsinCmd(t, tg, "", "apply", "-f", filepath.Join(dir, "missing.yaml")).fails(t, "missing.yaml: no such file or directory")

		if r = tocsinCmd(t, tg, "", "migrate").ok(t); !strings.Contains(r.out, "is current") {
			t.Errorf("migrate printed %q", r.out)
		}
	})
}

// serve runs `tocsin serve` in-process until the test stops it, and returns its
// output lines as they come.
type server struct {
	lines chan string
	stop  context.CancelFunc
	done  chan int
}

func startServe(t *testing.T, tg target, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &server{lines: make(chan string, 100), stop: cancel, done: make(chan int, 1)}
	go func() {
		in := &stdin{Reader: strings.NewReader("")}
		args := append(append([]string{"serve", "--listen", "127.0.0.1:0", "--log-level", "error"}, args...), tg.flag...)
		code := run(ctx, args, in, pw, io.Discard)
		pw.Close()
		s.done <- code
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	t.Cleanup(func() { s.shutdown(t) })
	return s
}

// until reads output lines until one starts with prefix and returns them all.
func (s *server) until(t *testing.T, prefix string) []string {
	t.Helper()
	var seen []string
	deadline := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("serve ended before printing %q:\n%s", prefix, strings.Join(seen, "\n"))
			}
			seen = append(seen, line)
			if strings.HasPrefix(line, prefix) {
				return seen
			}
		case <-deadline:
			t.Fatalf("serve did not print %q in time:\n%s", prefix, strings.Join(seen, "\n"))
		}
	}
}

func (s *server) shutdown(t *testing.T) {
	if s.stop == nil {
		return
	}
	s.stop()
	s.stop = nil
	if code := <-s.done; code != 0 {
		t.Errorf("serve exited with %d", code)
	}
}

var (
	runningAt = regexp.MustCompile(`^Tocsin is running at (http://\S+)$`)
	demoLogin = regexp.MustCompile(`^Log in as demo@tocsin\.example with password (\S+) `)
)

func TestServeDemo(t *testing.T) {
	testkit.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		tg := newTarget(t, engine)
		s := startServe(t, tg, "--demo")
		lines := s.until(t, "Log in as")
		output := strings.Join(lines, "\n")
		url := runningAt.FindStringSubmatch(lines[len(lines)-2])
		login := demoLogin.FindStringSubmatch(lines[len(lines)-1])
		if url == nil || login == nil {
			t.Fatalf("serve --demo printed:\n%s", output)
		}
		if n := strings.Count(output, "  key for "); n != 6 {
			t.Errorf("serve --demo printed %d integration keys, want 6:\n%s", n, output)
		}
		resp, err := http.Get(url[1] + "/healthz")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /healthz: %v %v", resp, err)
		}
		resp.Body.Close()
		// The API answers as the demo admin when it exists (it is built alongside).
		token := strings.TrimSpace(tocsinCmd(t, tg, "", "token", "create", "--email", "demo@tocsin.example").ok(t).out)
		req, _ := http.NewRequest("GET", url[1]+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err := http.DefaultClient.Do(req); err != nil {
			t.Errorf("GET /api/v1/me: %v", err)
		} else {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound && (resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "demo@tocsin.example")) {
				t.Errorf("GET /api/v1/me as the demo admin: %d %s", resp.StatusCode, body)
			}
		}
		// The login form takes the printed password (when the web UI has one).
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		if resp, err := noRedirect.PostForm(url[1]+"/login", neturl.Values{"email": {"demo@tocsin.example"}, "password": {login[1]}}); err != nil {
			t.Errorf("POST /login: %v", err)
		} else {
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound && (resp.StatusCode/100 != 3 || len(resp.Cookies()) == 0) {
				t.Errorf("POST /login as the demo admin: %d, cookies %v", resp.StatusCode, resp.Cookies())
			}
		}
		s.shutdown(t)

		db := tg.open(t)
		if u, err := db.Authenticate(ctx, "demo@tocsin.example", login[1]); err != nil || u.Role != tocsin.RoleAdmin {
			t.Fatalf("demo admin login: %v, %v", u, err)
		}
		alerts, total, err := db.Alerts(ctx, tocsin.AlertFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		statuses := map[tocsin.AlertStatus]int{}
		var suppressed, routedByRule bool
		for _, a := range alerts {
			statuses[a.Status]++
			suppressed = suppressed || a.Suppressed
			routedByRule = routedByRule || (a.Labels["component"] == "elasticsearch" && a.ServiceID != 0)
		}
		if total != 7 || statuses[tocsin.StatusTriggered] == 0 || statuses[tocsin.StatusAcknowledged] == 0 || statuses[tocsin.StatusResolved] == 0 || !suppressed || !routedByRule {
			t.Errorf("demo alerts: %d, by status %v, a suppressed one %t, one routed by a rule %t", total, statuses, suppressed, routedByRule)
		}
		teams, _ := db.Teams(ctx)
		services, _ := db.Services(ctx, 0)
		if len(teams) != 3 || len(services) != 3 {
			t.Errorf("demo has %d teams and %d services", len(teams), len(services))
		}
		db.Close()

		// Again: the organisation is there already, no key is printed, no alert is
		// added, and the demo admin gets a new password.
		s = startServe(t, tg, "--demo")
		lines = s.until(t, "Log in as")
		output = strings.Join(lines, "\n")
		again := demoLogin.FindStringSubmatch(lines[len(lines)-1])
		if !strings.Contains(output, "Demo organisation already loaded.") || strings.Contains(output, "key for") || again == nil || again[1] == login[1] {
			t.Errorf("second serve --demo printed:\n%s", output)
		}
		s.shutdown(t)
		db = tg.open(t)
		if _, total, _ := db.Alerts(ctx, tocsin.AlertFilter{Limit: 1}); total != 7 {
			t.Errorf("second start: %d alerts, want the same 7", total)
		}
		if _, err := db.Authenticate(ctx, "demo@tocsin.example", login[1]); err == nil {
			t.Error("the previous demo password still works")
		}
	})
}

func TestServeFirstStartPrintsAdminPassword(t *testing.T) {
	tg := newTarget(t, "sqlite")
	s := startServe(t, tg)
	lines := s.until(t, "Tocsin is running at")
	m := regexp.MustCompile(`^First start: created admin admin@localhost\.localdomain with password (\S+)$`).FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("first start printed:\n%s", strings.Join(lines, "\n"))
	}
	s.shutdown(t)
	db := tg.open(t)
	if _, err := db.Authenticate(context.Background(), "admin@localhost.localdomain", m[1]); err != nil {
		t.Fatalf("first admin login: %v", err)
	}
	db.Close()
	// No admin password on later starts.
	s = startServe(t, tg)
	if lines := s.until(t, "Tocsin is running at"); len(lines) != 1 {
		t.Errorf("second start printed:\n%s", strings.Join(lines, "\n"))
	}
}
