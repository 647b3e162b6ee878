package web

import "net/http"

// Routes registers every page. Every handler goes through CrossOriginProtection,
// which lets GET through and refuses a form posted from another site.
func (h *Handler) Routes(mux *http.ServeMux) {
	handle := func(pattern string, handler http.Handler) { mux.Handle(pattern, h.cop.Handler(handler)) }
	page := func(pattern string, need access, fn pageFunc) { handle(pattern, h.page(need, fn)) }

	handle("GET /{$}", http.RedirectHandler("/alerts", http.StatusSeeOther))
	handle("GET /static/{file...}", http.HandlerFunc(h.staticServe))
	// Whatever no package serves gets the 404 page. "/" is less specific than
	// every other pattern, so it never conflicts with the API's or ingest's.
	page("/", public, func(w http.ResponseWriter, r *http.Request, v *view) { h.notFound(w, r, v) })

	// Signing in and out.
	page("GET /login", public, h.loginShow)
	page("POST /login", public, h.loginSubmit)
	page("POST /logout", public, h.logout)

	// Alerts, and the stream that keeps their pages live.
	page("GET /alerts", signedIn, h.alertList)
	page("POST /alerts/bulk", responder, h.alertBulk)
	page("GET /alerts/{id}", signedIn, h.alertShow)
	page("POST /alerts/{id}/{action}", responder, h.alertAct)
	page("POST /alerts/{id}/escalate", responder, h.alertEscalate)
	page("POST /alerts/{id}/reassign", responder, h.alertReassign)
	handle("GET /events", http.HandlerFunc(h.eventsStream))

	// Teams.
	page("GET /teams", signedIn, h.teamList)
	page("POST /teams", admin, h.teamCreate)
	page("GET /teams/{id}", signedIn, h.teamShow)
	page("POST /teams/{id}", admin, h.teamSave)
	page("POST /teams/{id}/delete", admin, h.teamDelete)

	// Services, and the integrations that bring their alerts in.
	page("GET /services", signedIn, h.serviceList)
	page("POST /services", admin, h.serviceCreate)
	page("GET /services/{id}", signedIn, h.serviceShow)
	page("POST /services/{id}", admin, h.serviceSave)
	page("POST /services/{id}/delete", admin, h.serviceDelete)
	page("POST /services/{id}/paging", admin, h.servicePaging)
	page("POST /services/{id}/maintenance", admin, h.maintenanceAdd)
	page("POST /services/{id}/maintenance/{index}/delete", admin, h.maintenanceDelete)
	page("POST /integrations", admin, h.integrationCreate)
	page("GET /integrations/{id}", signedIn, h.integrationShow)
	page("POST /integrations/{id}", admin, h.integrationSave)
	page("POST /integrations/{id}/rotate", admin, h.integrationRotate)
	page("POST /integrations/{id}/revoke", admin, h.integrationRevoke)
	page("POST /integrations/{id}/delete", admin, h.integrationDelete)
	page("POST /integrations/{id}/test", responder, h.integrationSend)

	// Heartbeat monitors (their ping URLs are ingest's: /ping/{key}).
	page("GET /heartbeats", signedIn, h.heartbeatList)
	page("POST /heartbeats", admin, h.heartbeatCreate)
	page("GET /heartbeats/{id}", signedIn, h.heartbeatShow)
	page("POST /heartbeats/{id}", admin, h.heartbeatSave)
	page("POST /heartbeats/{id}/delete", admin, h.heartbeatDelete)

	// Escalation policies: who is paged, in what order (admins edit; everyone reads).
	page("GET /policies", signedIn, h.policyList)
	page("GET /policies/new", admin, h.policyNew)
	page("POST /policies", admin, h.policySave)
	page("GET /policies/{id}/edit", admin, h.policyEdit)
	page("POST /policies/{id}/edit", admin, h.policySave)
	page("GET /policies/{id}/delete", admin, h.policyDeleteConfirm)
	page("POST /policies/{id}/delete", admin, h.policyDelete)

	// Processing rules.
	page("GET /rules", signedIn, h.ruleList)
	page("GET /rules/new", admin, h.ruleNew)
	page("POST /rules", admin, h.ruleSave)
	page("GET /rules/{id}", admin, h.ruleEdit)
	page("POST /rules/{id}", admin, h.ruleSave)
	page("POST /rules/{id}/delete", admin, h.ruleDelete)

	// On call: who is on call, schedules' planning, overrides and swaps.
	page("GET /oncall", signedIn, h.oncallList)
	page("GET /schedules", signedIn, h.scheduleList)
	page("GET /schedules/new", admin, h.scheduleNew)
	page("POST /schedules", admin, h.scheduleSave)
	page("GET /schedules/{id}", signedIn, h.scheduleShow)
	page("GET /schedules/{id}/edit", admin, h.scheduleEdit)
	page("POST /schedules/{id}/edit", admin, h.scheduleSave)
	page("GET /schedules/{id}/delete", admin, h.scheduleDeleteConfirm)
	page("POST /schedules/{id}/delete", admin, h.scheduleDelete)
	page("POST /schedules/{id}/overrides/{oid}/delete", responder, h.overrideDelete)
	page("GET /schedules/{id}/override", responder, h.overrideNew)
	page("POST /schedules/{id}/overrides", responder, h.overrideCreate)
	page("POST /schedules/{id}/swap", responder, h.shiftSwap)
	page("GET /schedules/{id}/import", admin, h.scheduleImportForm)
	page("POST /schedules/{id}/import", admin, h.scheduleImport)
	page("GET /schedules/{id}/planning.csv", signedIn, h.scheduleExport)
	page("GET /shifts", signedIn, h.shiftList)
	page("POST /shifts/time-off", responder, h.timeOffCreate)
	page("POST /shifts/time-off/{id}/delete", responder, h.timeOffDelete)

	// Calendar subscriptions: one's own list, and the public feed (no
	// session: the secret token in the path is the credential; {key} keeps
	// it out of access logs).
	page("GET /calendars", signedIn, h.calendarList)
	page("POST /calendars", signedIn, h.calendarCreate)
	page("POST /calendars/{id}/rotate", signedIn, h.calendarRotate)
	page("POST /calendars/{id}/revoke", signedIn, h.calendarRevoke)
	handle("GET /calendar/{key}", http.HandlerFunc(h.calendarServe))

	// Reports: on-call pay (admins see everyone, others their own rows).
	page("GET /reports/oncall-pay", signedIn, h.reportPay)
	page("GET /reports/oncall-pay.csv", signedIn, h.reportPayCSV)

	// Users (admins) and one's own profile.
	page("GET /users", admin, h.userList)
	page("POST /users", admin, h.userCreate)
	page("POST /users/{id}/role", admin, h.userRole)
	page("POST /users/{id}/delete", admin, h.userDelete)
	page("GET /profile", signedIn, h.profileShow)
	page("POST /profile", signedIn, h.profileSave)
	page("POST /profile/password", signedIn, h.profilePassword)
	page("POST /profile/tokens", signedIn, h.tokenCreate)
	page("POST /profile/tokens/{token}/revoke", signedIn, h.tokenRevoke)

	// How one is paged: contact methods (verified by a code), notification
	// rules and preferences, on one's own profile.
	page("POST /profile/contacts", signedIn, h.contactCreate)
	page("POST /profile/contacts/{id}/verify", signedIn, h.contactVerify)
	page("POST /profile/contacts/{id}/resend", signedIn, h.contactResend)
	page("POST /profile/contacts/{id}/test", signedIn, h.contactTest)
	page("POST /profile/contacts/{id}/delete", signedIn, h.contactDelete)
	page("POST /profile/rules", signedIn, h.notifyRuleCreate)
	page("POST /profile/rules/{id}/delete", signedIn, h.notifyRuleDelete)
	page("POST /profile/notify", signedIn, h.prefsSave)
	// The Web Push service worker, at the root so that it may control every page.
	handle("GET /sw.js", http.HandlerFunc(h.serviceWorker))

	// Acknowledgement links of e-mails and pushes: no session, the signed
	// token is the credential ({key} keeps it out of access logs). GET only
	// shows; acting takes the page's POST.
	handle("GET /ack/{key}", http.HandlerFunc(h.ackShow))
	handle("POST /ack/{key}", http.HandlerFunc(h.ackAct))

	// Every message sent or to send, for admins.
	page("GET /notifications", admin, h.notificationList)

	// The public status page, managed by members (viewers read): components
	// and what open alerts propose for them, incidents and maintenances with
	// their updates, subscribers, the internal timeline, settings. The page
	// itself is served at /status/, without login.
	page("GET /statuspage", signedIn, h.statusComponentList)
	page("POST /statuspage/components", responder, h.statusComponentCreate)
	page("GET /statuspage/components/{id}", signedIn, h.statusComponentEdit)
	page("POST /statuspage/components/{id}", responder, h.statusComponentSave)
	page("POST /statuspage/components/{id}/status", responder, h.statusComponentStatus)
	page("POST /statuspage/components/{id}/apply", responder, h.statusProposalApply)
	page("POST /statuspage/components/{id}/move", responder, h.statusComponentMove)
	page("POST /statuspage/components/{id}/delete", responder, h.statusComponentDelete)
	page("GET /statuspage/incidents", signedIn, h.statusIncidentList)
	page("GET /statuspage/incidents/new", responder, h.statusIncidentNew)
	page("POST /statuspage/incidents", responder, h.statusIncidentCreate)
	page("GET /statuspage/incidents/{id}", signedIn, h.statusIncidentShow)
	page("POST /statuspage/incidents/{id}", responder, h.statusIncidentSave)
	page("POST /statuspage/incidents/{id}/updates", responder, h.statusUpdatePost)
	page("GET /statuspage/incidents/{id}/delete", responder, h.statusIncidentDeleteConfirm)
	page("POST /statuspage/incidents/{id}/delete", responder, h.statusIncidentDelete)
	page("GET /statuspage/maintenances", signedIn, h.statusIncidentList)
	page("GET /statuspage/maintenances/new", responder, h.statusIncidentNew)
	page("POST /statuspage/maintenances", responder, h.statusIncidentCreate)
	page("GET /statuspage/maintenances/{id}", signedIn, h.statusIncidentShow)
	page("POST /statuspage/maintenances/{id}", responder, h.statusIncidentSave)
	page("POST /statuspage/maintenances/{id}/updates", responder, h.statusUpdatePost)
	page("GET /statuspage/maintenances/{id}/delete", responder, h.statusIncidentDeleteConfirm)
	page("POST /statuspage/maintenances/{id}/delete", responder, h.statusIncidentDelete)
	page("GET /statuspage/subscribers", signedIn, h.statusSubscriberList)
	page("POST /statuspage/subscribers/{id}/delete", responder, h.statusSubscriberDelete)
	page("GET /statuspage/timeline", signedIn, h.statusTimeline)
	page("GET /statuspage/settings", signedIn, h.statusSettingsEdit)
	page("POST /statuspage/settings", responder, h.statusSettingsSave)
	// Subscribers added by members: a webhook (its secret shown once), or
	// e-mail addresses, each confirming by e-mail.
	page("POST /statuspage/subscribers/webhook", responder, h.statusSubscriberWebhook)
	page("POST /statuspage/subscribers/emails", responder, h.statusSubscriberEmails)
}
