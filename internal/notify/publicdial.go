package notify

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Addresses given by strangers (a status page's webhook subscribers) must not
// make Tocsin reach its own network: the loopback, private ranges, or a cloud's
// metadata service. The check runs on the address actually dialled, after DNS,
// so a name that resolves to a private address is refused too.

// PublicAddress reports whether ip is on the public internet.
func PublicAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublicPrefixes() {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// nonPublicPrefixes are the ranges netip has no predicate for.
func nonPublicPrefixes() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),     // "this network"
		netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
		netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
		netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
		netip.MustParsePrefix("240.0.0.0/4"),   // reserved, broadcast
		netip.MustParsePrefix("64:ff9b::/96"),  // NAT64 (may reach IPv4 private ranges)
		netip.MustParsePrefix("2001:db8::/32"), // documentation
	}
}

// refuseNonPublic is a net.Dialer Control function: it runs once the
// address is resolved, just before connecting.
func refuseNonPublic(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !PublicAddress(ip) {
		return Permanentf("%s is not a public address: Tocsin does not deliver there", host)
	}
	return nil
}

// PublicClient is an HTTP client that reaches only public addresses, ignores
// proxy settings (a proxy would dial for it, unchecked), follows no
// redirects, and gives up after timeout.
func PublicClient(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, Control: refuseNonPublic}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         dialer.DialContext,
			TLSHandshakeTimeout: timeout,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// CheckPublicURL refuses, before anything is stored, a URL whose host is a
// literal address that is not public ("http://127.0.0.1/", "http://[::1]/").
// Names are checked when dialled.
func CheckPublicURL(host string) error {
	if ip, err := netip.ParseAddr(host); err == nil && !PublicAddress(ip) {
		return fmt.Errorf("%s is not a public address", host)
	}
	return nil
}
