package web

import (
	"net/http"
	"strings"

	"github.com/tocsin/tocsin"
)

// maxEmailLines bounds the addresses one form adds: each is a transaction
// and a confirmation e-mail.
const maxEmailLines = 500

// maxBadLinesShown bounds the refused lines a refusal lists.
const maxBadLinesShown = 20

// statusEmailsForm is the input of the add-e-mail-addresses form.
type statusEmailsForm struct {
	Addresses string
	Picked    idSet
	Error     string
	BadLines  []badEmailLine // shown under Error
	MoreBad   int            // refused lines beyond those listed
}

// badEmailLine is a line of the form that is not an e-mail address.
type badEmailLine struct {
	Line int // 1-based, blank lines counted, as the textarea shows them
	Text string
}

// statusSubscriberEmails serves POST /statuspage/subscribers/emails: e-mail
// addresses, one per line, each sent the confirmation e-mail a customer
// subscribing from the page gets. Nobody is subscribed without confirming.
// Every line is checked before any is added: one wrong line adds nothing.
func (h *Handler) statusSubscriberEmails(w http.ResponseWriter, r *http.Request, v *view) {
	if err := r.ParseForm(); err != nil {
		h.showError(w, r, v, http.StatusBadRequest, v.T("error.bad_form"))
		return
	}
	ctx := r.Context()
	form := statusEmailsForm{Addresses: strings.TrimRight(r.PostFormValue("addresses"), " \t\r\n")}
	refuse := func(status int, message string) {
		form.Error = message
		h.renderStatusSubscribers(w, r, v, status, &statusSubscribersPage{view: v, Emails: form})
	}
	if !h.offers(tocsin.ContactEmail) {
		// No relay: the confirmations would fail, and never be sent again.
		refuse(http.StatusConflict, v.T("status_admin.add_subscribers.err_no_relay"))
		return
	}
	ids, err := formIDs(r, "component", "component")
	form.Picked = newIDSet(ids)
	if err != nil {
		refuse(http.StatusBadRequest, tocsin.ErrorMessage(err))
		return
	}
	addresses, bad, n := readEmailLines(r.PostFormValue("addresses"))
	switch {
	case n == 0:
		refuse(http.StatusBadRequest, v.T("status_admin.add_subscribers.err_no_address"))
		return
	case n > maxEmailLines:
		refuse(http.StatusBadRequest, v.T("status_admin.add_subscribers.err_too_many", "Max", maxEmailLines, "Count", n))
		return
	case len(bad) > 0:
		if len(bad) > maxBadLinesShown {
			form.BadLines, form.MoreBad = bad[:maxBadLinesShown], len(bad)-maxBadLinesShown
		} else {
			form.BadLines = bad
		}
		refuse(http.StatusBadRequest, v.N("status_admin.add_subscribers.err_bad_lines", len(bad)))
		return
	}

	// An address on the list already is left as it is: pasting a list twice
	// mails nobody twice, and a confirmed subscriber keeps their choice.
	existing, err := h.opts.DB.Subscribers(ctx)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	known := map[string]bool{}
	for _, s := range existing {
		if s.Kind == tocsin.SubscriberEmail {
			known[s.Address] = true
		}
	}
	added, already := 0, 0
	now := h.opts.Clock.Now()
	for _, a := range addresses {
		if known[a] {
			already++
			continue
		}
		s := &tocsin.Subscriber{Kind: tocsin.SubscriberEmail, Address: a, ComponentIDs: ids}
		switch err := h.opts.DB.Subscribe(ctx, s, now); {
		case err == nil:
			added++
		case added == 0 && tocsin.ErrorCode(err) == tocsin.EINVALID:
			// A picked component deleted meanwhile: the first refuses, nothing added.
			refuse(http.StatusBadRequest, tocsin.ErrorMessage(err))
			return
		default:
			h.fail(w, r, v, err)
			return
		}
	}
	message := v.T("status_admin.add_subscribers.emails_none_added")
	if added > 0 {
		message = v.N("status_admin.add_subscribers.emails_added", added)
		if already > 0 {
			message += " " + v.N("status_admin.add_subscribers.emails_already", already)
		}
	}
	h.setFlash(w, false, message)
	redirect(w, r, "/statuspage/subscribers")
}

// readEmailLines reads the form's textarea: the distinct addresses
// (normalised as the store keeps them), the lines that are not addresses,
// and how many lines were not blank.
func readEmailLines(text string) (addresses []string, bad []badEmailLine, n int) {
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if n++; n > maxEmailLines {
			continue // counted only: the whole list is refused
		}
		s := tocsin.Subscriber{Kind: tocsin.SubscriberEmail, Address: line}
		if s.Validate() != nil {
			bad = append(bad, badEmailLine{Line: i + 1, Text: clip(line, 100)})
			continue
		}
		if !seen[s.Address] {
			seen[s.Address] = true
			addresses = append(addresses, s.Address)
		}
	}
	return addresses, bad, n
}
