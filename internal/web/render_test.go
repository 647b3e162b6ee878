package web

import (
	"testing"
	"testing/fstest"
)

func TestBrokenTemplateStopsStart(t *testing.T) {
	base := fstest.MapFS{
		"templates/layout.html":   {Data: []byte(`{{define "layout"}}{{template "content" .}}{{end}}`)},
		"templates/partials.html": {Data: []byte(``)},
	}
	for name, page := range map[string]string{
		"syntax":     `{{define "title"}}x{{end}}{{define "content"}}{{.Broken{{end}}`,
		"no content": `{{define "title"}}x{{end}}`,
		"unknown fn": `{{define "title"}}x{{end}}{{define "content"}}{{nosuchfunc .}}{{end}}`,
	} {
		fsys := fstest.MapFS{"templates/pages/p.html": {Data: []byte(page)}}
		for k, v := range base {
			fsys[k] = v
		}
		if _, err := parsePages(fsys); err == nil {
			t.Errorf("%s: a broken page template was accepted", name)
		}
	}
	if _, err := parsePages(assets); err != nil {
		t.Fatalf("the real templates: %v", err)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "/alerts",
		"/alerts?status=resolved":   "/alerts?status=resolved",
		"/alerts/12":                "/alerts/12",
		"https://evil.example/x":    "/alerts",
		"//evil.example":            "/alerts",
		`/\evil.example`:            "/alerts",
		"javascript:alert(1)":       "/alerts",
		"/login?next=/x":            "/alerts",
		"/alerts\r\nSet-Cookie: x=": "/alerts",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPrettyDetailsAndLinks(t *testing.T) {
	if got := prettyDetails(`{"a":1,"b":[2]}`); got != "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}" {
		t.Errorf("JSON not indented: %q", got)
	}
	for _, s := range []string{"plain text", "{not json", ""} {
		if got := prettyDetails(s); got != s {
			t.Errorf("prettyDetails(%q) = %q", s, got)
		}
	}
	for href, ok := range map[string]bool{
		"https://grafana.example/d/1": true, "http://x.example": true, "javascript:alert(1)": false,
		"JaVaScRiPt:alert(1)": false, "data:text/html,x": false, "//evil.example": false, "/relative": false, "ftp://x": false,
	} {
		if isHTTPLink(href) != ok {
			t.Errorf("isHTTPLink(%q) = %v", href, !ok)
		}
	}
}
