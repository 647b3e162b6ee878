package webpush_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/notify/webpush"
)

var b64 = base64.RawURLEncoding

// browser is the receiving side: the keys a PushSubscription holds.
type browser struct {
	key  *ecdh.PrivateKey
	auth []byte
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	return &browser{key: key, auth: auth}
}

// subscription is the JSON the browser hands over, pointing at endpoint.
func (b *browser) subscription(endpoint string) string {
	j, _ := json.Marshal(map[string]any{
		"endpoint": endpoint,
		"keys":     map[string]string{"p256dh": b64.EncodeToString(b.key.PublicKey().Bytes()), "auth": b64.EncodeToString(b.auth)},
	})
	return string(j)
}

// decrypt opens an aes128gcm body as RFC 8291 says a user agent does.
func (b *browser) decrypt(t *testing.T, body []byte) []byte {
	t.Helper()
	if len(body) < 21 {
		t.Fatalf("body of %d bytes", len(body))
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if rs < 18 || len(body) < 21+idlen {
		t.Fatalf("bad header: rs %d, idlen %d", rs, idlen)
	}
	serverKey, ciphertext := body[21:21+idlen], body[21+idlen:]
	serverPub, err := ecdh.P256().NewPublicKey(serverKey)
	if err != nil {
		t.Fatalf("keyid is not a P-256 key: %v", err)
	}
	secret, err := b.key.ECDH(serverPub)
	if err != nil {
		t.Fatal(err)
	}
	info := append(append([]byte("WebPush: info\x00"), b.key.PublicKey().Bytes()...), serverKey...)
	ikm, _ := hkdf.Key(sha256.New, secret, b.auth, string(info), 32)
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	end := len(plain) - 1
	for end >= 0 && plain[end] == 0 {
		end--
	}
	if end < 0 || plain[end] != 2 {
		t.Fatalf("no last-record delimiter")
	}
	return plain[:end]
}

type pushed struct {
	path   string
	header http.Header
	body   []byte
}

// pushService answers like a push service and records what it got.
func pushService(t *testing.T, status int, header map[string]string) (*httptest.Server, chan pushed) {
	t.Helper()
	got := make(chan pushed, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- pushed{r.URL.Path, r.Header.Clone(), b}
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func keys(t *testing.T) (string, string) {
	t.Helper()
	pub, priv, err := webpush.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := b64.DecodeString(pub); len(p) != 65 || p[0] != 4 {
		t.Fatalf("public key %q is not an uncompressed P-256 point", pub)
	}
	if k, _ := b64.DecodeString(priv); len(k) != 32 {
		t.Fatalf("private key of %d bytes", len(k))
	}
	return pub, priv
}

func page(to string) notify.Message {
	return notify.Message{
		ID: 42, Kind: tocsin.NotifyPage, To: to, Locale: "fr",
		Subject: "[P1] #7 <script>alert(1)</script>",
		Text:    "#7 <script>alert(1)</script> *_[ disque plein",
		URL:     "https://tocsin.example.com/alerts/7",
		AckURL:  "https://tocsin.example.com/ack/7?sig=abc&x=1",
		Alert:   &tocsin.Alert{ID: 7, Priority: tocsin.P1},
	}
}

func TestSend(t *testing.T) {
	pub, priv := keys(t)
	srv, got := pushService(t, http.StatusCreated, map[string]string{"Location": "https://push.example/m/abc"})
	b := newBrowser(t)
	s := webpush.New(webpush.Options{VAPIDPublicKey: pub, VAPIDPrivateKey: priv, Subject: "mailto:ops@example.com"})
	id, err := s.Send(context.Background(), page(b.subscription(srv.URL+"/wpush/v2/sub-token")))
	if err != nil {
		t.Fatal(err)
	}
	if id != "https://push.example/m/abc" {
		t.Errorf("provider id = %q", id)
	}
	r := <-got
	if r.path != "/wpush/v2/sub-token" {
		t.Errorf("path = %q", r.path)
	}
	for h, want := range map[string]string{"Content-Encoding": "aes128gcm", "TTL": "3600", "Urgency": "high", "Topic": "alert-7"} {
		if r.header.Get(h) != want {
			t.Errorf("%s = %q, want %q", h, r.header.Get(h), want)
		}
	}
	checkVAPID(t, r.header.Get("Authorization"), pub, srv.URL)

	var p map[string]any
	plain := b.decrypt(t, r.body)
	if err := json.Unmarshal(plain, &p); err != nil {
		t.Fatalf("payload %q: %v", plain, err)
	}
	want := map[string]any{
		"title": page("").Subject, "body": page("").Text, "url": "https://tocsin.example.com/alerts/7",
		"ack_url": "https://tocsin.example.com/ack/7?sig=abc&x=1", "ack_label": "Acquitter", "tag": "alert-7", "urgent": true,
	}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("payload %s = %#v, want %#v", k, p[k], v)
		}
	}
	if len(p) != len(want) {
		t.Errorf("payload = %v", p)
	}
}

// checkVAPID verifies the JWT as a push service would.
func checkVAPID(t *testing.T, header, pub, origin string) {
	t.Helper()
	jwt, k, ok := strings.Cut(strings.TrimPrefix(header, "vapid t="), ", k=")
	if !ok || !strings.HasPrefix(header, "vapid t=") || k != pub {
		t.Fatalf("Authorization = %q", header)
	}
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("JWT %q", jwt)
	}
	raw, _ := b64.DecodeString(pub)
	key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := b64.DecodeString(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if len(sig) != 64 || !ecdsa.Verify(key, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatalf("VAPID signature does not verify")
	}
	var claims struct {
		Aud string `json:"aud"`
		Sub string `json:"sub"`
		Exp int64  `json:"exp"`
	}
	body, _ := b64.DecodeString(parts[1])
	if err := json.Unmarshal(body, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Aud != origin || claims.Sub != "mailto:ops@example.com" || time.Unix(claims.Exp, 0).Before(time.Now()) {
		t.Errorf("claims = %+v", claims)
	}
}

func TestStatusUpdateIsNotUrgent(t *testing.T) {
	pub, priv := keys(t)
	srv, got := pushService(t, http.StatusCreated, nil)
	b := newBrowser(t)
	m := page(b.subscription(srv.URL + "/sub"))
	m.Kind, m.AckURL, m.Locale = tocsin.NotifyStatus, "", "en"
	id, err := webpush.New(webpush.Options{VAPIDPublicKey: pub, VAPIDPrivateKey: priv, Subject: "https://tocsin.example.com"}).Send(context.Background(), m)
	if err != nil || id != "" {
		t.Fatalf("id %q, err %v", id, err)
	}
	r := <-got
	if r.header.Get("Urgency") != "normal" || r.header.Get("Topic") != "alert-7" {
		t.Errorf("Urgency %q, Topic %q", r.header.Get("Urgency"), r.header.Get("Topic"))
	}
	var p map[string]any
	json.Unmarshal(b.decrypt(t, r.body), &p)
	if p["urgent"] != false || p["ack_url"] != "" || p["ack_label"] != "" {
		t.Errorf("payload = %v", p)
	}
}

// A long text is shortened to fit one encrypted record instead of failing.
func TestLongTextFits(t *testing.T) {
	pub, priv := keys(t)
	srv, got := pushService(t, http.StatusCreated, nil)
	b := newBrowser(t)
	m := page(b.subscription(srv.URL + "/sub"))
	m.Text = strings.Repeat(`"<é>`, 2000)
	if _, err := webpush.New(webpush.Options{VAPIDPublicKey: pub, VAPIDPrivateKey: priv}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var p map[string]string
	json.Unmarshal(b.decrypt(t, (<-got).body), &p)
	if !strings.HasPrefix(m.Text, strings.TrimSuffix(p["body"], "…")) || len(p["body"]) < 500 {
		t.Errorf("body of %d bytes: %q…", len(p["body"]), p["body"][:20])
	}
}

func TestErrors(t *testing.T) {
	pub, priv := keys(t)
	s := webpush.New(webpush.Options{VAPIDPublicKey: pub, VAPIDPrivateKey: priv, Subject: "mailto:ops@example.com"})
	b := newBrowser(t)
	for _, c := range []struct {
		status    int
		header    map[string]string
		permanent bool
		after     time.Duration
	}{
		{status: 500},
		{status: 503},
		{status: 404, permanent: true},
		{status: 410, permanent: true},
		{status: 400, permanent: true},
		{status: 413, permanent: true},
		{status: 429, header: map[string]string{"Retry-After": "60"}, after: time.Minute},
	} {
		srv, _ := pushService(t, c.status, c.header)
		_, err := s.Send(context.Background(), page(b.subscription(srv.URL+"/sub")))
		if err == nil || notify.IsPermanent(err) != c.permanent || notify.RetryAfter(err) != c.after {
			t.Errorf("%d: err = %v", c.status, err)
		}
	}

	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, err := s.Send(context.Background(), page(b.subscription(srv.URL+"/sub-secret")))
	if err == nil || notify.IsPermanent(err) || strings.Contains(err.Error(), "sub-secret") {
		t.Errorf("unreachable: err = %v, want retryable without the endpoint", err)
	}

	for name, to := range map[string]string{
		"not JSON":    "nope",
		"no endpoint": `{"keys":{"p256dh":"x","auth":"y"}}`,
		"no keys":     `{"endpoint":"https://push.example/x"}`,
		"bad keys":    `{"endpoint":"https://push.example/x","keys":{"p256dh":"AAAA","auth":"AAAA"}}`,
	} {
		if _, err := s.Send(context.Background(), page(to)); err == nil || !notify.IsPermanent(err) {
			t.Errorf("%s: err = %v, want permanent", name, err)
		}
	}
}
