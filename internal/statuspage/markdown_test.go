package statuspage

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
)

// TestMarkdownInjectionInert: whatever a member types into an update or a
// post-mortem, the page, the feeds and the incident page run nothing.
func TestMarkdownInjectionInert(t *testing.T) {
	evil := strings.Join([]string{
		"<script>alert(1)</script>",
		`<img src=x onerror="alert(2)">`,
		"[click](javascript:alert(3))",
		`<a href="javascript:alert(4)">raw link</a>`,
		`<iframe src="https://evil.test"></iframe>`,
		`<svg onload=alert(5)>`,
		"![img](javascript:alert(6))",
		`<div style="background:url(javascript:alert(7))">styled</div>`,
		"[ok](https://example.com/fine) and **bold**",
	}, "\n\n")
	snap := fixture()
	snap.Incidents[1].Updates[0].Body = evil
	snap.Incidents[0].Postmortem = evil
	snap.Incidents[1].Name = `<script>alert("title")</script>`
	b := render(t, snap, Options{})

	for _, p := range []string{"index.html", "incidents/inc0000open1.html", "incidents/inc00resolvd.html", "history.html"} {
		page := body(t, b, p)
		low := strings.ToLower(page)
		for _, bad := range []string{"<script", "onerror", "onload", "javascript:", "<iframe", "<svg", "style="} {
			if strings.Contains(low, bad) {
				i := strings.Index(low, bad)
				t.Errorf("%s contains %q: …%s…", p, bad, page[max(0, i-80):min(len(page), i+80)])
			}
		}
	}
	page := body(t, b, "incidents/inc0000open1.html")
	if !strings.Contains(page, `&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;`) {
		t.Error("the incident's title is not shown escaped")
	}
	// What is harmless survives: a real link (no-follow) and bold text.
	if !strings.Contains(page, `<a href="https://example.com/fine" rel="nofollow noreferrer">ok</a>`) || !strings.Contains(page, "<strong>bold</strong>") {
		t.Errorf("safe Markdown lost:\n%s", page)
	}
	post := body(t, b, "incidents/inc00resolvd.html")
	if !strings.Contains(post, `id="h-postmortem"`) || !strings.Contains(post, "<strong>bold</strong>") {
		t.Error("the post-mortem is not shown on the resolved incident's page")
	}

	// Feeds carry the same sanitised HTML, escaped as XML text; an RSS
	// title is HTML-escaped too (readers may take it for HTML); an Atom
	// title is text by definition.
	var r rssParsed
	if err := xml.Unmarshal(b.File("history.rss").Body, &r); err != nil {
		t.Fatal(err)
	}
	for _, it := range r.Channel.Items {
		html := strings.ToLower(it.Description)
		if strings.Contains(it.Title, "<") || strings.Contains(html, "<script") || strings.Contains(html, "javascript:") || strings.Contains(html, "onerror") {
			t.Errorf("rss item carries the injection: %q %q", it.Title, it.Description)
		}
	}
	var a atomParsed
	if err := xml.Unmarshal(b.File("history.atom").Body, &a); err != nil {
		t.Fatal(err)
	}
	for _, e := range a.Entries {
		html := strings.ToLower(e.Content.Value)
		if strings.Contains(html, "<script") || strings.Contains(html, "javascript:") || strings.Contains(html, "onerror") {
			t.Errorf("atom entry carries the injection: %q", e.Content.Value)
		}
	}
	// The JSON carries the Markdown as typed (Statuspage's body is text;
	// consumers escape it), encoded so that it cannot close a <script>.
	raw := string(b.File("api/v2/incidents.json").Body)
	if strings.Contains(raw, "<script>") {
		t.Error("JSON carries a raw <script>")
	}
	var doc xDoc
	json.Unmarshal([]byte(raw), &doc)
	if !strings.Contains(doc.Incidents[0].IncidentUpdates[1].Body, "<script>alert(1)</script>") {
		t.Error("JSON body is not the update as typed")
	}
}

func TestMarkdownBounded(t *testing.T) {
	md := NewMarkdown()
	long := strings.Repeat("é", tocsin.MaxUpdateBody) // 2 bytes each: cut mid-rune at the bound
	out := string(md.HTML(long, tocsin.MaxUpdateBody))
	if len(out) > tocsin.MaxUpdateBody+100 || strings.ContainsRune(out, '\uFFFD') {
		t.Errorf("bounded render is %d bytes, or cut a character in two", len(out))
	}
}
