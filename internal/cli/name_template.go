package cli

import (
	"bytes"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

// renderNameTemplate renders --name-template, a Go template with sprig's
// functions and no data, as Helm does.
func renderNameTemplate(text string) (string, error) {
	t, err := template.New("name-template").Funcs(sprig.TxtFuncMap()).Parse(text)
	if err != nil {
		return "", usageErrorf("invalid --name-template: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, nil); err != nil {
		return "", usageErrorf("invalid --name-template: %w", err)
	}
	return b.String(), nil
}
