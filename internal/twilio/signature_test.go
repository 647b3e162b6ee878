package twilio_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"testing"

	"github.com/tocsin/tocsin/internal/twilio"
)

// specSignature is the signature as Twilio's webhook-security page spells it
// out, written apart from the package: the URL, then every POST parameter's
// name and value sorted by name, no separators; HMAC-SHA1 keyed with the
// auth token; base64.
func specSignature(token, fullURL string, params map[string]string) string {
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	data := fullURL
	for _, n := range names {
		data += n + params[n]
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(data))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func form(m map[string]string) url.Values {
	v := url.Values{}
	for k, s := range m {
		v.Set(k, s)
	}
	return v
}

// Twilio's documented example: auth token 12345, this URL and these
// parameters. Their page and their SDKs' tests carry it with two callers.
func TestSignatureDocumentedExample(t *testing.T) {
	const token, u = "12345", "https://mycompany.com/myapp.php?foo=1&bar=2"
	for caller, want := range map[string]string{
		"+14158675310": "GvWf1cFY/Q7PnoempGyD5oXAezc=",
		"+14158675309": "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
	} {
		params := map[string]string{"CallSid": "CA1234567890ABCDE", "Caller": caller, "Digits": "1234", "From": caller, "To": "+18005551212"}
		if got := twilio.Signature(token, u, form(params)); got != want {
			t.Errorf("caller %s: Signature = %s, want Twilio's %s", caller, got, want)
		}
		if got := specSignature(token, u, params); got != want {
			t.Errorf("caller %s: the test's own HMAC = %s, want %s", caller, got, want)
		}
		if !twilio.ValidSignature(token, want, u, form(params)) {
			t.Errorf("caller %s: the documented signature is refused", caller)
		}
		params["Digits"] = "1235"
		if twilio.ValidSignature(token, want, u, form(params)) {
			t.Errorf("caller %s: a changed parameter is accepted", caller)
		}
	}
}

func TestValidSignature(t *testing.T) {
	params := map[string]string{"From": "+15550100", "Body": "héllo & <world>", "To": "+33100000000"}
	const token = "s3cret"
	sig := specSignature(token, "https://oncall.example.com/twilio/sms/oncall/primary", params)
	cases := []struct {
		name, token, sig, url string
		want                  bool
	}{
		{"right", token, sig, "https://oncall.example.com/twilio/sms/oncall/primary", true},
		{"default port added by Twilio", token, specSignature(token, "https://oncall.example.com:443/twilio/sms/oncall/primary", params), "https://oncall.example.com/twilio/sms/oncall/primary", true},
		{"default port configured", token, sig, "https://oncall.example.com:443/twilio/sms/oncall/primary", true},
		{"other port", token, sig, "https://oncall.example.com:8443/twilio/sms/oncall/primary", false},
		{"wrong token", "other", sig, "https://oncall.example.com/twilio/sms/oncall/primary", false},
		{"wrong host", token, sig, "https://evil.example.com/twilio/sms/oncall/primary", false},
		{"wrong path", token, sig, "https://oncall.example.com/twilio/sms/oncall/secondary", false},
		{"http instead of https", token, sig, "http://oncall.example.com/twilio/sms/oncall/primary", false},
		{"empty signature", token, "", "https://oncall.example.com/twilio/sms/oncall/primary", false},
		{"no token configured", "", specSignature("", "https://oncall.example.com/twilio/sms/oncall/primary", params), "https://oncall.example.com/twilio/sms/oncall/primary", false},
	}
	for _, c := range cases {
		if got := twilio.ValidSignature(c.token, c.sig, c.url, form(params)); got != c.want {
			t.Errorf("%s: ValidSignature = %v, want %v", c.name, got, c.want)
		}
	}
}
