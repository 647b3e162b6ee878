package notify

import (
	"context"

	"github.com/tocsin/tocsin"
)

// Registry is the senders by contact type: one explicit map, built by
// internal/app from the configuration. A type missing from it is not offered.
type Registry map[tocsin.ContactType]Sender

// Send sends m through the sender of its type.
func (r Registry) Send(ctx context.Context, typ tocsin.ContactType, m Message) (string, error) {
	s, ok := r[typ]
	if !ok {
		return "", Permanentf("no %s provider is configured on this server", typ)
	}
	return s.Send(ctx, m)
}

// Offers reports whether messages of typ can be sent.
func (r Registry) Offers(typ tocsin.ContactType) bool {
	_, ok := r[typ]
	return ok
}
