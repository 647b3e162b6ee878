package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
)

func TestErrorStatus(t *testing.T) {
	for code, want := range map[string]int{
		tocsin.EINVALID: 400, tocsin.EUNAUTHORIZED: 401, tocsin.EFORBIDDEN: 403, tocsin.ENOTFOUND: 404,
		tocsin.ECONFLICT: 409, tocsin.ETOOLARGE: 413, tocsin.ERATELIMITED: 429, tocsin.EINTERNAL: 500, "unheard_of": 500,
	} {
		if got := statusOf(code); got != want {
			t.Errorf("statusOf(%s) = %d, want %d", code, got, want)
		}
	}
}

// TestFail pins what a client sees of each kind of error, and that only
// internal errors are logged, with the request's detail and never its message leaked.
func TestFail(t *testing.T) {
	for _, tc := range []struct {
		err        error
		status     int
		code, text string
		logged     bool
	}{
		{tocsin.Errorf(tocsin.EINVALID, "name is required"), 400, "invalid", "name is required", false},
		{fmt.Errorf("create team: %w", tocsin.Errorf(tocsin.ECONFLICT, "team \"x\" exists already")), 409, "conflict", "team \"x\" exists already", false},
		{tocsin.Errorf(tocsin.EUNAUTHORIZED, "API token unknown or revoked"), 401, "unauthorized", "API token unknown or revoked", false},
		{&http.MaxBytesError{Limit: 1 << 20}, 413, "too_large", "1048576", false},
		{fmt.Errorf("read body: %w", &http.MaxBytesError{Limit: 1 << 20}), 413, "too_large", "larger than", false},
		{errors.New("pq: connection refused to 10.0.0.5"), 500, "internal", "Internal error.", true},
	} {
		var logs bytes.Buffer
		h := New(Options{Log: slog.New(slog.NewTextHandler(&logs, nil))})
		req := httptest.NewRequest("POST", "/api/v1/teams?x=1", nil)
		rec := httptest.NewRecorder()
		rec.Header().Set("X-Request-Id", "req-42")
		h.fail(rec, req, &tocsin.User{ID: 7}, tc.err)

		var body errorReply
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%v: body %q: %v", tc.err, rec.Body, err)
		}
		if rec.Code != tc.status || body.Error.Code != tc.code || !strings.Contains(body.Error.Message, tc.text) {
			t.Errorf("%v: %d %+v, want %d %s containing %q", tc.err, rec.Code, body.Error, tc.status, tc.code, tc.text)
		}
		if strings.Contains(rec.Body.String(), "10.0.0.5") {
			t.Errorf("internal detail leaked to the client: %s", rec.Body)
		}
		if (rec.Code == 401) != (rec.Header().Get("WWW-Authenticate") != "") {
			t.Errorf("%v: WWW-Authenticate %q on a %d", tc.err, rec.Header().Get("WWW-Authenticate"), rec.Code)
		}
		log := logs.String()
		if tc.logged != (log != "") {
			t.Errorf("%v: logged %q", tc.err, log)
		}
		if tc.logged {
			for _, want := range []string{"10.0.0.5", "req-42", "/api/v1/teams", "POST", "user_id=7"} {
				if !strings.Contains(log, want) {
					t.Errorf("log %q lacks %q", log, want)
				}
			}
		}
	}
}
