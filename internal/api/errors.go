package api

import (
	"errors"
	"net/http"

	"github.com/tocsin/tocsin"
)

// errorReply is the one shape of every API error: {"error":{"code","message"}}.
type errorReply struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// statusOf maps a domain error code to its HTTP status: the only place that does.
func statusOf(code string) int {
	switch code {
	case tocsin.EINVALID:
		return http.StatusBadRequest
	case tocsin.ENOTFOUND:
		return http.StatusNotFound
	case tocsin.ECONFLICT:
		return http.StatusConflict
	case tocsin.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case tocsin.EFORBIDDEN:
		return http.StatusForbidden
	case tocsin.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case tocsin.ERATELIMITED:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// fail answers err as JSON. Internal errors are logged with the request's
// detail and shown to the client only as "Internal error.".
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, u *tocsin.User, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		err = tocsin.Errorf(tocsin.ETOOLARGE, "request body is larger than %d bytes", tooLarge.Limit)
	}
	code := tocsin.ErrorCode(err)
	status := statusOf(code)
	message := tocsin.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		code, message = tocsin.EINTERNAL, "Internal error."
		attrs := []any{"err", err, "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery, "request_id", w.Header().Get("X-Request-Id")}
		if u != nil {
			attrs = append(attrs, "user_id", u.ID)
		}
		h.opts.Log.ErrorContext(r.Context(), "api request failed", attrs...)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tocsin"`)
	}
	writeJSON(w, status, errorReply{Error: errorBody{Code: code, Message: message}})
}
