package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// tokenJSON is an API token as the API shows it: its prefix, never the token.
type tokenJSON struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Revoked    bool       `json:"revoked"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// createdTokenJSON is the reply of POST /tokens: the token is shown this once.
type createdTokenJSON struct {
	tokenJSON
	Token string `json:"token"`
}

func tokenToJSON(t *tocsin.APIToken) tokenJSON {
	return tokenJSON{ID: t.ID, UserID: t.UserID, Name: t.Name, Prefix: t.Prefix, Revoked: !t.RevokedAt.IsZero(),
		CreatedAt: t.CreatedAt.UTC(), LastUsedAt: when(t.LastUsedAt), RevokedAt: when(t.RevokedAt)}
}

func (h *Handler) listTokens(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	if err := unknownQuery(r); err != nil {
		return err
	}
	tokens, err := h.opts.DB.APITokens(r.Context(), u.ID)
	if err != nil {
		return err
	}
	out := make([]tokenJSON, len(tokens))
	for i, t := range tokens {
		out[i] = tokenToJSON(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
	return nil
}

// tokenInput is the body of POST /tokens.
type tokenInput struct {
	Name string `json:"name"`
}

func (h *Handler) createToken(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	var in tokenInput
	if err := decode(r, &in, true); err != nil {
		return err
	}
	t, token, err := h.opts.DB.CreateAPIToken(r.Context(), u.ID, strings.TrimSpace(in.Name), h.opts.Clock.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, createdTokenJSON{tokenJSON: tokenToJSON(t), Token: token})
	return nil
}

// revokeToken revokes one of the caller's tokens; admins may revoke anyone's.
func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	id, err := pathID(r, "token")
	if err != nil {
		return err
	}
	owner := u.ID
	if u.Role.CanConfigure() {
		owner = 0
	}
	if err := h.opts.DB.RevokeAPIToken(r.Context(), owner, id, h.opts.Clock.Now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
