package web

import (
	"testing"

	"github.com/tocsin/tocsin"
)

// TestPagingMessagesBuiltAtRunTime checks the ids the paging pages build from
// domain values (contact types, message kinds and statuses), which the scan of
// literal ids cannot see.
func TestPagingMessagesBuiltAtRunTime(t *testing.T) {
	for _, lang := range tocsin.Locales() {
		ids := catalogIDs(t, lang)
		var want []string
		for _, c := range tocsin.ContactTypes() {
			want = append(want, contactTypeID(c), "contacts.help_"+string(c))
		}
		for _, s := range notificationStatuses() {
			want = append(want, "notifications.status_"+string(s))
		}
		for _, k := range notificationKinds() {
			want = append(want, "notifications.kind_"+string(k))
		}
		for _, u := range []tocsin.Urgency{tocsin.UrgencyHigh, tocsin.UrgencyLow} {
			want = append(want, "nrules.title_"+string(u))
		}
		for _, id := range want {
			if !ids[id] {
				t.Errorf("%s: no message %q", lang, id)
			}
		}
	}
}
