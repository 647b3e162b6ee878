package web

import (
	"net/http"
	"time"

	"github.com/tocsin/tocsin"
)

// ackPage is the confirmation page an acknowledgement link of an e-mail or
// a push opens: the alert, and buttons that act on it as the person the
// link was made for.
type ackPage struct {
	*view
	Alert *tocsin.Alert
	For   *tocsin.User   // the person the link names
	Via   tocsin.Channel // how the link reached them: recorded with the action
	Key   string         // the token, for the form's action
}

// ackLink checks the link's token and loads what it names. Any failure (a
// forged, damaged or expired token, a deleted user or alert, a user who may
// no longer respond) ends in the same 404, so the page tells nothing about
// which. Pages of this link are never cached and send no Referer: the token
// is a credential.
func (h *Handler) ackLink(w http.ResponseWriter, r *http.Request) (*ackPage, bool) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	v := h.newView(w, r, h.optionalUser(r))
	p := &ackPage{view: v, Key: r.PathValue("key")}
	invalid := func() (*ackPage, bool) {
		h.showError(w, r, v, http.StatusNotFound, v.T("ack_link.invalid"))
		return nil, false
	}
	if len(p.Key) > 200 {
		return invalid()
	}
	link, err := h.opts.Links.Verify(p.Key, h.opts.Clock.Now())
	if err != nil || len(h.opts.Links.Key) == 0 {
		return invalid()
	}
	p.Via = link.Via
	if p.For, err = h.opts.DB.User(r.Context(), link.UserID); err != nil || !p.For.Role.CanRespond() {
		if err != nil && tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			h.internalError(w, r, err)
			return nil, false
		}
		return invalid()
	}
	if p.Alert, err = h.opts.DB.Alert(r.Context(), link.AlertID); err != nil {
		if tocsin.ErrorCode(err) != tocsin.ENOTFOUND {
			h.internalError(w, r, err)
			return nil, false
		}
		return invalid()
	}
	// The page speaks the language of the person paged, in their time zone.
	v.Lang = h.i18n.pick(p.For.Locale, r.Header.Get("Accept-Language"))
	if loc, err := time.LoadLocation(p.For.Timezone); err == nil {
		v.tz = loc
	}
	return p, true
}

// ackShow serves GET /ack/{key}. It changes nothing: mail scanners and link
// previews fetch links, and must not acknowledge by doing so.
func (h *Handler) ackShow(w http.ResponseWriter, r *http.Request) {
	p, ok := h.ackLink(w, r)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, "ack_show", p)
}
