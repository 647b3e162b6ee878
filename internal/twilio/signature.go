// Package twilio answers Twilio for the on-call phone number: calls to the
// number ring whoever is on call (then the next people, then a fallback
// number), SMS are forwarded to them, every request's signature is checked,
// and a static copy of the answer is published for when Tocsin is down.
package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// SignatureHeader is the header Twilio signs its requests in.
const SignatureHeader = "X-Twilio-Signature"

// Signature is what Twilio sends in X-Twilio-Signature for a request to
// fullURL with the form parameters params (nil for a GET): base64 of
// HMAC-SHA1, keyed with the auth token, over the URL followed by each
// parameter's name and value, sorted, with no separators. A repeated name
// contributes one name+value string per value; the strings are sorted.
func Signature(authToken, fullURL string, params url.Values) string {
	pairs := make([]string, 0, len(params))
	for name, values := range params {
		for _, v := range values {
			pairs = append(pairs, name+v)
		}
	}
	sort.Strings(pairs)
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(fullURL))
	for _, p := range pairs {
		mac.Write([]byte(p))
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ValidSignature reports whether signature is Twilio's for a request to
// fullURL with params. Twilio is not consistent about the default port in
// the URL it signs (its own validators try both), so neither are we. The
// comparison takes the same time whatever the signature.
func ValidSignature(authToken, signature, fullURL string, params url.Values) bool {
	if authToken == "" || signature == "" {
		return false
	}
	ok := false
	for _, u := range urlVariants(fullURL) {
		if hmac.Equal([]byte(Signature(authToken, u, params)), []byte(signature)) {
			ok = true
		}
	}
	return ok
}

// urlVariants is fullURL as given, and with its default port added or
// removed; only the authority changes, the path and query stay byte for byte.
func urlVariants(fullURL string) []string {
	u, err := url.Parse(fullURL)
	if err != nil || u.Host == "" {
		return []string{fullURL}
	}
	port := map[string]string{"https": "443", "http": "80"}[u.Scheme]
	prefix := u.Scheme + "://"
	if port == "" || !strings.HasPrefix(fullURL, prefix) {
		return []string{fullURL}
	}
	rest := fullURL[len(prefix):]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	switch {
	case u.Port() == "":
		authority += ":" + port
	case u.Port() == port:
		authority = strings.TrimSuffix(authority, ":"+port)
	default:
		return []string{fullURL}
	}
	return []string{fullURL, prefix + authority + tail}
}
