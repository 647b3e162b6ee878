package twilio

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// An SMS is sent in GSM-7 when every character is in the GSM 03.38 default
// alphabet (160 septets per message, extension characters taking two), and in
// UCS-2 otherwise (70 UTF-16 units). A longer text is split into parts of 153
// septets or 67 units, each billed and each a chance to arrive out of order.
const (
	gsmSingle  = 160
	gsmPart    = 153
	ucs2Single = 70
	ucs2Part   = 67
)

// gsmBasic is the GSM 03.38 default alphabet, without the escape (0x1B).
// Note é, è, ù, ì, ò, à, É and Ç are in it, but not ç, ê or â.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension is reached through the escape: two septets each.
const gsmExtension = "\f^{}\\[~]|€"

// septets is the GSM-7 width of r: 1, 2, or 0 when r is not GSM-7.
func septets(r rune) int {
	switch {
	case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == ' '):
		return 1
	case strings.ContainsRune(gsmBasic, r):
		return 1
	case strings.ContainsRune(gsmExtension, r):
		return 2
	}
	return 0
}

// isGSM reports whether all of s can be sent in GSM-7.
func isGSM(s string) bool {
	for _, r := range s {
		if septets(r) == 0 {
			return false
		}
	}
	return true
}

// Segments is how many messages text is sent as, and whether in GSM-7
// (otherwise UCS-2). An empty text is 0 messages.
func Segments(text string) (n int, gsm bool) {
	if text == "" {
		return 0, true
	}
	gsm = isGSM(text)
	width, single, part := utf16.RuneLen, ucs2Single, ucs2Part
	if gsm {
		width, single, part = septets, gsmSingle, gsmPart
	}
	total := 0
	for _, r := range text {
		total += width(r)
	}
	if total <= single {
		return 1, gsm
	}
	// Parts never split an escape pair or a surrogate pair.
	n, used := 1, 0
	for _, r := range text {
		w := width(r)
		if used+w > part {
			n, used = n+1, 0
		}
		used += w
	}
	return n, gsm
}

// fits reports whether text goes out as at most one message.
func fits(text string) bool {
	n, _ := Segments(text)
	return n <= 1
}

// FitSMS returns text made to fit one SMS, changed as little as it takes: as
// it is; with runs of white space collapsed; with letters outside GSM-7
// written without their accents, typographic punctuation made plain and
// emoji dropped (so that 160 characters fit, not 70); and last cut at a word
// boundary with an ellipsis. The engine puts what matters first.
func FitSMS(text string) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	if fits(text) {
		return text
	}
	text = collapseSpace(text)
	if fits(text) {
		return text
	}
	plain := collapseSpace(Transliterate(text))
	if fits(plain) {
		return plain
	}
	if isGSM(plain) {
		return truncate(plain, gsmSingle, "...", septets)
	}
	// Another script: UCS-2 it is, and the original reads better.
	return truncate(text, ucs2Single, "…", utf16.RuneLen)
}

// collapseSpace turns each run of white space into one space, or one newline
// when the run holds a line break, and trims both ends.
func collapseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	run, newline := false, false
	for _, r := range s {
		if unicode.IsSpace(r) {
			run = true
			newline = newline || r == '\n'
			continue
		}
		if run && b.Len() > 0 {
			if newline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
		run, newline = false, false
		b.WriteRune(r)
	}
	return b.String()
}

// Transliterate rewrites what is not GSM-7 into GSM-7 where a reader loses
// nothing: ê → e, ç → c, ’ → ', … → ..., n° → no, emoji and joiners dropped.
// What has no plain form (another script) stays as it is.
func Transliterate(s string) string {
	// "n°" (numéro) reads "no"; a degree sign elsewhere is a symbol, dropped below (85C).
	s = strings.NewReplacer("n°", "no", "N°", "No").Replace(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if septets(r) > 0 {
			b.WriteRune(r)
			continue
		}
		if p, ok := plainForm(r); ok {
			b.WriteString(p)
			continue
		}
		switch {
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.In(r, unicode.So, unicode.Sk, unicode.Mn, unicode.Me, unicode.Cf, unicode.Co, unicode.Cc):
			// emoji, variation selectors, zero-width joiners, control characters: noise
		default:
			b.WriteString(unaccented(r))
		}
	}
	return b.String()
}

// plainForm is the GSM-7 spelling of punctuation and letters that have no
// decomposition.
func plainForm(r rune) (string, bool) {
	switch r {
	case '‘', '’', '‚', '‛', '′', '‹', '›', '`', '´':
		return "'", true
	case '“', '”', '„', '‟', '″', '«', '»':
		return "\"", true
	case '‐', '‑', '‒', '–', '—', '―', '−':
		return "-", true
	case '…':
		return "...", true
	case '•', '·', '‧':
		return "-", true
	case '≤':
		return "<=", true
	case '≥':
		return ">=", true
	case '≠':
		return "!=", true
	case '→':
		return "->", true
	case '←':
		return "<-", true
	case '×':
		return "x", true
	case '÷':
		return "/", true
	case '±':
		return "+/-", true
	case 'º':
		return "o", true // the ordinal indicator: nº → no
	case 'œ':
		return "oe", true
	case 'Œ':
		return "OE", true
	case 'ł':
		return "l", true
	case 'Ł':
		return "L", true
	case 'đ', 'ð':
		return "d", true
	case 'Đ', 'Ð':
		return "D", true
	case 'ı':
		return "i", true
	case 'þ':
		return "th", true
	case 'Þ':
		return "Th", true
	}
	return "", false
}

// unaccented is r without its diacritics when what is left is GSM-7 (ê → e,
// Ş → S), else r unchanged.
func unaccented(r rune) string {
	var b strings.Builder
	for _, d := range norm.NFD.String(string(r)) {
		if unicode.Is(unicode.Mn, d) {
			continue
		}
		if septets(d) == 0 {
			return string(r)
		}
		b.WriteRune(d)
	}
	if b.Len() == 0 {
		return string(r)
	}
	return b.String()
}

// truncate cuts s to fit limit (in width units) with ellipsis appended,
// preferring to cut between words when that keeps most of the text.
func truncate(s string, limit int, ellipsis string, width func(rune) int) string {
	budget := limit
	for _, r := range ellipsis {
		budget -= width(r)
	}
	used, cut := 0, 0
	for i, r := range s {
		w := width(r)
		if used+w > budget {
			break
		}
		used += w
		cut = i + utf8.RuneLen(r)
	}
	prefix := s[:cut]
	next, _ := utf8.DecodeRuneInString(s[cut:])
	if cut < len(s) && !unicode.IsSpace(next) {
		if i := strings.LastIndexAny(prefix, " \n"); i >= len(prefix)/2 {
			prefix = prefix[:i]
		}
	}
	prefix = strings.TrimRightFunc(prefix, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:-", r)
	})
	return prefix + ellipsis
}
