package statuspage

import (
	"encoding/xml"
	"strconv"
	"strings"
	"testing"

	"github.com/tocsin/tocsin"
)

type svgParsed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2000/svg svg"`
	Width   string   `xml:"width,attr"`
	Label   string   `xml:"aria-label,attr"`
	Title   string   `xml:"title"`
	Texts   []string `xml:"g>text"`
}

func TestBadges(t *testing.T) {
	snap := fixture()
	snap.Components[3].Name = `Mail <&> "quotes" and a very long name that goes on and on and on`
	b := render(t, snap, Options{})

	for _, p := range b.Paths() {
		if !strings.HasSuffix(p, ".svg") {
			continue
		}
		strictXML(t, p, b.File(p).Body)
	}
	var page svgParsed
	if err := xml.Unmarshal(b.File("badge.svg").Body, &page); err != nil {
		t.Fatal(err)
	}
	if page.Title != "status: Partial System Outage" || !strings.Contains(string(b.File("badge.svg").Body), `fill="#c2410c"`) {
		t.Errorf("page badge %+v", page)
	}

	var mail svgParsed
	if err := xml.Unmarshal(b.File("components/cmp000email1/badge.svg").Body, &mail); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mail.Title, `Mail <&> "quotes" and a very long name`) || !strings.HasSuffix(mail.Title, "…: Operational") {
		t.Errorf("component badge title %q: escaped, clipped name and status expected", mail.Title)
	}
	// A longer text makes a wider badge.
	short := badge("status", "ok", "#000")
	long := badge("status", "Major System Outage", "#000")
	var s, l svgParsed
	xml.Unmarshal(short, &s)
	xml.Unmarshal(long, &l)
	sw, _ := strconv.Atoi(s.Width)
	lw, _ := strconv.Atoi(l.Width)
	if sw < 50 || lw < sw+80 {
		t.Errorf("badge widths: %d for ok, %d for Major System Outage", sw, lw)
	}
	if len(b.Paths()) == 0 || b.File("components/"+snap.Components[4].PublicID+"/badge.svg") == nil {
		t.Error("a hidden component still has its badge (it is in the JSON too)")
	}
	_ = tocsin.ComponentOperational
}
