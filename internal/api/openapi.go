package api

import (
	_ "embed"
	"net/http"

	"github.com/tocsin/tocsin"
)

// openapiDoc describes every route of routes.go; a test holds the two together.
//
//go:embed openapi.yaml
var openapiDoc string

func (h *Handler) openAPI(w http.ResponseWriter, r *http.Request, u *tocsin.User) error {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write([]byte(openapiDoc))
	}
	return nil
}
