package testkit

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// FakeS3 is an S3-compatible bucket served over HTTP, path-style
// (URL/Bucket/key). It checks every request's AWS Signature Version 4 the
// way a bucket does, recomputing it from the request with the secret it
// knows (its own code, not the client's), and refuses a mismatch with
// 403 SignatureDoesNotMatch. It stores what is PUT and serves it back.
type FakeS3 struct {
	URL       string
	Bucket    string
	Region    string
	AccessKey string
	SecretKey string

	mu       sync.Mutex
	objects  map[string]S3Object
	puts     map[string]int
	refused  []string // "CODE METHOD /path", in order; a missing key is an answer, not a refusal
	failWith int      // answer every request with this status (an outage); 0: none
	changes  changes
}

// S3Object is what the fake holds under a key.
type S3Object struct {
	Body         []byte
	ContentType  string
	CacheControl string
	ETag         string // quoted MD5 hex, as S3's for a single-part upload
}

// StartFakeS3 starts a fake bucket; it stops when the test ends.
func StartFakeS3(t testing.TB) *FakeS3 {
	t.Helper()
	f := &FakeS3{
		Bucket: "status-copy", Region: "eu-west-3",
		AccessKey: "AKIAFAKES3TOCSIN0001", SecretKey: "fake/s3+secret/0123456789abcdefghijklmnopq",
		objects: map[string]S3Object{}, puts: map[string]int{},
	}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// Object returns the object at key (inside the bucket).
func (f *FakeS3) Object(key string) (S3Object, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.objects[key]
	return o, ok
}

// Keys lists the bucket's keys, sorted.
func (f *FakeS3) Keys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.objects))
	for k := range f.objects {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Puts counts the successful PUTs of a key.
func (f *FakeS3) Puts(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.puts[key]
}

// Refused lists the refused requests, "CODE METHOD /bucket/key".
func (f *FakeS3) Refused() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.refused...)
}

// FailWith makes every request fail with status (503: the bucket is down);
// 0 brings it back.
func (f *FakeS3) FailWith(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failWith = status
}

// Wait returns once done holds, or fails the test. done runs with the fake
// locked: it reads the fake through the S3State it is given.
func (f *FakeS3) Wait(t testing.TB, what string, done func(S3State) bool) {
	t.Helper()
	state := S3State{f}
	waitFor(t, &f.mu, &f.changes, func() bool { return done(state) }, func() string {
		return fmt.Sprintf("fake S3: %s; it holds %d objects, refused %v", what, len(f.objects), f.refused)
	})
}

// S3State reads the fake inside Wait.
type S3State struct{ f *FakeS3 }

// Object is FakeS3.Object inside Wait.
func (s S3State) Object(key string) (S3Object, bool) { o, ok := s.f.objects[key]; return o, ok }

// Puts is FakeS3.Puts inside Wait.
func (s S3State) Puts(key string) int { return s.f.puts[key] }

// Refused is how many requests were refused so far.
func (s S3State) Refused() int { return len(s.f.refused) }

func (f *FakeS3) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		f.refuse(w, r, http.StatusBadRequest, "IncompleteBody", "The request body could not be read.")
		return
	}
	f.mu.Lock()
	failWith := f.failWith
	f.mu.Unlock()
	if failWith != 0 {
		f.refuse(w, r, failWith, "ServiceUnavailable", "Please reduce your request rate.")
		return
	}
	if status, code, msg := f.checkSignature(r, body); status != 0 {
		f.refuse(w, r, status, code, msg)
		return
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if bucket != f.Bucket {
		f.refuse(w, r, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist.")
		return
	}
	if key == "" {
		f.refuse(w, r, http.StatusNotImplemented, "NotImplemented", "The fake serves objects only.")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	defer f.changes.notify()
	switch r.Method {
	case http.MethodPut:
		sum := md5.Sum(body)
		if m := r.Header.Get("Content-Md5"); m != "" && m != base64.StdEncoding.EncodeToString(sum[:]) {
			f.refuseLocked(w, r, http.StatusBadRequest, "BadDigest", "The Content-MD5 you specified did not match what we received.")
			return
		}
		o := S3Object{Body: body, ContentType: r.Header.Get("Content-Type"), CacheControl: r.Header.Get("Cache-Control"), ETag: `"` + hex.EncodeToString(sum[:]) + `"`}
		f.objects[key] = o
		f.puts[key]++
		w.Header().Set("ETag", o.ETag)
		w.WriteHeader(http.StatusOK)
	case http.MethodGet, http.MethodHead:
		o, ok := f.objects[key]
		if !ok {
			f.refuseLocked(w, r, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
			return
		}
		w.Header().Set("Content-Type", o.ContentType)
		w.Header().Set("ETag", o.ETag)
		if o.CacheControl != "" {
			w.Header().Set("Cache-Control", o.CacheControl)
		}
		if r.Method == http.MethodGet {
			w.Write(o.Body)
		}
	case http.MethodDelete:
		delete(f.objects, key)
		w.WriteHeader(http.StatusNoContent)
	default:
		f.refuseLocked(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	}
}

// checkSignature verifies AWS Signature Version 4 as described in the S3 API
// reference, returning a status, an S3 error code and message when it fails.
func (f *FakeS3) checkSignature(r *http.Request, body []byte) (int, string, string) {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return http.StatusForbidden, "AccessDenied", "Anonymous requests are refused: sign with AWS4-HMAC-SHA256."
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	cred := strings.Split(fields["Credential"], "/")
	if len(cred) != 5 || cred[3] != "s3" || cred[4] != "aws4_request" {
		return http.StatusBadRequest, "AuthorizationHeaderMalformed", "The Credential is malformed."
	}
	if cred[0] != f.AccessKey {
		return http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
	}
	if cred[2] != f.Region {
		return http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; the region '" + cred[2] + "' is wrong; expecting '" + f.Region + "'."
	}
	date := r.Header.Get("X-Amz-Date")
	at, err := time.Parse("20060102T150405Z", date)
	if err != nil || date[:8] != cred[1] {
		return http.StatusForbidden, "AccessDenied", "X-Amz-Date is missing or does not match the credential's date."
	}
	if d := time.Since(at); d > 15*time.Minute || d < -15*time.Minute {
		return http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."
	}
	sum := sha256.Sum256(body)
	if got := r.Header.Get("X-Amz-Content-Sha256"); got != hex.EncodeToString(sum[:]) {
		return http.StatusBadRequest, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed."
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	isSigned := map[string]bool{}
	for _, h := range signed {
		isSigned[h] = true
	}
	if !isSigned["host"] {
		return http.StatusForbidden, "AccessDenied", "The host header must be signed."
	}
	for k := range r.Header {
		if k = strings.ToLower(k); strings.HasPrefix(k, "x-amz-") && !isSigned[k] {
			return http.StatusForbidden, "AccessDenied", "There were headers present in the request which were not signed: " + k
		}
	}

	// The canonical request, rebuilt from what arrived.
	var canon strings.Builder
	canon.WriteString(r.Method + "\n")
	canon.WriteString(awsEscape(r.URL.Path, false) + "\n")
	var query []string
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			query = append(query, awsEscape(k, true)+"="+awsEscape(v, true))
		}
	}
	sort.Strings(query)
	canon.WriteString(strings.Join(query, "&") + "\n")
	for _, h := range signed {
		v := strings.Join(r.Header.Values(h), ",")
		if h == "host" {
			v = r.Host
		}
		canon.WriteString(h + ":" + strings.Join(strings.Fields(v), " ") + "\n")
	}
	canon.WriteString("\n" + strings.Join(signed, ";") + "\n" + r.Header.Get("X-Amz-Content-Sha256"))

	hashed := sha256.Sum256([]byte(canon.String()))
	scope := strings.Join(cred[1:], "/")
	toSign := "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + hex.EncodeToString(hashed[:])
	key := []byte("AWS4" + f.SecretKey)
	for _, part := range cred[1:] {
		key = mac(key, part)
	}
	want := hex.EncodeToString(mac(key, toSign))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	}
	return 0, "", ""
}

func mac(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// awsEscape percent-encodes all but the unreserved characters (and the
// slashes of a path), upper-case hex, as S3 canonicalises.
func awsEscape(s string, slash bool) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		unreserved := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0
		if unreserved || (c == '/' && !slash) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func (f *FakeS3) refuse(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	defer f.changes.notify()
	f.refuseLocked(w, r, status, code, msg)
}

func (f *FakeS3) refuseLocked(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if code != "NoSuchKey" {
		f.refused = append(f.refused, fmt.Sprintf("%s %s %s", code, r.Method, r.URL.Path))
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Error><Code>%s</Code><Message>%s</Message><Resource>%s</Resource><RequestId>fake</RequestId></Error>`,
		code, xmlText(msg), xmlText(r.URL.Path))
}

func xmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
