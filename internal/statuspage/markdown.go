package statuspage

import (
	"bytes"
	"html/template"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Markdown turns an update's or post-mortem's Markdown, typed by a member and
// read by anyone, into HTML that cannot run anything: goldmark drops raw HTML
// and dangerous links, and bluemonday's UGC policy removes whatever would
// still slip through (scripts, on* attributes, javascript: URLs). The public
// page, its feeds and the admin pages share it, so a member previews exactly
// what customers will read. Safe for concurrent use.
type Markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// NewMarkdown returns the renderer with the page's settings.
func NewMarkdown() *Markdown {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	return &Markdown{
		md:     goldmark.New(goldmark.WithExtensions(extension.Strikethrough, extension.Table, extension.Linkify)),
		policy: p,
	}
}

// HTML renders src, cut at max bytes on a character boundary (the store
// bounds bodies already; this keeps a page's size bounded whatever it holds).
func (m *Markdown) HTML(src string, max int) template.HTML {
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
