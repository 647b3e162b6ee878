package statuspage

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
)

// fakeSubscriptions is the store's subscribers in memory, as the store
// behaves: an e-mail subscriber is unconfirmed until its token is confirmed.
type fakeSubscriptions struct {
	mu        sync.Mutex
	subs      map[string]*tocsin.Subscriber // by token
	added     []tocsin.Subscriber           // every Subscribe call, as received
	confirms  int                           // ConfirmSubscriber calls
	removed   int                           // Unsubscribe calls that removed someone
	lookups   int                           // every call naming a token
	failLater error
}

func newFakeSubscriptions() *fakeSubscriptions {
	return &fakeSubscriptions{subs: map[string]*tocsin.Subscriber{}}
}

func (f *fakeSubscriptions) Subscribe(ctx context.Context, s *tocsin.Subscriber, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLater != nil {
		return f.failLater
	}
	if err := s.Validate(); err != nil {
		return err
	}
	f.added = append(f.added, *s)
	s.ID = int64(len(f.added))
	return nil
}

func (f *fakeSubscriptions) add(s tocsin.Subscriber) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subs[s.Token] = &s
}

func (f *fakeSubscriptions) ConfirmSubscriber(ctx context.Context, token string, now time.Time) (*tocsin.Subscriber, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	s, ok := f.subs[token]
	if !ok {
		return nil, tocsin.Errorf(tocsin.ENOTFOUND, "subscription not found")
	}
	f.confirms++
	if s.ConfirmedAt.IsZero() {
		s.ConfirmedAt = now
	}
	c := *s
	return &c, nil
}

func (f *fakeSubscriptions) Unsubscribe(ctx context.Context, token string, now time.Time) (*tocsin.Subscriber, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	s, ok := f.subs[token]
	if !ok {
		return nil, tocsin.Errorf(tocsin.ENOTFOUND, "subscription not found")
	}
	delete(f.subs, token)
	f.removed++
	return s, nil
}

func (f *fakeSubscriptions) SubscriberByToken(ctx context.Context, token string) (*tocsin.Subscriber, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	s, ok := f.subs[token]
	if !ok {
		return nil, tocsin.Errorf(tocsin.ENOTFOUND, "subscription not found")
	}
	c := *s
	return &c, nil
}

type subscribeFixture struct {
	srv   *Server
	hs    *httptest.Server
	store *fakeSubscriptions
	now   time.Time
	mu    sync.Mutex
	wakes int
}

// startSubscriptions serves the fixture's page under /status/, as the main
// listener mounts it, with the subscription pages.
func startSubscriptions(t *testing.T, edit func(*tocsin.StatusSnapshot)) *subscribeFixture {
	t.Helper()
	f := &subscribeFixture{store: newFakeSubscriptions(), now: at}
	snap := fixture()
	if edit != nil {
		edit(snap)
	}
	s, err := New(&fakeSource{snap: snap, version: 1}, Config{Now: func() time.Time {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.now
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.HandleSubscriptions(SubscribeOptions{Store: f.store, Wake: func() {
		f.mu.Lock()
		f.wakes++
		f.mu.Unlock()
	}})
	mux := http.NewServeMux()
	mux.Handle("/status/", http.StripPrefix("/status", s))
	f.hs = httptest.NewServer(mux)
	t.Cleanup(f.hs.Close)
	f.srv = s
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *subscribeFixture) post(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(f.hs.URL+path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp, b.String()
}

func (f *subscribeFixture) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, b := get(t, "GET", f.hs.URL+path)
	return resp, string(b)
}

func TestSubscribe(t *testing.T) {
	f := startSubscriptions(t, nil)
	resp, page := f.post(t, "/status/subscribe", url.Values{"email": {" Ada@Example.com "}, "component": {"cmp00000api1", "cmp000email1"}})
	if resp.StatusCode != 200 {
		t.Fatalf("subscribe: HTTP %d\n%s", resp.StatusCode, page)
	}
	for _, want := range []string{"<h1 id=\"h-subscription\">Check your inbox</h1>", "Unless ada@example.com is subscribed already", `href="status.css"`, `href="index.html"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the answer lacks %q:\n%s", want, page)
		}
	}
	for h, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "Content-Type": "text/html; charset=utf-8",
		"Content-Security-Policy": pageCSP("")} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if len(f.store.added) != 1 {
		t.Fatalf("%d subscriptions stored, want 1", len(f.store.added))
	}
	got := f.store.added[0]
	slices.Sort(got.ComponentIDs)
	if got.Kind != tocsin.SubscriberEmail || got.Address != "ada@example.com" || !slices.Equal(got.ComponentIDs, []int64{2, 4}) || got.Locale != "en" {
		t.Errorf("stored %+v", got)
	}
	if f.wakes != 1 {
		t.Errorf("engine woken %d times, want 1 (the confirmation e-mail goes at once)", f.wakes)
	}

	// A reload of the answer lands on the page's form.
	resp, _ = get(t, "GET", f.hs.URL+"/status/subscribe")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "index.html#h-subscribe" {
		t.Errorf("GET subscribe: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestSubscribeRefusesBadInput(t *testing.T) {
	f := startSubscriptions(t, nil)
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no address", url.Values{"email": {"  "}}, "Enter your e-mail address."},
		{"not an address", url.Values{"email": {"<script>alert(1)</script>"}, "component": {"cmp00000api1"}}, "“&lt;script&gt;alert(1)&lt;/script&gt;” is not an e-mail address."},
		{"a name and an address", url.Values{"email": {"Ada <ada@example.com>"}}, "is not an e-mail address."},
		// Go's parser unquotes it into an address it then refuses.
		{"a quoted local part", url.Values{"email": {`"a b"@example.com`}}, "“&#34;a b&#34;@example.com” is not an e-mail address."},
		{"unknown component", url.Values{"email": {"ada@example.com"}, "component": {"cmp00000api1", "nosuchthing1"}}, "A component you chose is no longer on the page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, page := f.post(t, "/status/subscribe", tc.form)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("HTTP %d, want 400", resp.StatusCode)
			}
			if !strings.Contains(page, tc.want) {
				t.Errorf("the page lacks %q:\n%s", tc.want, page)
			}
			if strings.Contains(page, "<script>alert") {
				t.Errorf("what was typed is shown unescaped:\n%s", page)
			}
			// The form is there again, with what was typed and ticked.
			if !strings.Contains(page, `<form method="post" action="subscribe">`) || !strings.Contains(page, `name="email" value="`) {
				t.Errorf("no form to correct the mistake:\n%s", page)
			}
			if slices.Contains(tc.form["component"], "cmp00000api1") && !strings.Contains(page, `value="cmp00000api1" checked`) {
				t.Errorf("the ticked component is not ticked again:\n%s", page)
			}
		})
	}
	if len(f.store.added) != 0 || f.wakes != 0 {
		t.Errorf("bad input stored %d subscriptions and woke the engine %d times", len(f.store.added), f.wakes)
	}

	// Something too large is refused before it is read whole, on the page's own styled answer.
	resp, page := f.post(t, "/status/subscribe", url.Values{"email": {strings.Repeat("a", 20000) + "@example.com"}})
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(page, "The form sent is too long to be read") || !strings.Contains(page, `href="status.css"`) {
		t.Errorf("a huge form: HTTP %d, want 413\n%s", resp.StatusCode, page)
	}
}

func TestSubscribeRateLimit(t *testing.T) {
	f := startSubscriptions(t, nil)
	for i := range 10 {
		resp, _ := f.post(t, "/status/subscribe", url.Values{"email": {"a" + string(rune('a'+i)) + "@example.com"}})
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: HTTP %d", i+1, resp.StatusCode)
		}
		f.mu.Lock()
		f.now = f.now.Add(time.Minute)
		f.mu.Unlock()
	}
	resp, page := f.post(t, "/status/subscribe", url.Values{"email": {"eleventh@example.com"}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(page, "Too many subscription requests") {
		t.Fatalf("11th request in an hour: HTTP %d\n%s", resp.StatusCode, page)
	}
	// The first request leaves the window 50 minutes later (+1 s of rounding).
	if got := resp.Header.Get("Retry-After"); got != "3001" {
		t.Errorf("Retry-After = %q, want 3001", got)
	}
	if len(f.store.added) != 10 {
		t.Errorf("%d stored, want 10", len(f.store.added))
	}
	f.mu.Lock()
	f.now = f.now.Add(51 * time.Minute)
	f.mu.Unlock()
	if resp, _ := f.post(t, "/status/subscribe", url.Values{"email": {"later@example.com"}}); resp.StatusCode != 200 {
		t.Errorf("an hour later: HTTP %d, want 200", resp.StatusCode)
	}
}

func TestConfirmNeedsThePOST(t *testing.T) {
	f := startSubscriptions(t, nil)
	f.store.add(tocsin.Subscriber{ID: 1, Kind: tocsin.SubscriberEmail, Address: "ada@example.com", Token: "tok1", ComponentIDs: []int64{2}})

	// What a link scanner sees: a page with a button, and nothing confirmed.
	for range 2 {
		resp, page := f.get(t, "/status/confirm/tok1")
		if resp.StatusCode != 200 {
			t.Fatalf("GET confirm: HTTP %d", resp.StatusCode)
		}
		for _, want := range []string{"Confirm your subscription", "ada@example.com will receive an e-mail", "About: API.",
			`<form method="post" action="tok1">`, "Confirm my subscription</button>", `href="../status.css"`} {
			if !strings.Contains(page, want) {
				t.Errorf("confirm page lacks %q:\n%s", want, page)
			}
		}
	}
	if f.store.confirms != 0 {
		t.Fatalf("a GET confirmed the subscription")
	}
	resp, page := f.post(t, "/status/confirm/tok1", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "You are subscribed") || !strings.Contains(page, "ada@example.com will receive the updates of Acme") {
		t.Fatalf("POST confirm: HTTP %d\n%s", resp.StatusCode, page)
	}
	if s := f.store.subs["tok1"]; s.ConfirmedAt.IsZero() {
		t.Fatal("not confirmed after the POST")
	}
	// Followed again later: it says so, with no button.
	_, page = f.get(t, "/status/confirm/tok1")
	if !strings.Contains(page, "You are subscribed") || strings.Contains(page, "<button") {
		t.Errorf("confirmed already:\n%s", page)
	}
}

func TestUnsubscribe(t *testing.T) {
	f := startSubscriptions(t, nil)
	f.store.add(tocsin.Subscriber{ID: 1, Kind: tocsin.SubscriberEmail, Address: "ada@example.com", Token: "tok1", ConfirmedAt: at})
	f.store.add(tocsin.Subscriber{ID: 2, Kind: tocsin.SubscriberEmail, Address: "bob@example.com", Token: "tok2", ConfirmedAt: at})
	f.store.add(tocsin.Subscriber{ID: 3, Kind: tocsin.SubscriberWebhook, Address: "https://hooks.example.com/secret-path", Token: "tok3", ConfirmedAt: at})

	resp, page := f.get(t, "/status/unsubscribe/tok1")
	if resp.StatusCode != 200 || !strings.Contains(page, "Stop sending the updates of Acme to ada@example.com?") || !strings.Contains(page, "Unsubscribe me</button>") {
		t.Fatalf("GET unsubscribe: HTTP %d\n%s", resp.StatusCode, page)
	}
	if f.store.removed != 0 {
		t.Fatal("a GET unsubscribed")
	}
	resp, page = f.post(t, "/status/unsubscribe/tok1", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "ada@example.com will receive no more e-mails from Acme.") {
		t.Fatalf("POST unsubscribe: HTTP %d\n%s", resp.StatusCode, page)
	}
	// RFC 8058: the mailbox provider POSTs this body, with nothing else.
	resp, _ = f.post(t, "/status/unsubscribe/tok2", url.Values{"List-Unsubscribe": {"One-Click"}})
	if resp.StatusCode != 200 || f.store.subs["tok2"] != nil {
		t.Fatalf("one-click: HTTP %d, still subscribed: %v", resp.StatusCode, f.store.subs["tok2"] != nil)
	}
	// A webhook's page shows its host, not its path.
	_, page = f.get(t, "/status/unsubscribe/tok3")
	if !strings.Contains(page, "hooks.example.com") || strings.Contains(page, "secret-path") {
		t.Errorf("webhook unsubscribe page:\n%s", page)
	}
	// Twice: the link does not work any more, and says why it may be.
	resp, page = f.post(t, "/status/unsubscribe/tok1", nil)
	if resp.StatusCode != 404 || !strings.Contains(page, "This link does not work") {
		t.Errorf("second unsubscribe: HTTP %d\n%s", resp.StatusCode, page)
	}
}

func TestBadLinks(t *testing.T) {
	f := startSubscriptions(t, nil)
	for _, p := range []string{"/status/confirm/nosuch", "/status/unsubscribe/nosuch", "/status/confirm/" + strings.Repeat("a", 200), "/status/unsubscribe/a%20b"} {
		for _, method := range []string{"GET", "POST"} {
			var resp *http.Response
			var page string
			if method == "GET" {
				resp, page = f.get(t, p)
			} else {
				resp, page = f.post(t, p, nil)
			}
			if resp.StatusCode != 404 || !strings.Contains(page, "This link does not work") {
				t.Errorf("%s %s: HTTP %d\n%s", method, p, resp.StatusCode, page)
			}
		}
	}
	if f.store.lookups != 4 {
		t.Errorf("%d store lookups, want 4 (tokens that cannot be one are not looked up)", f.store.lookups)
	}
}

func TestSubscriptionPagesInFrench(t *testing.T) {
	f := startSubscriptions(t, func(s *tocsin.StatusSnapshot) { s.Page.Language = "fr" })
	f.store.add(tocsin.Subscriber{ID: 1, Kind: tocsin.SubscriberEmail, Address: "ada@example.com", Token: "tok1"})
	_, page := f.post(t, "/status/subscribe", url.Values{"email": {"ada@example.com"}})
	if !strings.Contains(page, `<html lang="fr">`) || !strings.Contains(page, "Consultez votre messagerie") {
		t.Errorf("subscribe answer:\n%s", page)
	}
	if f.store.added[0].Locale != "fr" {
		t.Errorf("subscriber's language %q, want fr", f.store.added[0].Locale)
	}
	_, page = f.post(t, "/status/subscribe", url.Values{"email": {"pas une adresse"}})
	if !strings.Contains(page, "«\u00a0pas une adresse\u00a0» n’est pas une adresse e-mail.") {
		t.Errorf("bad address:\n%s", page)
	}
	_, page = f.get(t, "/status/confirm/tok1")
	if !strings.Contains(page, "Confirmer mon abonnement") || !strings.Contains(page, "Sujets\u00a0: toute la page.") {
		t.Errorf("confirm page:\n%s", page)
	}
	// The page's name is quoted, never elided ("de Acme"): it may start with a vowel.
	if !strings.Contains(page, "un incident de la page «\u00a0Acme\u00a0» est ouvert") {
		t.Errorf("confirm page names the page:\n%s", page)
	}
	_, page = f.get(t, "/status/unsubscribe/tok1")
	if !strings.Contains(page, "Ne plus envoyer les mises à jour de la page «\u00a0Acme\u00a0» à ada@example.com\u00a0?") || strings.Contains(page, "de Acme") {
		t.Errorf("unsubscribe page:\n%s", page)
	}
	_, page = f.post(t, "/status/unsubscribe/tok1", nil)
	if !strings.Contains(page, "ada@example.com ne recevra plus d’e-mails de la page «\u00a0Acme\u00a0».") {
		t.Errorf("unsubscribed page:\n%s", page)
	}
	// A form too large gets the page's own styled answer, in its language.
	resp, page := f.post(t, "/status/subscribe", url.Values{"email": {strings.Repeat("a", 20000) + "@example.com"}})
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(page, `<html lang="fr">`) ||
		!strings.Contains(page, "Le formulaire envoyé est trop long pour être lu") || !strings.Contains(page, `<form method="post" action="subscribe">`) {
		t.Errorf("a huge form: HTTP %d\n%s", resp.StatusCode, page)
	}
}

// TestSubscribeEmptyComponent: a form sending component= with no value
// (a script, an old page) subscribes to the whole page.
func TestSubscribeEmptyComponent(t *testing.T) {
	f := startSubscriptions(t, nil)
	resp, page := f.post(t, "/status/subscribe", url.Values{"email": {"ada@example.com"}, "component": {"", " "}})
	if resp.StatusCode != 200 || len(f.store.added) != 1 || len(f.store.added[0].ComponentIDs) != 0 {
		t.Fatalf("HTTP %d, stored %+v\n%s", resp.StatusCode, f.store.added, page)
	}
	resp, _ = f.post(t, "/status/subscribe", url.Values{"email": {"bob@example.com"}, "component": {"", "cmp00000api1"}})
	if resp.StatusCode != 200 || len(f.store.added) != 2 || !slices.Equal(f.store.added[1].ComponentIDs, []int64{2}) {
		t.Fatalf("with a component too: HTTP %d, stored %+v", resp.StatusCode, f.store.added)
	}
}

// TestSubscribeRateLimitCountsAccepted: requests refused for their input
// (a typo) do not use up the hour's ten subscriptions.
func TestSubscribeRateLimitCountsAccepted(t *testing.T) {
	f := startSubscriptions(t, nil)
	for i := range 15 {
		form := url.Values{"email": {"not an address"}}
		if i%3 == 1 {
			form = url.Values{"email": {"ada@example.com"}, "component": {"nosuchthing1"}}
		}
		if resp, _ := f.post(t, "/status/subscribe", form); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad request %d: HTTP %d, want 400", i+1, resp.StatusCode)
		}
	}
	for i := range 10 {
		if resp, page := f.post(t, "/status/subscribe", url.Values{"email": {"a" + string(rune('a'+i)) + "@example.com"}}); resp.StatusCode != 200 {
			t.Fatalf("good request %d after 15 refused ones: HTTP %d\n%s", i+1, resp.StatusCode, page)
		}
	}
	if resp, _ := f.post(t, "/status/subscribe", url.Values{"email": {"eleventh@example.com"}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("11th accepted request in an hour: HTTP %d, want 429", resp.StatusCode)
	}
	// Once at the limit, even a bad request is told to wait.
	if resp, _ := f.post(t, "/status/subscribe", url.Values{"email": {"typo"}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a bad request at the limit: HTTP %d, want 429", resp.StatusCode)
	}
}

func TestSubscriptionsBeforeFirstRenderAndStoreDown(t *testing.T) {
	store := newFakeSubscriptions()
	s, err := New(&fakeSource{snap: fixture(), version: 1}, Config{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	s.HandleSubscriptions(SubscribeOptions{Store: store})
	hs := httptest.NewServer(s)
	defer hs.Close()
	resp, _ := http.PostForm(hs.URL+"/subscribe", url.Values{"email": {"ada@example.com"}})
	resp.Body.Close()
	if resp.StatusCode != 503 || len(store.added) != 0 {
		t.Fatalf("before the first render: HTTP %d", resp.StatusCode)
	}
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	store.failLater = context.DeadlineExceeded
	resp, err = http.PostForm(hs.URL+"/subscribe", url.Values{"email": {"ada@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	io.Copy(&b, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(b.String(), "nothing was changed") || strings.Contains(b.String(), "deadline") {
		t.Errorf("store down: HTTP %d\n%s", resp.StatusCode, b.String())
	}
}

// Without an SMTP relay the page must not promise an e-mail: it offers its
// feeds, and a form posted anyway (a copy of the page rendered before) is
// told that nothing was saved.
func TestSubscribeWithoutEmail(t *testing.T) {
	f := startSubscriptions(t, func(s *tocsin.StatusSnapshot) { s.NoEmail = true })
	index := string(f.srv.Bundle().File("index.html").Body)
	if strings.Contains(index, `action="subscribe"`) || strings.Contains(index, `name="email"`) {
		t.Errorf("the page offers an e-mail form although it sends no e-mail:\n%s", index)
	}
	for _, want := range []string{`<h2 id="h-subscribe">Get updates</h2>`, "Follow this page in a feed reader", `<p class="feeds"><a href="history.rss">RSS feed</a> <a href="history.atom">Atom feed</a></p>`,
		`<a class="follow" href="index.html#h-subscribe">Get updates</a>`} {
		if !strings.Contains(index, want) {
			t.Errorf("the page lacks %q", want)
		}
	}

	resp, page := f.post(t, "/status/subscribe", url.Values{"email": {"ada@example.com"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "This page sends no e-mail: nothing was saved.") || strings.Contains(page, "Check your inbox") ||
		!strings.Contains(page, `<a href="history.rss">RSS feed</a>`) {
		t.Errorf("subscribe without e-mail: HTTP %d\n%s", resp.StatusCode, page)
	}
	if len(f.store.added) != 0 || f.wakes != 0 {
		t.Errorf("stored %d subscriptions and woke the engine %d times", len(f.store.added), f.wakes)
	}

	// In French.
	f = startSubscriptions(t, func(s *tocsin.StatusSnapshot) { s.NoEmail, s.Page.Language = true, "fr" })
	index = string(f.srv.Bundle().File("index.html").Body)
	if !strings.Contains(index, "Suivez cette page dans un lecteur de flux\u00a0: ses flux RSS et Atom") || !strings.Contains(index, `<a href="history.atom">Flux Atom</a>`) {
		t.Errorf("the French page offers no feeds:\n%s", index)
	}
	_, page = f.post(t, "/status/subscribe", url.Values{"email": {"ada@example.com"}})
	if !strings.Contains(page, "Cette page n’envoie pas d’e-mails\u00a0: rien n’a été enregistré.") {
		t.Errorf("French answer without e-mail:\n%s", page)
	}
}

// The subscription addresses exist: another method gets 405 and the
// methods they take, not the 404 page.
func TestSubscriptionAddressesOtherMethods(t *testing.T) {
	f := startSubscriptions(t, nil)
	for _, path := range []string{"/status/subscribe", "/status/confirm/abc", "/status/unsubscribe/abc"} {
		for _, method := range []string{"PUT", "DELETE", "PATCH"} {
			resp, body := get(t, method, f.hs.URL+path)
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD, POST, OPTIONS" || !strings.Contains(string(body), "takes GET or POST") {
				t.Errorf("%s %s: HTTP %d, Allow %q\n%s", method, path, resp.StatusCode, resp.Header.Get("Allow"), body)
			}
		}
		if resp, _ := get(t, "OPTIONS", f.hs.URL+path); resp.StatusCode != http.StatusNoContent || resp.Header.Get("Allow") != "GET, HEAD, POST, OPTIONS" {
			t.Errorf("OPTIONS %s: HTTP %d, Allow %q", path, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	if f.store.lookups != 0 || len(f.store.added) != 0 {
		t.Errorf("another method reached the store: %d look-ups, %d subscriptions", f.store.lookups, len(f.store.added))
	}
	// The methods they take still work.
	if resp, _ := f.get(t, "/status/confirm/abc"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET of an unknown confirmation link: HTTP %d, want its 404 page", resp.StatusCode)
	}
}
