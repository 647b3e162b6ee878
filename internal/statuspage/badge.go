package statuspage

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"unicode/utf8"

	"github.com/tocsin/tocsin"
)

// Shields-like SVG badges: badge.svg for the page and
// components/<publicid>/badge.svg for each component. Widths are computed
// from the text (Verdana 11px, as shields.io), text is escaped.

// maxBadgeText bounds a label (component names are up to 100 characters).
const maxBadgeText = 40

func (m *model) pageBadge() []byte {
	return badge(m.w.BadgeLabel, m.banner(), indicatorColour(m.indicator))
}

func (m *model) componentBadge(c *tocsin.Component) []byte {
	return badge(c.Name, m.w.ComponentStatus[c.Status], statusColour(c.Status))
}

func indicatorColour(p tocsin.PageIndicator) string {
	switch p {
	case tocsin.IndicatorMinor:
		return "#9c6500"
	case tocsin.IndicatorMajor:
		return "#c2410c"
	case tocsin.IndicatorCritical:
		return "#c92a2a"
	case tocsin.IndicatorMaintenance:
		return "#1c64c4"
	}
	return "#2f7d3a"
}

func statusColour(s tocsin.ComponentStatus) string {
	switch s {
	case tocsin.ComponentDegraded:
		return indicatorColour(tocsin.IndicatorMinor)
	case tocsin.ComponentPartial:
		return indicatorColour(tocsin.IndicatorMajor)
	case tocsin.ComponentMajor:
		return indicatorColour(tocsin.IndicatorCritical)
	case tocsin.ComponentMaintenance:
		return indicatorColour(tocsin.IndicatorMaintenance)
	}
	return indicatorColour(tocsin.IndicatorNone)
}

// textWidth estimates the width in pixels of s in 11px Verdana: close enough
// for the text to fit its box, without shipping a font's metrics.
func textWidth(s string) int {
	w := 0.0
	for _, r := range s {
		switch {
		case r == ' ':
			w += 3.9
		case r == 'i' || r == 'l' || r == 'j' || r == '.' || r == ',' || r == ':' || r == ';' || r == '\'' || r == '|' || r == '!' || r == 'I':
			w += 3.4
		case r == 'f' || r == 't' || r == 'r' || r == '(' || r == ')' || r == '-':
			w += 4.9
		case r == 'm' || r == 'w' || r == 'M' || r == 'W' || r == '%' || r == '@':
			w += 10.7
		case r >= 'A' && r <= 'Z':
			w += 8.0
		case r >= 0x2E80: // CJK and the like are wide
			w += 11.0
		default:
			w += 7.0
		}
	}
	return int(w + 0.5)
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func escapeXML(s string) string {
	var buf bytes.Buffer
	xml.EscapeText(&buf, []byte(s))
	return buf.String()
}

func badge(label, message, colour string) []byte {
	label, message = clip(label, maxBadgeText), clip(message, maxBadgeText)
	lw, mw := textWidth(label)+10, textWidth(message)+10
	total := lw + mw
	l, msg := escapeXML(label), escapeXML(message)
	itoa := strconv.Itoa
	var b bytes.Buffer
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="` + itoa(total) + `" height="20" role="img" aria-label="` + l + `: ` + msg + `">`)
	b.WriteString(`<title>` + l + `: ` + msg + `</title>`)
	b.WriteString(`<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`)
	b.WriteString(`<clipPath id="r"><rect width="` + itoa(total) + `" height="20" rx="3" fill="#fff"/></clipPath>`)
	b.WriteString(`<g clip-path="url(#r)"><rect width="` + itoa(lw) + `" height="20" fill="#555"/><rect x="` + itoa(lw) + `" width="` + itoa(mw) + `" height="20" fill="` + colour + `"/><rect width="` + itoa(total) + `" height="20" fill="url(#s)"/></g>`)
	b.WriteString(`<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">`)
	b.WriteString(`<text x="` + half(lw) + `" y="15" fill="#010101" fill-opacity=".3" aria-hidden="true">` + l + `</text><text x="` + half(lw) + `" y="14">` + l + `</text>`)
	b.WriteString(`<text x="` + half(2*lw+mw) + `" y="15" fill="#010101" fill-opacity=".3" aria-hidden="true">` + msg + `</text><text x="` + half(2*lw+mw) + `" y="14">` + msg + `</text>`)
	b.WriteString(`</g></svg>` + "\n")
	return b.Bytes()
}

// half writes n/2 with one decimal: text is centred on its box.
func half(n int) string {
	return strconv.FormatFloat(float64(n)/2, 'f', 1, 64)
}
