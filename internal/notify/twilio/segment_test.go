package twilio

import (
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"pgregory.net/rapid"
)

func TestGSMAlphabet(t *testing.T) {
	// The default alphabet is 128 codes, one of which is the escape.
	if n := utf8.RuneCountInString(gsmBasic); n != 127 {
		t.Fatalf("gsmBasic has %d characters, want 127", n)
	}
	seen := map[rune]bool{}
	for _, r := range gsmBasic + gsmExtension {
		if seen[r] {
			t.Errorf("%q is listed twice", r)
		}
		seen[r] = true
	}
	for _, r := range gsmBasic {
		if septets(r) != 1 {
			t.Errorf("septets(%q) = %d, want 1", r, septets(r))
		}
	}
	for _, r := range gsmExtension {
		if septets(r) != 2 {
			t.Errorf("septets(%q) = %d, want 2", r, septets(r))
		}
	}
	for _, r := range "çêâîôûëïÊ`\t…’🔥д" {
		if septets(r) != 0 {
			t.Errorf("%q is not GSM-7, septets says %d", r, septets(r))
		}
	}
}

func TestSegments(t *testing.T) {
	for _, tc := range []struct {
		text string
		n    int
		gsm  bool
	}{
		{"", 0, true},
		{"ack 42", 1, true},
		{strings.Repeat("a", 160), 1, true},
		{strings.Repeat("a", 161), 2, true},
		{strings.Repeat("a", 306), 2, true},
		{strings.Repeat("a", 307), 3, true},
		{strings.Repeat("€", 80), 1, true},                                   // 160 septets
		{strings.Repeat("€", 81), 2, true},                                   // 162
		{strings.Repeat("a", 152) + "€" + strings.Repeat("b", 152), 3, true}, // 306 septets, but the escape pair is not split: 152 | 153 | 1
		{"Déjà vu à Orléans, Ça ira", 1, true},                               // all in the default alphabet
		{"ça", 1, false},                                                     // ç is not
		{strings.Repeat("ç", 70), 1, false},                                  // 70 units
		{strings.Repeat("ç", 71), 2, false},                                  // 67 per part
		{strings.Repeat("🔥", 35), 1, false},                                  // 70 units, two each
		{strings.Repeat("🔥", 36), 2, false},                                  // 72; a pair is never split: 33+3
		{strings.Repeat("a", 66) + "🔥" + strings.Repeat("b", 66), 3, false},  // 134 units, but the pair is not split: 66 | 67 | 1
	} {
		n, gsm := Segments(tc.text)
		if n != tc.n || gsm != tc.gsm {
			t.Errorf("Segments(%.20q… %d runes) = %d, %v; want %d, %v", tc.text, utf8.RuneCountInString(tc.text), n, gsm, tc.n, tc.gsm)
		}
	}
}

func TestFitSMS(t *testing.T) {
	long := "P1 #42 disk full on db1.example.com: /var is at 99% and the replication lag grows; " +
		"the backup job failed twice tonight and the on-call runbook says to page the DBA " +
		"before anything else. Ack: reply 4 42. https://tocsin.example.com/alerts/42"
	for _, tc := range []struct {
		name, in, want string
	}{
		{"fits: unchanged", "P1 #42 Disque plein sur db1 : à réparer. Reply 4 42", "P1 #42 Disque plein sur db1 : à réparer. Reply 4 42"},
		{"fits with its line breaks", "P1 #42\n\nDisk full\r\n", "P1 #42\n\nDisk full\r\n"},
		{"white space collapsed", "P1   #42\t\tdisk full" + strings.Repeat(" ", 200) + "\n\n  reply 4 42",
			"P1 #42 disk full\nreply 4 42"},
		{"accents outside GSM-7 dropped, those inside kept",
			"P2 #7 Tâche échouée : la fenêtre de maintenance « nuit » n’a pas été respectée sur le nœud hôte-3, " +
				"voir le tableau de bord. Répondre 4 7",
			"P2 #7 Tache échouée : la fenetre de maintenance \" nuit \" n'a pas été respectée sur le noeud hote-3, " +
				"voir le tableau de bord. Répondre 4 7"},
		{"the French n° made plain", "Alerte P1 n°42 sur checkout : " + strings.Repeat("x", 60) + " (4 42 = prise en compte)",
			"Alerte P1 no42 sur checkout : " + strings.Repeat("x", 60) + " (4 42 = prise en compte)"},
		{"emoji dropped", "🔥🔥 " + strings.Repeat("x", 100) + " ✅", strings.Repeat("x", 100)},
		{"cut between words with three dots",
			long,
			"P1 #42 disk full on db1.example.com: /var is at 99% and the replication lag grows; " +
				"the backup job failed twice tonight and the on-call runbook says to page..."},
		{"another script: UCS-2, cut with an ellipsis",
			"P1 #42 Диск заполнен на сервере базы данных, репликация отстаёт, резервное копирование не удалось",
			"P1 #42 Диск заполнен на сервере базы данных, репликация отстаёт…"},
		{"one long word is cut where it must", strings.Repeat("y", 400), strings.Repeat("y", 157) + "..."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := FitSMS(tc.in)
			if got != tc.want {
				t.Errorf("FitSMS =\n%q\nwant\n%q", got, tc.want)
			}
			if n, _ := Segments(got); n > 1 {
				t.Errorf("%q is %d segments", got, n)
			}
		})
	}
}

// smsText draws texts as alerts write them: mostly Latin, some accents in and
// out of GSM-7, extension characters, emoji, another script, white space and
// control characters, up to Twilio's 1,600.
func smsText() *rapid.Generator[string] {
	pieces := []string{"a", "Z", "7", " ", " ", "\n", "\r", "\t", "é", "à", "Ç", "ç", "ê", "œ", "’", "…", "«",
		"€", "[", "^", "|", "🔥", "👩‍💻", "д", "漢", "\x00", "\u00a0", "\u200b", "\ufe0f", "ab ", "cd. ", "https://x.example/a?b=c "}
	return rapid.Custom(func(t *rapid.T) string {
		n := rapid.IntRange(0, 400).Draw(t, "n")
		var b strings.Builder
		for range n {
			b.WriteString(rapid.SampledFrom(pieces).Draw(t, "piece"))
		}
		s := b.String()
		if utf8.RuneCountInString(s) > 1600 {
			s = string([]rune(s)[:1600])
		}
		return s
	})
}

func TestFitSMSProperties(t *testing.T) {
	check := func(t *rapid.T, in string) {
		out := FitSMS(in)
		if n, gsm := Segments(out); n > 1 {
			t.Fatalf("FitSMS(%q) = %q: %d segments (gsm %v)", in, out, n, gsm)
		}
		if !utf8.ValidString(out) {
			t.Fatalf("FitSMS(%q) = %q: not UTF-8", in, out)
		}
		if fits(in) && out != in {
			t.Fatalf("%q fits but FitSMS changed it to %q", in, out)
		}
		if again := FitSMS(out); again != out {
			t.Fatalf("not stable: %q then %q", out, again)
		}
		if _, gsm := Segments(out); !gsm && len(utf16.Encode([]rune(out))) > ucs2Single {
			t.Fatalf("%q is UCS-2 and too long", out)
		}
	}
	t.Run("alert-like texts", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) { check(t, smsText().Draw(t, "text")) })
	})
	t.Run("any text", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) { check(t, rapid.StringN(0, 1600, -1).Draw(t, "text")) })
	})
}

func FuzzFitSMS(f *testing.F) {
	f.Add("P1 #42 disk full")
	f.Add(strings.Repeat("ç", 100))
	f.Add("\xff\xfe invalid")
	f.Fuzz(func(t *testing.T, in string) {
		if n, _ := Segments(FitSMS(in)); n > 1 {
			t.Fatalf("%q does not fit", in)
		}
	})
}

// "n°" is a number and reads "no"; a degree sign is not a letter o: it goes,
// as other symbols do (85C, not 85oC).
func TestTransliterateNumeroNotDegrees(t *testing.T) {
	if got := Transliterate("Alerte n°42, N°7 : baie à 85°C"); got != "Alerte no42, No7 : baie à 85C" {
		t.Errorf("Transliterate = %q", got)
	}
}
