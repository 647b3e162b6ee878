package web

import (
	"testing"

	"github.com/tocsin/tocsin"
)

// TestStatusPageWordsExist checks that every component status, incident and
// maintenance status, impact and subscriber kind, whose message ids the
// status page's admin builds at run time, has its words in both languages.
func TestStatusPageWordsExist(t *testing.T) {
	var ids []string
	for _, s := range tocsin.ComponentStatuses() {
		ids = append(ids, "status_admin.component_status."+string(s))
	}
	for _, m := range []bool{false, true} {
		for _, s := range incidentStatuses(m) {
			ids = append(ids, "status_admin.incident_status."+string(s))
		}
	}
	for _, i := range append(incidentImpacts(), tocsin.ImpactMaintenance) {
		ids = append(ids, "status_admin.impacts."+string(i))
	}
	for _, k := range []tocsin.SubscriberKind{tocsin.SubscriberEmail, tocsin.SubscriberWebhook} {
		ids = append(ids, "status_admin.subscriber_kind."+string(k))
	}
	for _, lang := range tocsin.Locales() {
		have := catalogIDs(t, lang)
		for _, id := range ids {
			if !have[id] {
				t.Errorf("%s.toml lacks %q", lang, id)
			}
		}
	}
}
