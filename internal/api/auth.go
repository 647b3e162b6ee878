package api

import (
	"net/http"
	"strings"

	"github.com/tocsin/tocsin"
)

// serve wraps a route: it authenticates the bearer token, checks the role,
// runs the handler and turns its error into a JSON reply.
func (h *Handler) serve(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store") // replies may carry keys and tokens
		var u *tocsin.User
		if rt.role != public {
			var err error
			if u, err = h.authenticate(r); err != nil {
				h.fail(w, r, nil, err)
				return
			}
			if err := allowed(u, rt.role); err != nil {
				h.fail(w, r, u, err)
				return
			}
		}
		if err := rt.handle(w, r, u); err != nil {
			h.fail(w, r, u, err)
		}
	})
}

// authenticate returns the user of the request's bearer token.
func (h *Handler) authenticate(r *http.Request) (*tocsin.User, error) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return nil, tocsin.Errorf(tocsin.EUNAUTHORIZED, "missing API token: send the header \"Authorization: Bearer <token>\" (create a token with `tocsin token create` or on your profile page)")
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, tocsin.Errorf(tocsin.EUNAUTHORIZED, "the Authorization header must be \"Bearer <token>\"")
	}
	token = strings.TrimSpace(token)
	if token == "" || len(token) > 200 {
		return nil, tocsin.Errorf(tocsin.EUNAUTHORIZED, "API token unknown or revoked")
	}
	u, err := h.opts.DB.APITokenUser(r.Context(), token, h.opts.Clock.Now())
	if err != nil {
		if tocsin.ErrorCode(err) == tocsin.ENOTFOUND {
			return nil, tocsin.Errorf(tocsin.EUNAUTHORIZED, "API token unknown or revoked")
		}
		return nil, err
	}
	return u, nil
}

// allowed checks that a user's role reaches the role a route needs.
func allowed(u *tocsin.User, need tocsin.Role) error {
	switch need {
	case tocsin.RoleAdmin:
		if !u.Role.CanConfigure() {
			return tocsin.Errorf(tocsin.EFORBIDDEN, "only admins may do this; your role is %s", u.Role)
		}
	case tocsin.RoleMember:
		if !u.Role.CanRespond() {
			return tocsin.Errorf(tocsin.EFORBIDDEN, "viewers may read but not change anything; this needs the member or admin role (yours is %s)", u.Role)
		}
	}
	return nil
}
