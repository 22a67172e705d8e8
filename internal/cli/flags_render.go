package cli

import (
	"maps"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/pkg/action"
)

// renderFlags are the rendering flags of install, upgrade and diff:
// post-rendering, schema validation, subchart notes and DNS.
type renderFlags struct {
	post                 postRenderFlags
	skipSchemaValidation bool
	subchartNotes        bool
	enableDNS            bool
}

// AddFlags adds the rendering flags to fs.
func (r *renderFlags) AddFlags(fs *pflag.FlagSet) {
	r.post.AddFlags(fs)
	fs.BoolVar(&r.skipSchemaValidation, "skip-schema-validation", false, "do not validate values against values.schema.json")
	fs.BoolVar(&r.subchartNotes, "render-subchart-notes", false, "render the subcharts' NOTES.txt too")
	fs.BoolVar(&r.enableDNS, "enable-dns", false, "let getHostByName resolve names while rendering (otherwise it renders \"\", as in Helm)")
}

// options returns the action's render options.
func (r *renderFlags) options() (action.RenderOptions, error) {
	post, err := r.post.postRender()
	if err != nil {
		return action.RenderOptions{}, err
	}
	return action.RenderOptions{
		SkipSchemaValidation: r.skipSchemaValidation,
		SubchartNotes:        r.subchartNotes,
		EnableDNS:            r.enableDNS,
		PostRender:           post,
	}, nil
}

// labelFlags is --labels of install and upgrade.
type labelFlags struct {
	labels map[string]string
}

// AddFlags adds -l/--labels to fs.
func (l *labelFlags) AddFlags(fs *pflag.FlagSet, upgrade bool) {
	help := "labels recorded with the release and on its records, for list -l (k=v,k2=v2)"
	if upgrade {
		help += "; merged over the current revision's, k=null removes one"
	}
	fs.StringToStringVarP(&l.labels, "labels", "l", nil, help)
}

// split returns the labels to set and, on upgrade, the ones to remove
// (given as k=null, Helm's way).
func (l *labelFlags) split() (set map[string]string, unset []string) {
	for _, k := range slices.Sorted(maps.Keys(l.labels)) {
		if strings.EqualFold(l.labels[k], "null") {
			unset = append(unset, k)
			continue
		}
		if set == nil {
			set = map[string]string{}
		}
		set[k] = l.labels[k]
	}
	return set, unset
}

// installIgnores are the flags of helm install and upgrade that berth
// accepts and does not need, each saying why.
var installIgnores = []compatFlag{
	{name: "disable-openapi-validation", help: "accepted for Helm's sake: the API server validates berth's server-side applies"},
	{name: "hide-secret", help: "accepted for Helm's sake: berth never prints a Secret's values, dry runs included"},
	{name: "server-side", def: "true", help: "accepted for Helm's sake: berth always applies server-side"},
}
