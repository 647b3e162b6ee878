package app

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

// Behind trusted proxies the client is the rightmost address of
// X-Forwarded-For that is not a proxy; from anyone else the header is
// ignored, so a client cannot pick the address its limits are counted by.
func TestClientAddressFromTrustedProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	for _, c := range []struct {
		name, peer string
		forwarded  []string
		want       string
	}{
		{"no proxy", "203.0.113.7:51000", nil, "203.0.113.7:51000"},
		{"forged by a client", "203.0.113.7:51000", []string{"198.51.100.1"}, "203.0.113.7:51000"},
		{"one proxy", "10.0.0.2:40000", []string{"203.0.113.7"}, "203.0.113.7:0"},
		{"client's own entry before", "10.0.0.2:40000", []string{"198.51.100.1, 203.0.113.7"}, "203.0.113.7:0"},
		{"two proxies", "10.0.0.2:40000", []string{"203.0.113.7, 10.0.0.9"}, "203.0.113.7:0"},
		{"two headers", "10.0.0.2:40000", []string{"203.0.113.7", "10.0.0.9"}, "203.0.113.7:0"},
		{"IPv6 client", "[fd00::1]:40000", []string{"2001:db8::42"}, "[2001:db8::42]:0"},
		{"IPv4 peer in IPv6 form", "[::ffff:10.0.0.2]:40000", []string{"203.0.113.7"}, "203.0.113.7:0"},
		{"garbage from the client", "10.0.0.2:40000", []string{"<script>, 203.0.113.7"}, "203.0.113.7:0"},
		{"garbage last: the proxy", "10.0.0.2:40000", []string{"nonsense"}, "10.0.0.2:0"},
		{"only proxies", "10.0.0.2:40000", []string{"10.0.0.8, 10.0.0.9"}, "10.0.0.8:0"},
		{"proxy without the header", "10.0.0.2:40000", nil, "10.0.0.2:0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got string
			h := fromTrustedProxies(trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.RemoteAddr }))
			r := httptest.NewRequest(http.MethodGet, "/status/", nil)
			r.RemoteAddr = c.peer
			for _, v := range c.forwarded {
				r.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != c.want {
				t.Errorf("RemoteAddr %q, want %q", got, c.want)
			}
		})
	}
}
