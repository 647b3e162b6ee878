package statuspage

import (
	"bytes"
	"html/template"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// markdown turns an update's or post-mortem's Markdown, typed by a member and
// read by anyone, into HTML that cannot run anything: goldmark drops raw HTML
// and dangerous links, and bluemonday's UGC policy removes whatever would
// still slip through (scripts, on* attributes, javascript: URLs).
type markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

func newMarkdown() *markdown {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	return &markdown{
		md:     goldmark.New(goldmark.WithExtensions(extension.Strikethrough, extension.Table, extension.Linkify)),
		policy: p,
	}
}

// html renders src, cut at max bytes (the store bounds bodies already; this
// keeps a page's size bounded whatever it holds).
func (m *markdown) html(src string, max int) template.HTML {
	if len(src) > max {
		for max > 0 && !utf8.RuneStart(src[max]) {
			max--
		}
		src = src[:max]
	}
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(src), &buf); err != nil {
		// goldmark fails only on a writer error; show the text escaped.
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(m.policy.SanitizeBytes(buf.Bytes()))
}
