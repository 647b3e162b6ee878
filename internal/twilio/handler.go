package twilio

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/store"
)

// Options are what the Twilio endpoints need.
type Options struct {
	DB        *store.DB
	Clock     tocsin.Clock
	Log       *slog.Logger
	PublicURL string // the URL Twilio calls, without the path: signatures are checked against it, never against Host
	AuthToken string // empty: Twilio is not configured, every endpoint answers 404
	Fallback  string // E.164 number dialled when nobody on call answers or can be reached; empty: none
	Ring      int    // seconds each person's phone rings
	Wake      func() // an alert changed through a reply or a keypress: the engine acts at once; may be nil
}

// Handler serves Twilio's webhooks for the on-call number.
type Handler struct {
	opts Options
}

// New returns the handler.
func New(opts Options) *Handler {
	if opts.Clock == nil {
		opts.Clock = tocsin.SystemClock{}
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	return &Handler{opts: opts}
}

// Routes registers the webhooks. Twilio posts forms without an Origin, and
// the signature is their protection: no CrossOriginProtection here.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /twilio/voice/oncall/{schedule}", h.voice)
	mux.HandleFunc("POST /twilio/voice/oncall/{schedule}/next", h.voiceNext)
	mux.HandleFunc("POST /twilio/sms/oncall/{schedule}", h.sms)
	// Pages: the call's script and its keys, and replies to paging SMS.
	mux.HandleFunc("POST /twilio/voice/page/{notification}", h.pageCall)
	mux.HandleFunc("POST /twilio/voice/page/{notification}/keys", h.pageKeys)
	mux.HandleFunc("POST /twilio/sms/reply", h.smsReply)
	// Calls about no alert: verification codes, tests, reminders (message_call.go).
	mux.HandleFunc("POST /twilio/voice/message/{notification}", h.messageCall)
}

// maxFormBytes bounds a webhook's body: Twilio's are a few hundred bytes.
const maxFormBytes = 64 << 10

// maxAttempts bounds ?attempt=: the person on call, one per layer, the fallback.
const maxAttempts = tocsin.MaxLayers + 2

// accept checks a webhook before anything is read from the database: Twilio
// configured, form readable, signature right, schedule known. It answers the
// refusal itself (plain text, never TwiML) and returns ok=false then.
func (h *Handler) accept(w http.ResponseWriter, r *http.Request) (params url.Values, s *tocsin.Schedule, ok bool) {
	if params, ok = h.signed(w, r); !ok {
		return nil, nil, false
	}
	s, err := h.schedule(r.Context(), r.PathValue("schedule"))
	if err != nil {
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			plain(w, http.StatusNotFound, tocsin.ErrorMessage(err))
		} else {
			h.unavailable(w, r, err)
		}
		return nil, nil, false
	}
	return r.PostForm, s, true
}

// signed checks what every webhook shares: Twilio configured, form readable,
// signature right. It answers the refusal itself (plain text) and returns
// ok=false then.
func (h *Handler) signed(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if h.opts.AuthToken == "" {
		plain(w, http.StatusNotFound, "Twilio is not configured on this Tocsin: set TOCSIN_TWILIO_AUTH_TOKEN (see docs/twilio.md).")
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		plain(w, http.StatusBadRequest, "The request body is not a readable form.")
		return nil, false
	}
	signature := r.Header.Get(SignatureHeader)
	if signature == "" {
		plain(w, http.StatusForbidden, "Missing "+SignatureHeader+".")
		return nil, false
	}
	if !ValidSignature(h.opts.AuthToken, signature, h.signedURL(r), r.PostForm) {
		h.opts.Log.Warn("twilio: signature does not match", "path", r.URL.Path)
		plain(w, http.StatusForbidden, SignatureHeader+" does not match: check the auth token, and that --public-url is the URL Twilio calls.")
		return nil, false
	}
	return r.PostForm, true
}

// signedURL is the URL Twilio called, as it sees it: the public URL (Tocsin
// sits behind proxies, so never Host) and the request target as sent.
func (h *Handler) signedURL(r *http.Request) string {
	target := r.RequestURI
	if !strings.HasPrefix(target, "/") {
		target = r.URL.RequestURI()
	}
	return h.opts.PublicURL + target
}

// schedule finds a schedule by id or by name.
func (h *Handler) schedule(ctx context.Context, ref string) (*tocsin.Schedule, error) {
	if len(ref) > 100 {
		return nil, tocsin.Errorf(tocsin.ENOTFOUND, "schedule not found")
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		return h.opts.DB.Schedule(ctx, id)
	}
	return h.opts.DB.ScheduleByName(ctx, ref)
}

// unavailable answers an internal failure with 503: Twilio then calls the
// number's fallback URL, which does not depend on this instance.
func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	h.opts.Log.Error("twilio: on-call number", "path", r.URL.Path, "err", err)
	plain(w, http.StatusServiceUnavailable, "Tocsin cannot answer right now.")
}

// plain writes a refusal as text.
func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// callerID is the caller's number when it can be shown to the person
// dialled ("anonymous", "client:…" cannot): Twilio allows passing it through.
// Withheld numbers arrive as markers that look like numbers: they are not passed on.
func callerID(from string) string {
	switch from {
	case "+266696687", "+86282452253", "+8656696", "+2562533", "+7378742833": // ANONYMOUS, UNKNOWN, UNAVAILABLE, BLOCKED, RESTRICTED
		return ""
	}
	if e164, err := tocsin.NormalizePhone(from); err == nil && e164 == from {
		return from
	}
	return ""
}
