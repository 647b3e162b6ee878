package ntfy_test

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/notify/ntfy"
)

type captured struct {
	method, path string
	header       http.Header
	body         string
}

func server(t *testing.T, status int, header map[string]string, reply string) (*httptest.Server, chan captured) {
	t.Helper()
	got := make(chan captured, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- captured{r.Method, r.URL.Path, r.Header.Clone(), string(b)}
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		io.WriteString(w, reply)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func page(to string) notify.Message {
	return notify.Message{
		ID: 42, Kind: tocsin.NotifyPage, To: to, Locale: "en",
		Subject: "[P1] #7 <script>alert(1)</script> disk full",
		Text:    "#7 <script>alert(1)</script> *_[ disk full on db1",
		URL:     "https://tocsin.example.com/alerts/7",
		AckURL:  "https://tocsin.example.com/ack/7?sig=abc",
		Alert:   &tocsin.Alert{ID: 7, Priority: tocsin.P1},
	}
}

func TestSend(t *testing.T) {
	srv, got := server(t, 200, nil, `{"id":"hwQ2YpKdmg","time":1635528741,"event":"message","topic":"alerts-ada"}`)
	s := ntfy.New(ntfy.Options{Token: "tk_secret"})
	id, err := s.Send(context.Background(), page(srv.URL+"/alerts-ada"))
	if err != nil {
		t.Fatal(err)
	}
	if id != "hwQ2YpKdmg" {
		t.Errorf("provider id = %q", id)
	}
	r := <-got
	if r.method != http.MethodPost || r.path != "/alerts-ada" {
		t.Errorf("%s %s", r.method, r.path)
	}
	// ntfy shows the body as plain text: it goes as written, nothing to escape.
	if r.body != page("").Text {
		t.Errorf("body = %q", r.body)
	}
	for h, want := range map[string]string{
		"Title":         page("").Subject,
		"Priority":      "5",
		"Tags":          "rotating_light,tocsin",
		"Click":         "https://tocsin.example.com/alerts/7",
		"Actions":       "view, Acknowledge, https://tocsin.example.com/ack/7?sig=abc",
		"Authorization": "Bearer tk_secret",
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
}

func TestPriorities(t *testing.T) {
	for _, c := range []struct {
		p    tocsin.Priority
		kind tocsin.NotificationKind
		want string
	}{
		{tocsin.P1, tocsin.NotifyPage, "5"},
		{tocsin.P2, tocsin.NotifyPage, "4"},
		{tocsin.P3, tocsin.NotifyPage, "3"},
		{tocsin.P5, tocsin.NotifyPage, "3"},
		{tocsin.P1, tocsin.NotifyStatus, "3"}, // "resolved" does not ring through do-not-disturb
	} {
		srv, got := server(t, 200, nil, `{"id":"x"}`)
		m := page(srv.URL + "/t")
		m.Kind, m.Alert.Priority = c.kind, c.p
		if _, err := ntfy.New(ntfy.Options{}).Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		if p := (<-got).header.Get("Priority"); p != c.want {
			t.Errorf("%s %s: Priority = %s, want %s", c.kind, c.p, p, c.want)
		}
	}
}

// A French title travels RFC 2047-encoded, which ntfy decodes; no token, no
// acknowledge link: no Authorization, no Actions.
func TestFrenchTitleWithoutAck(t *testing.T) {
	srv, got := server(t, 200, nil, `{"id":"x"}`)
	m := page(srv.URL + "/t")
	m.Locale, m.AckURL, m.URL, m.Alert = "fr", "", "", nil
	m.Kind = tocsin.NotifyTest
	m.Subject = "Test réussi :\r\nvoilà"
	if _, err := ntfy.New(ntfy.Options{}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	r := <-got
	raw := r.header.Get("Title")
	if strings.ContainsAny(raw, "éà\r\n") {
		t.Errorf("Title not encoded: %q", raw)
	}
	var dec mime.WordDecoder
	title, err := dec.DecodeHeader(raw)
	if err != nil || title != "Test réussi : voilà" {
		t.Errorf("Title %q decodes to %q, %v", raw, title, err)
	}
	for _, h := range []string{"Authorization", "Actions", "Click"} {
		if _, ok := r.header[h]; ok {
			t.Errorf("%s sent: %q", h, r.header.Get(h))
		}
	}
	if r.header.Get("Priority") != "3" || r.header.Get("Tags") != "bell,tocsin" {
		t.Errorf("Priority %q, Tags %q", r.header.Get("Priority"), r.header.Get("Tags"))
	}
}

func TestFrenchAckLabel(t *testing.T) {
	srv, got := server(t, 200, nil, `{"id":"x"}`)
	m := page(srv.URL + "/t")
	m.Locale = "fr"
	m.AckURL = "https://tocsin.example.com/ack/7?a=1,2"
	if _, err := ntfy.New(ntfy.Options{}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if a := (<-got).header.Get("Actions"); a != `view, Acquitter, "https://tocsin.example.com/ack/7?a=1,2"` {
		t.Errorf("Actions = %q", a)
	}
}

func TestLongBodyIsCut(t *testing.T) {
	srv, got := server(t, 200, nil, `{"id":"x"}`)
	m := page(srv.URL + "/t")
	m.Text = strings.Repeat("é", 3000) // 6000 bytes: ntfy would make it an attachment
	if _, err := ntfy.New(ntfy.Options{}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	body := (<-got).body
	if len(body) > 4096 || !strings.HasSuffix(body, "é…") {
		t.Errorf("body of %d bytes ends %q", len(body), body[len(body)-8:])
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		status    int
		header    map[string]string
		permanent bool
		after     time.Duration
	}{
		{status: 500},
		{status: 502},
		{status: 400, permanent: true},
		{status: 403, permanent: true},
		{status: 404, permanent: true},
		{status: 429, header: map[string]string{"Retry-After": "12"}, after: 12 * time.Second},
	} {
		srv, _ := server(t, c.status, c.header, `{"code":40301,"http":403,"error":"forbidden"}`)
		_, err := ntfy.New(ntfy.Options{}).Send(context.Background(), page(srv.URL+"/t"))
		if err == nil || notify.IsPermanent(err) != c.permanent || notify.RetryAfter(err) != c.after {
			t.Errorf("%d: err = %v", c.status, err)
		}
	}

	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, err := ntfy.New(ntfy.Options{}).Send(context.Background(), page(srv.URL+"/secret-topic"))
	if err == nil || notify.IsPermanent(err) || strings.Contains(err.Error(), "secret-topic") {
		t.Errorf("connection refused: err = %v, want retryable without the topic", err)
	}

	for _, to := range []string{"", "ntfy.sh/t", "https://ntfy.sh/", "ftp://ntfy.sh/t"} {
		if _, err := ntfy.New(ntfy.Options{}).Send(context.Background(), page(to)); err == nil || !notify.IsPermanent(err) {
			t.Errorf("%q: err = %v, want permanent", to, err)
		}
	}
}
