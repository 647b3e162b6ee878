package web

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// tokenCreate serves POST /profile/tokens: a bearer token for the API, shown
// once in the answer (only its hash is kept).
func (h *Handler) tokenCreate(w http.ResponseWriter, r *http.Request, v *view) {
	name := formValue(r, "token_name")
	_, token, err := h.opts.DB.CreateAPIToken(r.Context(), v.User.ID, name, h.opts.Clock.Now())
	if err != nil {
		if tocsin.ErrorCode(err) == tocsin.EINVALID {
			h.renderProfile(w, r, v, http.StatusBadRequest, &profilePage{TokenName: name, TokenError: tocsin.ErrorMessage(err)})
			return
		}
		h.fail(w, r, v, err)
		return
	}
	h.renderProfile(w, r, v, http.StatusOK, &profilePage{NewToken: v.secretBox("token.created_title", "token.created_hint", token)})
}
