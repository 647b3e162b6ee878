package app

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// fromTrustedProxies sets r.RemoteAddr to the client's address when the
// connection comes from a trusted reverse proxy, so that the limits counted
// per client (logins, status page subscriptions) count clients, not the
// proxy. The client is the rightmost address of X-Forwarded-For that is not
// itself a trusted proxy: what is left of it was written by the client and
// may be forged. Without trusted proxies, the handler is next itself.
func fromTrustedProxies(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil || !isTrusted(peer.Addr()) {
			next.ServeHTTP(w, r)
			return
		}
		var hops []string
		for _, h := range r.Header.Values("X-Forwarded-For") {
			hops = append(hops, strings.Split(h, ",")...)
		}
		client := peer.Addr()
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // not written by a proxy we trust: stop at the last good one
			}
			client = a.Unmap()
			if !isTrusted(client) {
				break
			}
		}
		r2 := r.Clone(r.Context())
		r2.RemoteAddr = net.JoinHostPort(client.String(), "0")
		next.ServeHTTP(w, r2)
	})
}
