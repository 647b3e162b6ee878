package twilio

// prompts are what the on-call number says and writes, in a schedule's language.
type prompts struct {
	language, voice string // the <Say> attributes

	connecting   string // before dialling the person on call
	next         string // no answer: dialling the next person
	nobodyOnCall string // nobody on call at all
	noPhone      string // someone is on call, but no one on call has a phone number
	toFallback   string // before dialling the fallback number
	noFallback   string // nobody to dial and no fallback number
	noAnswer     string // everyone was dialled, nobody answered
	smsFrom      string // forwarded SMS: the sender's number, then the text
	smsNobody    string // reply to the sender when nobody can be reached
	smsOffline   string // the static document's notice: the text cannot be forwarded
	smsOwn       string // reply to the person on call writing to the number themselves
}

// english and french are returned by promptsFor as fresh values: no package
// state to change.
func english() prompts {
	return prompts{
		language:     "en-US",
		voice:        "Polly.Joanna",
		connecting:   "Connecting you to the person on call.",
		next:         "No answer. Trying the next person on call.",
		nobodyOnCall: "Nobody is on call right now.",
		noPhone:      "Nobody on call can be reached by phone right now.",
		toFallback:   "Transferring your call to the fallback number.",
		noFallback:   "No fallback number is configured. Please try again later. Goodbye.",
		noAnswer:     "Nobody answered. Please try again later. Goodbye.",
		smsFrom:      "From %s: %s",
		smsNobody:    "Nobody on call can be reached: your message was not forwarded. Please try again later.",
		smsOffline:   "An SMS reached the on-call number while Tocsin was unavailable. Read it in the Twilio console: Monitor, Logs, Messaging.",
		smsOwn:       "Your message was not forwarded: you are the person it would go to. To answer a forwarded SMS, write to the sender's number it shows.",
	}
}

func french() prompts {
	return prompts{
		language:     "fr-FR",
		voice:        "Polly.Celine",
		connecting:   "Nous vous mettons en relation avec la personne d'astreinte.",
		next:         "Pas de réponse. Nous appelons la personne suivante.",
		nobodyOnCall: "Personne n'est d'astreinte en ce moment.",
		noPhone:      "Personne d'astreinte n'est joignable par téléphone en ce moment.",
		toFallback:   "Nous transférons votre appel vers le numéro de secours.",
		noFallback:   "Aucun numéro de secours n'est configuré. Merci de rappeler plus tard. Au revoir.",
		noAnswer:     "Personne n'a répondu. Merci de rappeler plus tard. Au revoir.",
		smsFrom:      "De %s : %s",
		smsNobody:    "Personne d'astreinte n'est joignable : votre message n'a pas été transmis. Merci de réessayer plus tard.",
		smsOffline:   "Un SMS est arrivé sur le numéro d'astreinte pendant une indisponibilité de Tocsin. Lisez-le dans la console Twilio : Monitor, Logs, Messaging.",
		smsOwn:       "Votre message n'a pas été transmis : il vous serait revenu. Pour répondre à un SMS transféré, écrivez au numéro de l'expéditeur qu'il indique.",
	}
}

// promptsFor returns the prompts of a schedule's language: French for "fr",
// English otherwise.
func promptsFor(language string) prompts {
	if language == "fr" {
		return french()
	}
	return english()
}

// say is a <Say> of text in p's language and voice.
func (p prompts) say(text string) Say {
	return Say{Language: p.language, Voice: p.voice, Text: text}
}

// greeting is what a call hears first: who it is about to reach.
func (p prompts) greeting(who reach) Say {
	switch {
	case len(who.phones) > 0:
		return p.say(p.connecting)
	case who.nobody:
		return p.say(p.nobodyOnCall)
	}
	return p.say(p.noPhone)
}

// beforeDial is what is said before the i-th number of the sequence, if anything.
func (p prompts) beforeDial(who reach, i int) (Say, bool) {
	switch {
	case i >= len(who.phones):
		return p.say(p.toFallback), true
	case i > 0:
		return p.say(p.next), true
	}
	return Say{}, false
}

// goodbye ends a call once the sequence is exhausted (or empty).
func (p prompts) goodbye(seq []string) Say {
	if len(seq) == 0 {
		return p.say(p.noFallback)
	}
	return p.say(p.noAnswer)
}
