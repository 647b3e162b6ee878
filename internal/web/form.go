package web

import (
	"net/http"
	"strings"
)

// formValue is a trimmed field of a posted form.
func formValue(r *http.Request, name string) string {
	return strings.TrimSpace(r.PostFormValue(name))
}

// checked reads a checkbox.
func checked(r *http.Request, name string) bool {
	v := r.PostFormValue(name)
	return v == "on" || v == "1" || v == "true"
}

// secretBox is a secret shown once (an integration key, a token, a password),
// with the words around it in the user's language.
type secretBox struct {
	Title, Hint, Secret, Copy, Copied string
}

func (v *view) secretBox(titleID, hintID, secret string) *secretBox {
	return &secretBox{Title: v.T(titleID), Hint: v.T(hintID), Secret: secret, Copy: v.T("common.copy"), Copied: v.T("common.copied")}
}
