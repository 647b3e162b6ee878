package statuspage

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// The subscription pages, beside the pre-rendered page: the form posts to
// "subscribe"; e-mails link to "confirm/{token}" and "unsubscribe/{token}".
// A GET only shows a page with a button, and the POST of that button acts:
// mail scanners that follow every link must not confirm or unsubscribe
// anyone. "unsubscribe/{token}" also takes RFC 8058's one-click POST.

// Subscriptions is what the subscription pages ask of the store: *store.DB.
type Subscriptions interface {
	Subscribe(ctx context.Context, s *tocsin.Subscriber, now time.Time) error
	ConfirmSubscriber(ctx context.Context, token string, now time.Time) (*tocsin.Subscriber, error)
	Unsubscribe(ctx context.Context, token string, now time.Time) (*tocsin.Subscriber, error)
	SubscriberByToken(ctx context.Context, token string) (*tocsin.Subscriber, error)
}

// SubscribeOptions configure the subscription pages.
type SubscribeOptions struct {
	Store Subscriptions
	// Wake is called after a confirmation e-mail was queued (the engine
	// sends it at once); may be nil.
	Wake func()
	// PerHour is how many subscribe requests one client network may make
	// in an hour; 10 when zero.
	PerHour int
	// ClientIP names the client a request comes from, for the limit; nil:
	// the connection's address (an IPv6 client by its /64). Behind a
	// reverse proxy, pass one that reads the header the proxy sets.
	ClientIP func(*http.Request) string
}

// HandleSubscriptions adds the subscription pages to the server.
func (s *Server) HandleSubscriptions(opts SubscribeOptions) {
	if opts.PerHour <= 0 {
		opts.PerHour = 10
	}
	if opts.ClientIP == nil {
		opts.ClientIP = remoteNetwork
	}
	h := &subscriptions{srv: s, opts: opts, limit: newSubscribeLimiter(opts.PerHour, time.Hour)}
	s.Handle("POST /subscribe", http.HandlerFunc(h.subscribe))
	// A reload after the POST, or a typed address: the form is on the page.
	s.Handle("GET /subscribe", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "index.html#h-subscribe")
		w.WriteHeader(http.StatusSeeOther)
	}))
	s.Handle("GET /confirm/{token}", http.HandlerFunc(h.showConfirm))
	s.Handle("POST /confirm/{token}", http.HandlerFunc(h.confirm))
	s.Handle("GET /unsubscribe/{token}", http.HandlerFunc(h.showUnsubscribe))
	s.Handle("POST /unsubscribe/{token}", http.HandlerFunc(h.unsubscribe))
	for _, path := range []string{"/subscribe", "/confirm/{token}", "/unsubscribe/{token}"} {
		s.Handle(path, http.HandlerFunc(onlyGetAndPost))
	}
}

// onlyGetAndPost answers a subscription address asked with another method:
// the address exists, so the methods it takes, and 405 but for OPTIONS.
func onlyGetAndPost(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET, HEAD, POST, OPTIONS")
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Error(w, "Method not allowed: this address takes GET or POST.", http.StatusMethodNotAllowed)
}

type subscriptions struct {
	srv   *Server
	opts  SubscribeOptions
	limit *subscribeLimiter
}

// subscriptionView is one subscription page: the page's header and footer
// around a heading, sentences, and a form with one button.
type subscriptionView struct {
	*pageView
	S       *subscribeWords
	Heading string
	Error   string
	Lines   []string
	// Feeds: links to the page's feeds, when it sends no e-mail.
	Feeds bool
	// Form: the subscribe form again (after a mistake), with what was typed.
	Form    bool
	Email   string
	Choices []subscribeChoice
	// Action and Button: a form posting to Action (relative), or none.
	Action string
	Button string
}

// heading names the page: its heading and its window's title.
func (v *subscriptionView) heading(h string) {
	v.Heading, v.Title = h, h+" – "+v.Name
}

type subscribeChoice struct {
	PublicID string
	Name     string
	Checked  bool
}

// maxSubscribeForm bounds the subscribe form's body: an address and up to
// MaxSubscriberComponents ids fit many times over.
const maxSubscribeForm = 16 << 10

// view starts a page at a depth of path (its links lead back to the root),
// or returns nil before the page's first render.
func (h *subscriptions) view(depth int, title string) (*subscriptionView, *model) {
	b := h.srv.Bundle()
	if b == nil || b.Snapshot == nil {
		return nil, nil
	}
	m := newModel(b.Snapshot, Options{})
	return &subscriptionView{pageView: m.baseView(strings.Repeat("../", depth), title), S: subscribeWordsFor(m.w.Lang)}, m
}

func (h *subscriptions) render(w http.ResponseWriter, status int, v *subscriptionView) {
	var buf bytes.Buffer
	if err := h.srv.render.tmpl.ExecuteTemplate(&buf, "subscription", v); err != nil {
		h.srv.cfg.Logger.Error("status page: subscription page", "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", pageCSP(""))
	hd.Set("X-Content-Type-Options", "nosniff")
	// The address and the token are the subscriber's: kept by no cache, and
	// the token sent to no other site.
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Robots-Tag", "noindex")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// starting answers before the page's first render, as the page does.
func starting(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "5")
	http.Error(w, "The status page is starting; try again in a few seconds.", http.StatusServiceUnavailable)
}

// unavailable says the store failed: nothing was changed, try later.
func (h *subscriptions) unavailable(w http.ResponseWriter, v *subscriptionView, err error) {
	h.srv.cfg.Logger.Error("status page: subscription", "err", err)
	v.heading(v.W.Subscribe)
	v.Error = v.S.Unavailable
	w.Header().Set("Retry-After", "60")
	h.render(w, http.StatusServiceUnavailable, v)
}

// choices lists the components the page's form offers, ticked as chosen.
func choices(m *model, chosen map[string]bool) []subscribeChoice {
	var out []subscribeChoice
	for _, r := range m.rows() {
		rows := []*componentRow{r}
		if r.Group {
			rows = r.Children
		}
		for _, c := range rows {
			out = append(out, subscribeChoice{PublicID: c.PublicID, Name: c.Name, Checked: chosen[c.PublicID]})
		}
	}
	return out
}

func (h *subscriptions) subscribe(w http.ResponseWriter, r *http.Request) {
	v, m := h.view(0, "")
	if v == nil {
		starting(w)
		return
	}
	v.heading(v.W.Subscribe)
	if m.snap.NoEmail {
		// A copy of the page rendered elsewhere, or before the relay was
		// removed, may still post here: no promise of a message.
		v.Error, v.Feeds = v.S.NoEmailSent, true
		h.render(w, http.StatusForbidden, v)
		return
	}
	var email string
	chosen := map[string]bool{}
	again := func(status int, msg string) {
		v.Error, v.Form, v.Email, v.Choices = msg, true, email, choices(m, chosen)
		v.Action, v.Button = "subscribe", v.W.SubscribeButton
		h.render(w, status, v)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSubscribeForm)
	err := r.ParseForm()
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		again(http.StatusRequestEntityTooLarge, v.S.TooLarge)
		return
	}
	if err != nil {
		again(http.StatusBadRequest, v.S.BadForm)
		return
	}
	email = strings.TrimSpace(r.PostForm.Get("email"))
	for _, id := range r.PostForm["component"] {
		if id = strings.TrimSpace(id); id != "" { // an empty value is no choice
			chosen[id] = true
		}
	}
	// The limit counts what reaches the store (and may send an e-mail):
	// a request refused for its input is given its place back, so that a
	// person correcting a typo is not locked out for an hour.
	client, now := h.opts.ClientIP(r), h.srv.cfg.Now()
	if ok, wait := h.limit.allow(client, now); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		again(http.StatusTooManyRequests, v.S.TooMany)
		return
	}
	refused := func(msg string) {
		h.limit.refund(client, now)
		again(http.StatusBadRequest, msg)
	}
	if email == "" {
		refused(v.S.NoEmail)
		return
	}
	sub := &tocsin.Subscriber{Kind: tocsin.SubscriberEmail, Address: email, Locale: m.w.Lang}
	if len(email) > 254 || sub.Validate() != nil {
		refused(fill(v.S.BadEmail, "email", cutText(email, 100)))
		return
	}
	ids := map[string]int64{}
	for _, c := range m.snap.Components {
		ids[c.PublicID] = c.ID
	}
	for id := range chosen {
		cid, ok := ids[id]
		if !ok {
			delete(chosen, id)
			refused(v.S.BadComponent)
			return
		}
		sub.ComponentIDs = append(sub.ComponentIDs, cid)
	}
	if err := h.opts.Store.Subscribe(r.Context(), sub, now); err != nil {
		if tocsin.ErrorCode(err) == tocsin.EINVALID {
			// A component deleted since the page was rendered, most likely.
			refused(tocsin.ErrorMessage(err))
			return
		}
		h.unavailable(w, v, err)
		return
	}
	if h.opts.Wake != nil {
		h.opts.Wake()
	}
	// The same answer whatever the address's state: it tells nobody who
	// is subscribed.
	v.heading(v.S.CheckInbox)
	v.Lines = []string{fill(v.S.CheckInboxText, "email", sub.Address), v.S.CheckSpam}
	h.render(w, http.StatusOK, v)
}

// token reads a link's token; anything that cannot be one is not looked up.
func token(r *http.Request) (string, bool) {
	t := r.PathValue("token")
	if t == "" || len(t) > 128 {
		return "", false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "", false
		}
	}
	return t, true
}

// linked starts the page of an e-mail's link and hands the link's token to
// act (a look-up, a confirmation, an unsubscription); ok is false once it
// answered (before the page's first render, a bad link, or a failure).
func (h *subscriptions) linked(w http.ResponseWriter, r *http.Request, act func(ctx context.Context, token string) (*tocsin.Subscriber, error)) (*subscriptionView, *model, *tocsin.Subscriber, bool) {
	v, m := h.view(1, "")
	if v == nil {
		starting(w)
		return nil, nil, nil, false
	}
	t, ok := token(r)
	if !ok {
		h.badLink(w, v)
		return nil, nil, nil, false
	}
	sub, err := act(r.Context(), t)
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		h.badLink(w, v)
		return nil, nil, nil, false
	}
	if err != nil {
		h.unavailable(w, v, err)
		return nil, nil, nil, false
	}
	return v, m, sub, true
}

func (h *subscriptions) badLink(w http.ResponseWriter, v *subscriptionView) {
	v.heading(v.S.BadLink)
	v.Lines = []string{v.S.BadLinkText, v.S.ResubscribeHint}
	h.render(w, http.StatusNotFound, v)
}

// about says what a subscriber hears about: the whole page, or components.
func about(m *model, sw *subscribeWords, sub *tocsin.Subscriber) string {
	if len(sub.ComponentIDs) == 0 {
		return fill(sw.About, "list", sw.WholePage)
	}
	var names []string
	for _, id := range sub.ComponentIDs {
		if c, ok := m.byID[id]; ok {
			names = append(names, c.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return fill(sw.About, "list", strings.Join(names, sw.ListSepar))
}

// shownAddress is how a page names a subscriber: the e-mail address, or a
// webhook's host (its path may hold a secret).
func shownAddress(sub *tocsin.Subscriber) string {
	if sub.Kind == tocsin.SubscriberWebhook {
		if u, err := url.Parse(sub.Address); err == nil && u.Host != "" {
			return u.Host
		}
	}
	return sub.Address
}

func (h *subscriptions) showConfirm(w http.ResponseWriter, r *http.Request) {
	v, m, sub, ok := h.linked(w, r, h.opts.Store.SubscriberByToken)
	if !ok {
		return
	}
	if !sub.ConfirmedAt.IsZero() {
		h.confirmed(w, v, m, sub)
		return
	}
	v.heading(v.S.ConfirmTitle)
	v.Lines = nonEmpty(fill(v.S.ConfirmText, "email", sub.Address, "page", v.Name), about(m, v.S, sub))
	v.Action, v.Button = sub.Token, v.S.ConfirmButton // relative: confirm/{token} itself
	h.render(w, http.StatusOK, v)
}

func (h *subscriptions) confirm(w http.ResponseWriter, r *http.Request) {
	v, m, sub, ok := h.linked(w, r, func(ctx context.Context, t string) (*tocsin.Subscriber, error) {
		return h.opts.Store.ConfirmSubscriber(ctx, t, h.srv.cfg.Now())
	})
	if ok {
		h.confirmed(w, v, m, sub)
	}
}

func (h *subscriptions) confirmed(w http.ResponseWriter, v *subscriptionView, m *model, sub *tocsin.Subscriber) {
	v.heading(v.S.Confirmed)
	text := fill(v.S.ConfirmedText, "email", sub.Address, "page", v.Name)
	if sub.Kind == tocsin.SubscriberWebhook {
		text = fill(v.S.ConfirmedWebhook, "page", v.Name)
	}
	v.Lines = nonEmpty(text, about(m, v.S, sub))
	h.render(w, http.StatusOK, v)
}

func (h *subscriptions) showUnsubscribe(w http.ResponseWriter, r *http.Request) {
	v, _, sub, ok := h.linked(w, r, h.opts.Store.SubscriberByToken)
	if !ok {
		return
	}
	v.heading(v.S.Unsubscribe)
	v.Lines = []string{fill(v.S.UnsubscribeText, "page", v.Name, "email", shownAddress(sub))}
	v.Action, v.Button = sub.Token, v.S.UnsubscribeButton
	h.render(w, http.StatusOK, v)
}

// unsubscribe answers the page's button and RFC 8058's one-click POST
// (body "List-Unsubscribe=One-Click", sent by the mailbox provider with no
// cookie and no page): both unsubscribe, and get the same page.
func (h *subscriptions) unsubscribe(w http.ResponseWriter, r *http.Request) {
	v, _, sub, ok := h.linked(w, r, func(ctx context.Context, t string) (*tocsin.Subscriber, error) {
		return h.opts.Store.Unsubscribe(ctx, t, h.srv.cfg.Now())
	})
	if !ok {
		return
	}
	v.heading(v.S.Unsubscribed)
	text := fill(v.S.UnsubscribedText, "email", sub.Address, "page", v.Name)
	if sub.Kind == tocsin.SubscriberWebhook {
		text = fill(v.S.UnsubscribedWebhook, "email", shownAddress(sub), "page", v.Name)
	}
	v.Lines = []string{text, v.S.ResubscribeHint}
	h.render(w, http.StatusOK, v)
}

func nonEmpty(lines ...string) []string {
	var out []string
	for _, l := range lines {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// cutText shortens what a person typed before it is shown back.
func cutText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
