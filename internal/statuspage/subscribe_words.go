package statuspage

import (
	"time"

	"github.com/tocsin/tocsin"
)

// subscribeWords are the words of the subscription pages (subscribe,
// confirm, unsubscribe), in the page's language, beside the page's own
// table (words.go).
type subscribeWords struct {
	CheckInbox, CheckInboxText, CheckSpam                 string
	NoEmail, BadEmail, BadComponent, TooMany, Unavailable string
	NoEmailSent                                           string
	TooLarge, BadForm                                     string
	ConfirmTitle, ConfirmText, ConfirmButton              string
	Confirmed, ConfirmedText                              string
	BadLink, BadLinkText                                  string
	Unsubscribe, UnsubscribeText, UnsubscribeButton       string
	Unsubscribed, UnsubscribedText, UnsubscribedWebhook   string
	About, WholePage, ResubscribeHint                     string
	ConfirmedWebhook, ListSepar                           string
}

func subscribeWordsFor(lang string) *subscribeWords {
	if lang == "fr" {
		return &subscribeWords{
			CheckInbox:      "Consultez votre messagerie",
			CheckInboxText:  "Sauf si {email} est déjà abonnée, elle va recevoir un message avec un lien pour confirmer l’abonnement. Rien d’autre ne lui est envoyé avant cette confirmation.",
			CheckSpam:       "Rien après quelques minutes\u00a0? Regardez dans le dossier des indésirables.",
			NoEmail:         "Saisissez votre adresse e-mail.",
			NoEmailSent:     "Cette page n’envoie pas d’e-mails\u00a0: rien n’a été enregistré.",
			BadEmail:        "«\u00a0{email}\u00a0» n’est pas une adresse e-mail.",
			BadComponent:    "Un composant choisi n’est plus sur la page\u00a0: choisissez à nouveau. Rien n’a été enregistré.",
			TooMany:         "Trop de demandes d’abonnement depuis votre réseau\u00a0: réessayez dans une heure. Rien n’a été enregistré.",
			Unavailable:     "Les abonnements ne peuvent pas être pris en ce moment\u00a0; rien n’a été modifié. Réessayez dans quelques minutes.",
			TooLarge:        "Le formulaire envoyé est trop long pour être lu\u00a0: une adresse e-mail et quelques composants suffisent. Rien n’a été enregistré.",
			BadForm:         "Le formulaire envoyé n’a pas pu être lu. Rien n’a été enregistré\u00a0; réessayez depuis la page de statut.",
			ConfirmTitle:    "Confirmez votre abonnement",
			ConfirmText:     "{email} recevra un e-mail quand un incident de la page «\u00a0{page}\u00a0» est ouvert, mis à jour ou résolu, et avant une maintenance.",
			ConfirmButton:   "Confirmer mon abonnement",
			Confirmed:       "Vous êtes abonné",
			ConfirmedText:   "{email} recevra les mises à jour de la page «\u00a0{page}\u00a0». Chaque e-mail contient un lien pour se désabonner.",
			BadLink:         "Ce lien ne fonctionne pas",
			BadLinkText:     "Il a peut-être été tronqué, ou l’abonnement qu’il concernait a pris fin.",
			Unsubscribe:     "Se désabonner",
			UnsubscribeText: "Ne plus envoyer les mises à jour de la page «\u00a0{page}\u00a0» à {email}\u00a0?",
			// The button says what it does: a link scanner's GET changes nothing.
			UnsubscribeButton:   "Me désabonner",
			Unsubscribed:        "Vous êtes désabonné",
			UnsubscribedText:    "{email} ne recevra plus d’e-mails de la page «\u00a0{page}\u00a0».",
			UnsubscribedWebhook: "Le webhook {email} ne recevra plus de messages de la page «\u00a0{page}\u00a0».",
			About:               "Sujets\u00a0: {list}.",
			WholePage:           "toute la page",
			ResubscribeHint:     "Vous pouvez vous abonner à nouveau depuis la page de statut.",
			ConfirmedWebhook:    "Ce webhook est abonné\u00a0: il reçoit les mises à jour de la page «\u00a0{page}\u00a0».",
			ListSepar:           ", ",
		}
	}
	return &subscribeWords{
		CheckInbox:          "Check your inbox",
		CheckInboxText:      "Unless {email} is subscribed already, it will receive a message with a link to confirm the subscription. Nothing else is sent to it until then.",
		CheckSpam:           "Nothing after a few minutes? Look in the spam folder.",
		NoEmail:             "Enter your e-mail address.",
		NoEmailSent:         "This page sends no e-mail: nothing was saved.",
		BadEmail:            "“{email}” is not an e-mail address.",
		BadComponent:        "A component you chose is no longer on the page: choose again. Nothing was saved.",
		TooMany:             "Too many subscription requests from your network: try again in an hour. Nothing was saved.",
		Unavailable:         "Subscriptions cannot be taken right now; nothing was changed. Try again in a few minutes.",
		TooLarge:            "The form sent is too long to be read: an e-mail address and a few components are all it needs. Nothing was saved.",
		BadForm:             "The form sent could not be read. Nothing was saved; try again from the status page.",
		ConfirmTitle:        "Confirm your subscription",
		ConfirmText:         "{email} will receive an e-mail when an incident on {page} is opened, updated or resolved, and before a maintenance.",
		ConfirmButton:       "Confirm my subscription",
		Confirmed:           "You are subscribed",
		ConfirmedText:       "{email} will receive the updates of {page}. Every e-mail has a link to unsubscribe.",
		BadLink:             "This link does not work",
		BadLinkText:         "It may have been cut short, or the subscription it was for has ended.",
		Unsubscribe:         "Unsubscribe",
		UnsubscribeText:     "Stop sending the updates of {page} to {email}?",
		UnsubscribeButton:   "Unsubscribe me",
		Unsubscribed:        "You are unsubscribed",
		UnsubscribedText:    "{email} will receive no more e-mails from {page}.",
		UnsubscribedWebhook: "The webhook {email} will receive no more messages from {page}.",
		About:               "About: {list}.",
		WholePage:           "the whole page",
		ResubscribeHint:     "You can subscribe again from the status page.",
		ConfirmedWebhook:    "This webhook is subscribed: it receives the updates of {page}.",
		ListSepar:           ", ",
	}
}

// The page's words for the messages the engine sends subscribers, so that an
// e-mail names a status as the page does.

// IncidentStatusText is how the page names an incident's or maintenance's
// status in a language ("en" or "fr").
func IncidentStatusText(lang string, s tocsin.IncidentStatus) string {
	if t := wordsFor(lang).IncidentStatus[s]; t != "" {
		return t
	}
	return string(s)
}

// ComponentStatusText is how the page names a component's status.
func ComponentStatusText(lang string, s tocsin.ComponentStatus) string {
	if t := wordsFor(lang).ComponentStatus[s]; t != "" {
		return t
	}
	return string(s)
}

// DateTimeText writes an instant as the page does, in its time zone:
// "Aug 1, 2026, 10:05 CEST" or "1 août 2026, 10:05 CEST".
func DateTimeText(lang string, t time.Time, zone string) string {
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" {
		loc = time.UTC
	}
	return wordsFor(lang).dateTime(t.In(loc))
}
