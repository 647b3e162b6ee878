package twilio

import (
	"encoding/xml"
	"net/http"
)

// TwiML verbs, built with encoding/xml so that every value is escaped. Only
// what the on-call number needs; see Twilio's TwiML reference.

// Response is a TwiML document: verbs run in order.
type Response struct {
	XMLName xml.Name `xml:"Response"`
	Verbs   []any
}

// Say speaks text in a language ("en-US", "fr-FR") with a voice.
type Say struct {
	XMLName  xml.Name `xml:"Say"`
	Voice    string   `xml:"voice,attr,omitempty"`
	Language string   `xml:"language,attr,omitempty"`
	Text     string   `xml:",chardata"`
}

// Dial connects the caller to a number. Without Action, the document goes on
// with the next verb when the dialled call ends, answered or not.
type Dial struct {
	XMLName  xml.Name `xml:"Dial"`
	CallerID string   `xml:"callerId,attr,omitempty"`
	Timeout  int      `xml:"timeout,attr,omitempty"` // seconds to ring
	Action   string   `xml:"action,attr,omitempty"`  // fetched when the dialled call ends, with DialCallStatus
	Method   string   `xml:"method,attr,omitempty"`
	Numbers  []Number `xml:"Number"`
}

// Number is a phone number to dial, E.164.
type Number struct {
	Value string `xml:",chardata"`
}

// Message sends an SMS: to To, or back to the sender when To is empty.
type Message struct {
	XMLName xml.Name `xml:"Message"`
	To      string   `xml:"to,attr,omitempty"`
	Body    string   `xml:",chardata"`
}

// Hangup ends the call.
type Hangup struct {
	XMLName xml.Name `xml:"Hangup"`
}

// Redirect fetches the rest of the call's TwiML from URL.
type Redirect struct {
	XMLName xml.Name `xml:"Redirect"`
	Method  string   `xml:"method,attr,omitempty"`
	URL     string   `xml:",chardata"`
}

// Pause waits Length seconds.
type Pause struct {
	XMLName xml.Name `xml:"Pause"`
	Length  int      `xml:"length,attr,omitempty"`
}

// Add appends verbs and returns the response, to build a document in one expression.
func (r *Response) Add(verbs ...any) *Response {
	r.Verbs = append(r.Verbs, verbs...)
	return r
}

// Render returns the document with its XML declaration.
func (r *Response) Render() []byte {
	b, err := xml.Marshal(r)
	if err != nil {
		// Only our own verb types are ever added: this cannot happen.
		panic("twilio: TwiML does not marshal: " + err.Error())
	}
	return append([]byte(xml.Header), b...)
}

// ContentType is what a TwiML document is served as.
const ContentType = "text/xml; charset=utf-8"

// write sends the document to Twilio.
func (r *Response) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(r.Render())
}
