package web

import (
	"fmt"
	"io/fs"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/tocsin/tocsin"
)

// catalog holds the embedded message files (locales/<lang>.toml) and picks a
// language for a request.
type catalog struct {
	bundle     *i18n.Bundle
	matcher    language.Matcher
	localizers map[string]*i18n.Localizer // by tocsin.Locales entry
}

func loadCatalog(fsys fs.FS) (*catalog, error) {
	// tocsin.Locales as tags, in the same order; the first is the fallback.
	supported := []language.Tag{language.English, language.French}
	if len(supported) != len(tocsin.Locales()) {
		return nil, fmt.Errorf("locales out of step with tocsin.Locales")
	}
	c := &catalog{
		bundle:     i18n.NewBundle(language.English),
		matcher:    language.NewMatcher(supported),
		localizers: map[string]*i18n.Localizer{},
	}
	c.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, lang := range tocsin.Locales() {
		if _, err := c.bundle.LoadMessageFileFS(fsys, "locales/"+lang+".toml"); err != nil {
			return nil, err
		}
		c.localizers[lang] = i18n.NewLocalizer(c.bundle, lang)
	}
	return c, nil
}

// pick returns the language to speak: the user's preference when set, else the
// best match of the browser's Accept-Language, else English.
func (c *catalog) pick(preference, acceptLanguage string) string {
	if _, ok := c.localizers[preference]; ok {
		return preference
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return tocsin.Locales()[0]
	}
	_, index, confidence := c.matcher.Match(tags...)
	if confidence == language.No {
		return tocsin.Locales()[0]
	}
	return tocsin.Locales()[index]
}

// translate returns the message id in lang, with template data and an optional
// plural count. A missing message shows its id rather than failing the page
// (a test checks that every id used exists in both catalogs).
func (c *catalog) translate(lang, id string, data map[string]any, count any) string {
	l := c.localizers[lang]
	if l == nil {
		l = c.localizers[tocsin.Locales()[0]]
	}
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil {
		return id
	}
	return s
}
