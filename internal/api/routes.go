package api

import (
	"net/http"

	"github.com/tocsin/tocsin"
)

// prefix is where the API lives.
const prefix = "/api/v1"

// public marks a route that needs no token.
const public tocsin.Role = ""

// route is one endpoint: what it answers, who may call it, and the function
// that does the work. The OpenAPI test enumerates this table.
type route struct {
	method  string
	pattern string
	role    tocsin.Role // the least role allowed; public: no token needed
	handle  func(w http.ResponseWriter, r *http.Request, u *tocsin.User) error
}

// routes lists every endpoint of /api/v1. Viewers read, members also act on
// alerts, admins also configure. Everyone manages their own tokens.
func (h *Handler) routes() []route {
	const (
		viewer = tocsin.RoleViewer
		member = tocsin.RoleMember
		admin  = tocsin.RoleAdmin
	)
	p := func(s string) string { return prefix + s }
	return []route{
		{"GET", p("/openapi.yaml"), public, h.openAPI},
		{"GET", p("/me"), viewer, h.me},

		{"GET", p("/alerts"), viewer, h.listAlerts},
		{"POST", p("/alerts/acknowledge"), member, h.bulkAcknowledge},
		{"POST", p("/alerts/resolve"), member, h.bulkResolve},
		{"GET", p("/alerts/{id}"), viewer, h.getAlert},
		{"GET", p("/alerts/{id}/timeline"), viewer, h.alertTimeline},
		{"POST", p("/alerts/{id}/acknowledge"), member, h.acknowledgeAlert},
		{"POST", p("/alerts/{id}/unacknowledge"), member, h.unacknowledgeAlert},
		{"POST", p("/alerts/{id}/resolve"), member, h.resolveAlert},
		{"POST", p("/alerts/{id}/notes"), member, h.addNote},
		{"POST", p("/alerts/{id}/escalate"), member, h.escalateAlert},
		{"POST", p("/alerts/{id}/reassign"), member, h.reassignAlert},
		{"GET", p("/alerts/{id}/notifications"), viewer, h.alertNotifications},

		{"GET", p("/teams"), viewer, h.listTeams},
		{"POST", p("/teams"), admin, h.createTeam},
		{"GET", p("/teams/{id}"), viewer, h.getTeam},
		{"PATCH", p("/teams/{id}"), admin, h.updateTeam},
		{"DELETE", p("/teams/{id}"), admin, h.deleteTeam},

		{"GET", p("/services"), viewer, h.listServices},
		{"POST", p("/services"), admin, h.createService},
		{"GET", p("/services/{id}"), viewer, h.getService},
		{"PATCH", p("/services/{id}"), admin, h.updateService},
		{"DELETE", p("/services/{id}"), admin, h.deleteService},
		{"GET", p("/services/{id}/changes"), viewer, h.serviceChanges},

		{"GET", p("/escalation-policies"), viewer, h.listPolicies},
		{"POST", p("/escalation-policies"), admin, h.createPolicy},
		{"GET", p("/escalation-policies/{id}"), viewer, h.getPolicy},
		{"PATCH", p("/escalation-policies/{id}"), admin, h.updatePolicy},
		{"DELETE", p("/escalation-policies/{id}"), admin, h.deletePolicy},

		{"GET", p("/notifications"), admin, h.listNotifications},

		{"GET", p("/integrations"), viewer, h.listIntegrations},
		{"POST", p("/integrations"), admin, h.createIntegration},
		{"GET", p("/integrations/{id}"), viewer, h.getIntegration},
		{"PATCH", p("/integrations/{id}"), admin, h.updateIntegration},
		{"DELETE", p("/integrations/{id}"), admin, h.deleteIntegration},
		{"POST", p("/integrations/{id}/rotate"), admin, h.rotateIntegration},
		{"POST", p("/integrations/{id}/revoke"), admin, h.revokeIntegration},

		{"GET", p("/heartbeats"), viewer, h.listHeartbeats},
		{"POST", p("/heartbeats"), admin, h.createHeartbeat},
		{"GET", p("/heartbeats/{id}"), viewer, h.getHeartbeat},
		{"PATCH", p("/heartbeats/{id}"), admin, h.updateHeartbeat},
		{"DELETE", p("/heartbeats/{id}"), admin, h.deleteHeartbeat},

		{"GET", p("/rules"), viewer, h.listRules},
		{"POST", p("/rules"), admin, h.createRule},
		{"GET", p("/rules/{id}"), viewer, h.getRule},
		{"PATCH", p("/rules/{id}"), admin, h.updateRule},
		{"DELETE", p("/rules/{id}"), admin, h.deleteRule},

		{"GET", p("/users"), admin, h.listUsers},
		{"POST", p("/users"), admin, h.createUser},
		{"GET", p("/users/{id}"), admin, h.getUser},
		{"PATCH", p("/users/{id}"), admin, h.updateUser},
		{"DELETE", p("/users/{id}"), admin, h.deleteUser},

		{"GET", p("/oncall"), viewer, h.whoIsOnCall},
		{"GET", p("/schedules"), viewer, h.listSchedules},
		{"POST", p("/schedules"), admin, h.createSchedule},
		{"GET", p("/schedules/{id}"), viewer, h.getSchedule},
		{"PATCH", p("/schedules/{id}"), admin, h.updateSchedule},
		{"DELETE", p("/schedules/{id}"), admin, h.deleteSchedule},
		{"POST", p("/schedules/{id}/overrides"), member, h.createOverride},
		{"DELETE", p("/schedules/{id}/overrides/{oid}"), member, h.deleteOverride},
		{"POST", p("/schedules/{id}/swap"), member, h.swapShifts},
		{"POST", p("/schedules/{id}/import"), admin, h.importSchedule},
		{"GET", p("/schedules/{id}/planning.csv"), viewer, h.exportSchedule},

		{"GET", p("/users/{id}/time-off"), viewer, h.listTimeOff},
		{"POST", p("/users/{id}/time-off"), member, h.createTimeOff},
		{"DELETE", p("/users/{id}/time-off/{tid}"), member, h.deleteTimeOff},

		// Everyone manages how they are paged.
		{"GET", p("/users/me/contact-methods"), viewer, h.listContacts},
		{"POST", p("/users/me/contact-methods"), viewer, h.createContact},
		{"DELETE", p("/users/me/contact-methods/{id}"), viewer, h.deleteContact},
		{"POST", p("/users/me/contact-methods/{id}/send-code"), viewer, h.resendCode},
		{"POST", p("/users/me/contact-methods/{id}/verify"), viewer, h.verifyContact},
		{"POST", p("/users/me/contact-methods/{id}/test"), viewer, h.testContact},
		{"GET", p("/users/me/notification-rules"), viewer, h.listNotificationRules},
		{"POST", p("/users/me/notification-rules"), viewer, h.createNotificationRule},
		{"DELETE", p("/users/me/notification-rules/{id}"), viewer, h.deleteNotificationRule},
		{"GET", p("/users/me/notify-preferences"), viewer, h.getNotifyPreferences},
		{"PUT", p("/users/me/notify-preferences"), viewer, h.putNotifyPreferences},

		{"GET", p("/reports/oncall-pay"), viewer, h.onCallPay},

		{"GET", p("/tokens"), viewer, h.listTokens},
		{"POST", p("/tokens"), viewer, h.createToken},
		{"DELETE", p("/tokens/{id}"), viewer, h.revokeToken},
	}
}
