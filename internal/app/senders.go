package app

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/tocsin/tocsin"
	"github.com/tocsin/tocsin/internal/config"
	"github.com/tocsin/tocsin/internal/notify"
	"github.com/tocsin/tocsin/internal/notify/chat"
	"github.com/tocsin/tocsin/internal/notify/email"
	"github.com/tocsin/tocsin/internal/notify/ntfy"
	"github.com/tocsin/tocsin/internal/notify/slack"
	"github.com/tocsin/tocsin/internal/notify/twilio"
	"github.com/tocsin/tocsin/internal/notify/webhook"
	"github.com/tocsin/tocsin/internal/notify/webpush"
	"github.com/tocsin/tocsin/internal/store"
)

// senders is the registry of every channel this server can send through: a
// provider without settings is left out, and its contact type is not offered.
func senders(cfg config.Config, vapidPublic, vapidPrivate string) notify.Registry {
	p := cfg.Providers
	r := notify.Registry{
		tocsin.ContactWebhook:    webhook.New(webhook.Options{}),
		tocsin.ContactNtfy:       ntfy.New(ntfy.Options{Token: p.NtfyToken}),
		tocsin.ContactTeams:      chat.NewTeams(chat.Options{}),
		tocsin.ContactDiscord:    chat.NewDiscord(chat.Options{}),
		tocsin.ContactMattermost: chat.NewMattermost(chat.Options{}),
	}
	if p.SMTPHost != "" {
		r[tocsin.ContactEmail] = email.New(email.Options{Host: p.SMTPHost, Port: p.SMTPPort, Username: p.SMTPUsername, Password: p.SMTPPassword,
			From: p.SMTPFrom, TLS: p.SMTPTLS, PublicURL: cfg.PublicURL})
	}
	if p.TwilioAccountSID != "" {
		o := twilio.Options{APIURL: p.TwilioAPIURL, AccountSID: p.TwilioAccountSID, AuthToken: cfg.TwilioAuthToken, From: p.TwilioFrom}
		r[tocsin.ContactSMS] = twilio.NewSMS(o)
		r[tocsin.ContactVoice] = twilio.NewVoice(o)
	}
	if p.SlackBotToken != "" {
		r[tocsin.ContactSlack] = slack.New(slack.Options{APIURL: p.SlackAPIURL, BotToken: p.SlackBotToken})
	}
	if p.TelegramBotToken != "" {
		r[tocsin.ContactTelegram] = chat.NewTelegram(chat.TelegramOptions{Token: p.TelegramBotToken, APIURL: p.TelegramAPIURL})
	}
	if vapidPublic != "" && vapidPrivate != "" {
		subject := p.VAPIDSubject
		if subject == "" {
			subject = cfg.PublicURL
		}
		r[tocsin.ContactWebPush] = webpush.New(webpush.Options{VAPIDPublicKey: vapidPublic, VAPIDPrivateKey: vapidPrivate, Subject: subject})
	}
	return r
}

// serverKeys returns the VAPID key pair (from the configuration, or made on
// first start and kept in the database, so that subscriptions survive a
// restart and every process signs alike) and the key that signs links.
func serverKeys(ctx context.Context, db *store.DB, p config.Providers) (vapidPublic, vapidPrivate string, linkKey []byte, err error) {
	vapidPublic, vapidPrivate = p.VAPIDPublicKey, p.VAPIDPrivateKey
	if vapidPublic == "" || vapidPrivate == "" {
		pair, err := db.Setting(ctx, "vapid_keys", func() (string, error) {
			pub, priv, err := webpush.GenerateKeys()
			return pub + " " + priv, err
		})
		if err != nil {
			return "", "", nil, fmt.Errorf("VAPID keys: %w", err)
		}
		if _, err := fmt.Sscan(pair, &vapidPublic, &vapidPrivate); err != nil {
			return "", "", nil, fmt.Errorf("stored VAPID keys are damaged: %w", err)
		}
	}
	key, err := db.Setting(ctx, "link_key", func() (string, error) { return store.NewSecretHex(32) })
	if err != nil {
		return "", "", nil, fmt.Errorf("link key: %w", err)
	}
	if linkKey, err = hex.DecodeString(key); err != nil {
		return "", "", nil, fmt.Errorf("stored link key is damaged: %w", err)
	}
	return vapidPublic, vapidPrivate, linkKey, nil
}
