// Package slackapp answers Slack when someone clicks a button of an alert
// message Tocsin posted: Acknowledge or Resolve, as the Tocsin user whose
// verified Slack contact method is the clicker's member id. The message
// itself changes through the engine, which rewrites it when the alert does.
package slackapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify/slack"
	"github.com/tocsin/tocsin/internal/store"
)

// Options are what the interaction endpoint needs.
type Options struct {
	DB            *store.DB
	Clock         tocsin.Clock
	Log           *slog.Logger
	SigningSecret string // empty: Slack is not configured, the endpoint answers 404
	Wake          func() // an alert changed: the engine acts at once; may be nil
	// Client posts the clicker's private answers to Slack's response_url;
	// nil: a client that gives up after responseTimeout.
	Client *http.Client
}

// responseTimeout bounds a post to response_url: Slack waits 3 s for the
// click's own answer, which is sent before, but a stuck post must not hold
// the request.
const responseTimeout = 2 * time.Second

// Handler serves Slack's interaction requests.
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
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: responseTimeout}
	}
	return &Handler{opts: opts}
}

// Routes registers the endpoint: the app's "Interactivity Request URL".
// Slack posts without an Origin; the signature is its protection.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /slack/interactions", h.interaction)
}

// Answers to clickers Tocsin cannot tell apart: English, as their language is not known.
const (
	unknownClicker = "Your Slack account is not linked to Tocsin: add your member id as a Slack contact method in your profile."
	severalUsers   = "Your Slack member id is a contact method of several Tocsin accounts: keep it on yours only."
)

// words are the clicker's private answers, in their language.
type words struct {
	mayNot, notFound string
}

func wordsFor(locale string) words {
	if locale == "fr" {
		return words{
			mayNot:   "Votre compte Tocsin ne permet pas d'acquitter ni de résoudre des alertes.",
			notFound: "L'alerte %d n'existe plus.",
		}
	}
	return words{
		mayNot:   "Your Tocsin account may not acknowledge or resolve alerts.",
		notFound: "Alert %d no longer exists.",
	}
}

// interaction serves POST /slack/interactions: a button click. Slack wants
// an empty 200 within 3 seconds; what the clicker alone should read (who
// they are not, what they may not do) goes to the click's response_url.
func (h *Handler) interaction(w http.ResponseWriter, r *http.Request) {
	if h.opts.SigningSecret == "" {
		plain(w, http.StatusNotFound, "Slack is not configured on this Tocsin: set the Slack signing secret (see docs/notifications.md).")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, slack.MaxInteractionBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			plain(w, http.StatusRequestEntityTooLarge, "The interaction is too large.")
		} else {
			plain(w, http.StatusBadRequest, "The interaction could not be read.")
		}
		return
	}
	ctx := r.Context()
	if err := slack.VerifyRequest(h.opts.SigningSecret, r.Header, body, h.opts.Clock.Now()); err != nil {
		h.opts.Log.Warn("slack: interaction refused", "err", err)
		plain(w, http.StatusUnauthorized, tocsin.ErrorMessage(err))
		return
	}
	i, err := slack.ParseInteraction(body)
	if err != nil {
		plain(w, http.StatusBadRequest, tocsin.ErrorMessage(err))
		return
	}
	var act tocsin.EventAction
	switch i.ActionID {
	case slack.ActionAck:
		act = tocsin.ActionAcknowledge
	case slack.ActionResolve:
		act = tocsin.ActionResolve
	default:
		// The link button, or a button of a message Tocsin no longer makes: nothing to do.
		w.WriteHeader(http.StatusOK)
		return
	}
	alertID, err := i.AlertID()
	if err != nil {
		plain(w, http.StatusBadRequest, tocsin.ErrorMessage(err))
		return
	}
	say, err := h.act(ctx, i, alertID, act)
	if err != nil {
		h.opts.Log.Error("slack: interaction", "alert", alertID, "err", err)
		plain(w, http.StatusInternalServerError, "Tocsin could not do it: try again, or act in Tocsin's web app.")
		return
	}
	w.WriteHeader(http.StatusOK)
	if say == "" || i.ResponseURL == "" {
		return
	}
	// Slack has its answer; the private one follows.
	http.NewResponseController(w).Flush()
	h.respond(ctx, i.ResponseURL, say)
}

// act acknowledges or resolves the alert as the clicker, and returns what
// to tell them privately, if anything.
func (h *Handler) act(ctx context.Context, i slack.Interaction, alertID int64, act tocsin.EventAction) (string, error) {
	u, err := h.opts.DB.UserByVerifiedContact(ctx, tocsin.ContactSlack, i.UserID)
	switch tocsin.ErrorCode(err) {
	case "":
	case tocsin.ENOTFOUND:
		return unknownClicker, nil
	case tocsin.ECONFLICT:
		return severalUsers, nil
	default:
		return "", err
	}
	w := wordsFor(u.Locale)
	if !u.Role.CanRespond() {
		return w.mayNot, nil
	}
	changed, err := h.opts.DB.ActOnAlerts(ctx, []int64{alertID}, store.AlertAction{Action: act, Actor: u.Name, UserID: u.ID, Channel: tocsin.ChannelSlack}, h.opts.Clock.Now())
	if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
		return fmt.Sprintf(w.notFound, alertID), nil
	}
	if err != nil {
		return "", err
	}
	// Unchanged (someone was faster): the message shows who, once rewritten.
	if len(changed) > 0 && h.opts.Wake != nil {
		h.opts.Wake()
	}
	return "", nil
}

// respond posts an ephemeral message, seen by the clicker alone, to the
// click's response_url. A failure is logged: the click itself was answered.
func (h *Handler) respond(ctx context.Context, responseURL, text string) {
	u, err := url.Parse(responseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		h.opts.Log.Warn("slack: response_url is not an http(s) URL")
		return
	}
	body, _ := json.Marshal(map[string]any{"response_type": "ephemeral", "replace_original": false, "text": text})
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), responseTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	res, err := h.opts.Client.Do(req)
	if err != nil {
		h.opts.Log.Warn("slack: response_url", "err", err)
		return
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 4<<10))
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		h.opts.Log.Warn("slack: response_url refused the answer", "status", res.StatusCode)
	}
}

// plain writes a refusal as text.
func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}
