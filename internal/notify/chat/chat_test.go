package chat_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
)

const hostile = "<script>alert(1)</script> *_[x](https://evil.example) @channel @everyone"

type request struct {
	method, path, query string
	header              http.Header
	body                []byte
}

// fake answers status, header and reply, and records each request.
type fake struct {
	*httptest.Server
	got chan request
}

func newFake(t *testing.T, status int, header map[string]string, reply string) *fake {
	t.Helper()
	f := &fake{got: make(chan request, 4)}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.got <- request{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), b}
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		io.WriteString(w, reply)
	}))
	t.Cleanup(f.Close)
	return f
}

// next returns the one request the fake got, decoded as JSON.
func (f *fake) next(t *testing.T) (request, map[string]any) {
	t.Helper()
	select {
	case r := <-f.got:
		if r.method != http.MethodPost || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s with Content-Type %q", r.method, r.header.Get("Content-Type"))
		}
		var v map[string]any
		if err := json.Unmarshal(r.body, &v); err != nil {
			t.Fatalf("body is not JSON: %v\n%s", err, r.body)
		}
		return r, v
	default:
		t.Fatal("no request")
		return request{}, nil
	}
}

func page(to string) notify.Message {
	return notify.Message{
		ID: 42, Kind: tocsin.NotifyPage, To: to, Locale: "en",
		Subject: "P1 alert #7 on checkout: " + hostile,                                               // as the engine writes it:
		Text:    "P1 alert #7 on checkout: " + hostile + "\n\n#7 " + hostile + "\nService: checkout", // the subject, then the details
		URL:     "https://tocsin.example.com/alerts/7",
		AckURL:  "https://tocsin.example.com/ack/7?sig=abc",
		Alert:   &tocsin.Alert{ID: 7, Priority: tocsin.P1, Status: tocsin.StatusTriggered},
	}
}

// path walks decoded JSON: keys for objects, ints for arrays.
func path(t *testing.T, v any, keys ...any) any {
	t.Helper()
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object at %q", v, k)
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("%v: no item %d", v, k)
			}
			v = a[k]
		}
	}
	return v
}

type errorCase struct {
	status    int
	header    map[string]string
	reply     string
	permanent bool
	after     time.Duration
}

// checkErrors sends to a fake answering each case and checks the error's kind.
func checkErrors(t *testing.T, cases []errorCase, send func(url string) error) {
	t.Helper()
	for _, c := range cases {
		f := newFake(t, c.status, c.header, c.reply)
		err := send(f.URL + "/hook")
		if err == nil {
			t.Errorf("%d %q: no error", c.status, c.reply)
			continue
		}
		if notify.IsPermanent(err) != c.permanent || notify.RetryAfter(err) != c.after {
			t.Errorf("%d %q: err = %v (permanent %v, after %v)", c.status, c.reply, err, notify.IsPermanent(err), notify.RetryAfter(err))
		}
	}
}

// checkUnreachable: a refused connection is retried, and the error keeps the
// webhook's secret path to itself.
func checkUnreachable(t *testing.T, send func(url string) error) {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	err := send(srv.URL + "/hooks/secret-token")
	if err == nil || notify.IsPermanent(err) || strings.Contains(err.Error(), "secret-token") {
		t.Errorf("err = %v, want retryable, without the URL's path", err)
	}
	for _, to := range []string{"", "ftp://example.com/x", "example.com/hook"} {
		if err := send(to); err == nil || !notify.IsPermanent(err) {
			t.Errorf("%q: err = %v, want permanent", to, err)
		}
	}
}

var ctx = context.Background()
