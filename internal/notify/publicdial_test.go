package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tocsin/tocsin/internal/notify"
)

func TestPublicAddress(t *testing.T) {
	for addr, public := range map[string]bool{
		"93.184.215.14": true, "2606:4700::6810:84e5": true, "8.8.8.8": true,
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.1.1": false, "0.0.0.0": false, "::1": false, "fd00::1": false, "fe80::1": false, "::ffff:127.0.0.1": false,
		"::ffff:10.0.0.1": false, "224.0.0.1": false, "255.255.255.255": false, "64:ff9b::a00:1": false,
	} {
		if got := notify.PublicAddress(netip.MustParseAddr(addr)); got != public {
			t.Errorf("PublicAddress(%s) = %v, want %v", addr, got, public)
		}
	}
}

// The client refuses a server on the loopback, however it is named, and says
// why; nothing reaches the server.
func TestPublicClientRefusesLocalServers(t *testing.T) {
	reached := false
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	defer srv.Close()
	client := notify.PublicClient(2 * time.Second)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{srv.URL, "http://localhost" + port} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, u, nil)
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
			t.Fatalf("%s: delivered", u)
		}
		if !notify.IsPermanent(err) || !strings.Contains(err.Error(), "not a public address") {
			t.Errorf("%s: %v", u, err)
		}
	}
	if reached {
		t.Error("the local server was reached")
	}
	if err := notify.CheckPublicURL("127.0.0.1"); err == nil {
		t.Error("CheckPublicURL accepted 127.0.0.1")
	}
	if err := notify.CheckPublicURL("hooks.example.com"); err != nil {
		t.Errorf("CheckPublicURL refused a name: %v", err)
	}
}
