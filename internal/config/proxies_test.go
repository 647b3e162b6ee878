package config

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies([]string{"10.0.0.7", " 10.1.2.3/8 ", "", "::1", "fd00::/8", "::ffff:192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprint(got); s != "[10.0.0.7/32 10.0.0.0/8 ::1/128 fd00::/8 192.0.2.1/32]" {
		t.Errorf("parsed %s", s)
	}
	for _, bad := range []string{"proxy.internal", "10.0.0.0/33", "10.0.0.1:8080"} {
		if _, err := ParseTrustedProxies([]string{bad}); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: error %v, want one naming it", bad, err)
		}
	}
}
