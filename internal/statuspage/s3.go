package statuspage

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// S3 is an S3-compatible bucket (AWS, MinIO, Garage, R2, Scaleway…) reached
// with path-style URLs, Endpoint/Bucket/key, and requests signed with AWS
// Signature Version 4. It does the three calls publishing needs, and no more.
type S3 struct {
	Endpoint  string // https://s3.fr-par.scw.cloud; no trailing slash
	Bucket    string
	Region    string // "us-east-1" when empty
	AccessKey string
	SecretKey string // signs requests; never sent, logged or put in an error
	Client    *http.Client
	Now       func() time.Time // the wall clock signatures are dated with; time.Now when nil
}

// s3MaxError bounds how much of an error reply is read.
const s3MaxError = 16 << 10

// Put stores body under key, with the headers a static host sends back.
func (s *S3) Put(ctx context.Context, key string, body []byte, contentType, cacheControl string) error {
	sum := md5.Sum(body)
	h := http.Header{}
	h.Set("Content-Type", contentType)
	if cacheControl != "" {
		h.Set("Cache-Control", cacheControl)
	}
	// The bucket checks the body against it: a copy damaged on the way is refused.
	h.Set("Content-Md5", base64.StdEncoding.EncodeToString(sum[:]))
	_, err := s.do(ctx, http.MethodPut, key, body, h)
	return err
}

// Get returns the object at key; found is false when there is none.
func (s *S3) Get(ctx context.Context, key string) (body []byte, found bool, err error) {
	body, err = s.do(ctx, http.MethodGet, key, nil, http.Header{})
	var e *S3Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		return nil, false, nil
	}
	return body, err == nil, err
}

// Delete removes the object at key (gone already is fine).
func (s *S3) Delete(ctx context.Context, key string) error {
	_, err := s.do(ctx, http.MethodDelete, key, nil, http.Header{})
	var e *S3Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		return nil
	}
	return err
}

// S3Error is a bucket's refusal: its HTTP status and the Code and Message of
// its XML error document (SignatureDoesNotMatch, NoSuchBucket, AccessDenied…).
type S3Error struct {
	Op, Object string // "PUT", "bucket/key"
	Status     int
	Code       string
	Message    string
}

func (e *S3Error) Error() string {
	msg := fmt.Sprintf("S3 %s %s: HTTP %d", e.Op, e.Object, e.Status)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

func (s *S3) do(ctx context.Context, method, key string, body []byte, h http.Header) ([]byte, error) {
	object := s.Bucket + "/" + key
	u, err := url.Parse(s.Endpoint + uriEncodePath("/"+object))
	if err != nil {
		return nil, fmt.Errorf("S3 %s %s: %w", method, object, err)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("S3 %s %s: %w", method, object, err)
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header = h
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	s.sign(req, body, now())
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	res, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is said once, below
		}
		return nil, fmt.Errorf("S3 %s %s at %s: %w", method, object, s.Endpoint, err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 == 2 {
		if method != http.MethodGet {
			io.Copy(io.Discard, io.LimitReader(res.Body, s3MaxError))
			return nil, nil
		}
		out, err := io.ReadAll(res.Body)
		if err != nil {
			return nil, fmt.Errorf("S3 %s %s: %w", method, object, err)
		}
		return out, nil
	}
	e := &S3Error{Op: method, Object: object, Status: res.StatusCode}
	raw, _ := io.ReadAll(io.LimitReader(res.Body, s3MaxError))
	var doc struct {
		Code    string
		Message string
	}
	if xml.Unmarshal(raw, &doc) == nil {
		e.Code, e.Message = boundReply(doc.Code, 100), boundReply(doc.Message, 300)
	}
	return nil, e
}

// boundReply bounds what a remote server put in an error message.
func boundReply(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// sign adds the AWS Signature Version 4 headers (x-amz-date,
// x-amz-content-sha256, Authorization) to req, signing the host and every
// header req already has.
func (s *S3) sign(req *http.Request, body []byte, now time.Time) {
	region := s.Region
	if region == "" {
		region = "us-east-1"
	}
	payload := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(payload[:])
	amzDate := now.UTC().Format("20060102T150405Z")
	req.Header.Set("X-Amz-Date", amzDate)
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)

	names := []string{"host"}
	values := map[string]string{"host": req.URL.Host}
	if req.Host != "" {
		values["host"] = req.Host
	}
	for k, vs := range req.Header {
		name := strings.ToLower(k)
		trimmed := make([]string, len(vs))
		for i, v := range vs {
			trimmed[i] = strings.Join(strings.Fields(v), " ")
		}
		names = append(names, name)
		values[name] = strings.Join(trimmed, ",")
	}
	slices.Sort(names)
	var headers strings.Builder
	for _, n := range names {
		headers.WriteString(n + ":" + values[n] + "\n")
	}
	signed := strings.Join(names, ";")

	canonical := strings.Join([]string{
		req.Method,
		uriEncodePath(req.URL.Path),
		canonicalQuery(req.URL.Query()),
		headers.String(),
		signed,
		payloadHash,
	}, "\n")
	scope := amzDate[:8] + "/" + region + "/s3/aws4_request"
	sum := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])

	key := hmacSHA256([]byte("AWS4"+s.SecretKey), amzDate[:8])
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, "s3")
	key = hmacSHA256(key, "aws4_request")
	signature := hex.EncodeToString(hmacSHA256(key, toSign))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+s.AccessKey+"/"+scope+",SignedHeaders="+signed+",Signature="+signature)
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalQuery sorts the parameters by name then value, each encoded.
func canonicalQuery(q url.Values) string {
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, uriEncode(k, true)+"="+uriEncode(v, true))
		}
	}
	slices.Sort(pairs)
	return strings.Join(pairs, "&")
}

// uriEncodePath encodes a path the way S3 canonicalises it: every byte but
// A-Z a-z 0-9 - . _ ~ and the slashes, as %XX. The same string is sent, so
// that what is signed is what the bucket sees.
func uriEncodePath(p string) string { return uriEncode(p, false) }

func uriEncode(s string, slash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		case c == '/' && !slash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}
