package statuspage

import (
	"bytes"
	"encoding/xml"
	"html"
	"html/template"
	"slices"
	"time"

	"github.com/tocsin/tocsin"
)

// history.rss and history.atom: one entry per update of every incident and
// maintenance in the snapshot, newest first. Bodies are the sanitised HTML
// of the page, escaped as XML text by encoding/xml.

// maxFeedEntries bounds a feed: feed readers poll it often.
const maxFeedEntries = 200

type feedEntry struct {
	id, title, link string
	at              time.Time
	html            template.HTML
}

func (m *model) feedEntries(md *Markdown) []feedEntry {
	var out []feedEntry
	for _, list := range [][]tocsin.StatusIncident{m.incidents, m.maintenances} {
		for k := range list {
			i := &list[k]
			for _, u := range i.Updates {
				out = append(out, feedEntry{
					id:    m.entryID(i, u),
					title: i.Name + " – " + m.w.IncidentStatus[u.Status],
					link:  m.absolute(incidentPath(i)),
					at:    displayAt(u),
					html:  md.HTML(u.Body, tocsin.MaxUpdateBody),
				})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b feedEntry) int { return b.at.Compare(a.at) })
	if len(out) > maxFeedEntries {
		out = out[:maxFeedEntries]
	}
	return out
}

// entryID stays the same for an update whatever else changes: readers use it
// to tell new entries from old ones.
func (m *model) entryID(i *tocsin.StatusIncident, u tocsin.StatusUpdate) string {
	if m.base != "" {
		return m.absolute(incidentPath(i)) + "#update-" + u.PublicID
	}
	return "urn:tocsin:" + m.page.PublicID + ":" + i.PublicID + ":" + u.PublicID
}

func (m *model) feedTitle() string { return fill(m.w.FeedTitle, "name", m.page.Name) }

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Self          *atomLink `xml:"atom:link,omitempty"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Items         []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate"`
	Description string  `xml:"description"`
}

type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

func (m *model) rssFile(entries []feedEntry) ([]byte, error) {
	doc := rssDoc{Version: "2.0", Atom: "http://www.w3.org/2005/Atom", Channel: rssChannel{
		Title:         m.feedTitle(),
		Link:          m.absolute("index.html"),
		Description:   fill(m.w.FeedDescription, "name", m.page.Name),
		Language:      m.w.Lang,
		LastBuildDate: m.updatedAt.UTC().Format(time.RFC1123Z),
	}}
	if m.base != "" {
		doc.Channel.Self = &atomLink{Href: m.absolute("history.rss"), Rel: "self", Type: "application/rss+xml"}
	}
	for _, e := range entries {
		// RSS does not say whether a title is text or HTML and readers
		// differ: escaped once more, it reads right in both and runs in none.
		doc.Channel.Items = append(doc.Channel.Items, rssItem{
			Title: html.EscapeString(e.title), Link: e.link, GUID: rssGUID{Value: e.id},
			PubDate: e.at.UTC().Format(time.RFC1123Z), Description: string(e.html),
		})
	}
	return marshalXML(doc)
}

type atomDoc struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published"`
	Link      atomLink    `xml:"link"`
	Content   atomContent `xml:"content"`
}

type atomContent struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

func (m *model) atomFile(entries []feedEntry) ([]byte, error) {
	id := m.absolute("history.atom")
	if m.base == "" {
		id = "urn:tocsin:" + m.page.PublicID
	}
	doc := atomDoc{
		Lang: m.w.Lang, ID: id, Title: m.feedTitle(), Updated: m.updatedAt.UTC().Format(time.RFC3339),
		Links:  []atomLink{{Href: m.absolute("index.html"), Rel: "alternate", Type: "text/html"}},
		Author: atomAuthor{Name: m.page.Name},
	}
	if m.base != "" {
		doc.Links = append(doc.Links, atomLink{Href: m.absolute("history.atom"), Rel: "self", Type: "application/atom+xml"})
	}
	for _, e := range entries {
		at := e.at.UTC().Format(time.RFC3339)
		doc.Entries = append(doc.Entries, atomEntry{
			ID: e.id, Title: e.title, Updated: at, Published: at,
			Link:    atomLink{Href: e.link, Rel: "alternate", Type: "text/html"},
			Content: atomContent{Type: "html", Value: string(e.html)},
		})
	}
	return marshalXML(doc)
}

func marshalXML(doc any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", " ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
