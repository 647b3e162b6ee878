package statuspage

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

type rssParsed struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title    string `xml:"title"`
		Link     string `xml:"link"`
		Language string `xml:"language"`
		Items    []struct {
			Title       string `xml:"title"`
			Link        string `xml:"link"`
			GUID        string `xml:"guid"`
			PubDate     string `xml:"pubDate"`
			Description string `xml:"description"`
		} `xml:"item"`
	} `xml:"channel"`
}

type atomParsed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Link    struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Content struct {
			Type  string `xml:"type,attr"`
			Value string `xml:",chardata"`
		} `xml:"content"`
	} `xml:"entry"`
}

// strictXML checks that a document is well-formed XML from start to end.
func strictXML(t *testing.T, name string, data []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return
			}
			t.Fatalf("%s is not well-formed XML: %v", name, err)
		}
	}
}

func TestFeeds(t *testing.T) {
	snap := fixture()
	snap.Incidents[1].Name = `Errors & <timeouts> "quoted"`
	snap.Incidents[1].Updates[1].Body = "Control \x01 char and <b>html</b> & more"
	b := render(t, snap, Options{})

	rss := b.File("history.rss").Body
	strictXML(t, "history.rss", rss)
	var r rssParsed
	if err := xml.Unmarshal(rss, &r); err != nil {
		t.Fatal(err)
	}
	// 2 + 2 incident updates, 3 maintenance updates.
	if r.Version != "2.0" || r.Channel.Title != "Acme – history" || r.Channel.Language != "en" || len(r.Channel.Items) != 7 {
		t.Fatalf("rss: %+v", r.Channel)
	}
	first := r.Channel.Items[0]
	if first.Title != `Errors &amp; &lt;timeouts&gt; &#34;quoted&#34; – Identified` || first.Link != "https://status.acme.test/incidents/inc0000open1.html" ||
		first.GUID != "https://status.acme.test/incidents/inc0000open1.html#update-upd00000102a" {
		t.Errorf("rss first item %+v", first)
	}
	if _, err := time.Parse(time.RFC1123Z, first.PubDate); err != nil {
		t.Errorf("pubDate %q: %v", first.PubDate, err)
	}
	if strings.Contains(first.Description, "<b>") || !strings.Contains(first.Description, "html") || !strings.Contains(first.Description, "&amp; more") {
		t.Errorf("raw HTML in an update is dropped, its text kept; got %q", first.Description)
	}

	atom := b.File("history.atom").Body
	strictXML(t, "history.atom", atom)
	var a atomParsed
	if err := xml.Unmarshal(atom, &a); err != nil {
		t.Fatal(err)
	}
	if a.ID == "" || a.Author.Name != "Acme" || len(a.Entries) != 7 {
		t.Fatalf("atom: %+v", a)
	}
	seen := map[string]bool{}
	for _, e := range a.Entries {
		if seen[e.ID] {
			t.Errorf("atom entry id %s twice", e.ID)
		}
		seen[e.ID] = true
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil || e.Content.Type != "html" || e.Link.Href == "" {
			t.Errorf("atom entry %+v", e)
		}
	}
}

// TestFeedsWithoutURL: a page with no URL set yet still makes valid feeds,
// with relative links and stable URN ids.
func TestFeedsWithoutURL(t *testing.T) {
	snap := fixture()
	snap.Page.URL = ""
	b := render(t, snap, Options{})
	strictXML(t, "history.rss", b.File("history.rss").Body)
	strictXML(t, "history.atom", b.File("history.atom").Body)
	var a atomParsed
	xml.Unmarshal(b.File("history.atom").Body, &a)
	if a.ID != "urn:tocsin:srhpyqt94yxb" || !strings.HasPrefix(a.Entries[0].ID, "urn:tocsin:srhpyqt94yxb:") || a.Entries[0].Link.Href != "incidents/inc0000open1.html" {
		t.Errorf("atom without URL: id %s, first entry %+v", a.ID, a.Entries[0])
	}
}
