package lint

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
)

// chartfile applies Helm's Chart.yaml rules that loading does not already
// enforce: LintMetadata's, field types, maintainers, the icon, v2-only
// fields and strict SemVer 2.
func (l *linter) chartfile(c *chart.Chart) {
	const file = chart.ChartfileName
	md := c.Metadata
	raw, data := rawChartfile(c)
	if err := yaml.UnmarshalStrict(data, &chart.Metadata{}); err != nil {
		l.check(SeverityWarning, file, fmt.Errorf("failed to strictly parse chart metadata file\n\t%w", err))
	}
	for _, key := range []string{"version", "appVersion"} {
		if v, ok := raw[key]; ok {
			if _, isString := v.(string); !isString {
				l.check(SeverityError, file, fmt.Errorf("%s should be of type string but it's of type %T", key, v))
			}
		}
	}
	// Helm's order: name, version, maintainers and sources, then the icon,
	// then the rest.
	metaErrs := chart.LintMetadata(md)
	afterIcon := slices.IndexFunc(metaErrs, func(e *chart.ValidationError) bool {
		return !slices.ContainsFunc([]string{"name", "version", "maintainers", "sources"}, func(prefix string) bool {
			return strings.HasPrefix(e.Field, prefix)
		})
	})
	if afterIcon < 0 {
		afterIcon = len(metaErrs)
	}
	l.metadataErrors(md, metaErrs[:afterIcon])
	l.check(SeverityError, file, validateMaintainers(md.Maintainers))
	if md.Icon == "" {
		l.check(SeverityInfo, file, errors.New("icon is recommended"))
	}
	l.metadataErrors(md, metaErrs[afterIcon:])
	if _, ok := raw["dependencies"]; ok && md.APIVersion != chart.APIVersionV2 {
		l.check(SeverityError, file, fmt.Errorf(
			"dependencies are not valid in the Chart file with apiVersion '%s'. They are valid in apiVersion '%s'",
			md.APIVersion, chart.APIVersionV2))
	}
	if _, err := semver.StrictNewVersion(md.Version); err != nil {
		l.check(SeverityWarning, file, fmt.Errorf("version '%s' is not a valid SemVerV2", md.Version))
	}
}

// metadataErrors reports LintMetadata's problems, the chart type with
// Helm's text.
func (l *linter) metadataErrors(md *chart.Metadata, errs []*chart.ValidationError) {
	for _, verr := range errs {
		if verr.Field == "type" {
			l.check(SeverityError, chart.ChartfileName, fmt.Errorf(
				"chart type is not valid in apiVersion '%s'. It is valid in apiVersion '%s'",
				md.APIVersion, chart.APIVersionV2))
			continue
		}
		l.check(SeverityError, chart.ChartfileName, fmt.Errorf("%s: %s", verr.Field, verr.Msg))
	}
}

// rawChartfile returns Chart.yaml as a generic map, to check the types
// of fields the model turns into strings, and as written; nil when it
// cannot be read.
func rawChartfile(c *chart.Chart) (map[string]any, []byte) {
	for _, f := range c.Raw {
		if f.Name != chart.ChartfileName {
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal(f.Data, &m); err != nil {
			return nil, f.Data
		}
		return m, f.Data
	}
	return nil, nil
}

// validateMaintainers checks each maintainer's email and URL, as Helm does.
// Missing names are LintMetadata's.
func validateMaintainers(ms []*chart.Maintainer) error {
	for _, m := range ms {
		if m == nil {
			return errors.New("a maintainer entry is empty")
		}
		if m.Name == "" {
			continue
		}
		if m.Email != "" && !isEmail(m.Email) {
			return fmt.Errorf("invalid email '%s' for maintainer '%s'", m.Email, m.Name)
		}
		if m.URL != "" && !isURL(m.URL) {
			return fmt.Errorf("invalid url '%s' for maintainer '%s'", m.URL, m.Name)
		}
	}
	return nil
}

// isEmail accepts a bare address ("a@example.com"), not "Name <a@b>".
func isEmail(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address == s
}

// isURL accepts absolute URLs and host names with an optional path, as
// Helm's validator does for maintainer URLs.
func isURL(s string) bool {
	if strings.ContainsAny(s, " \t\n") {
		return false
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	return err == nil && u.Host != ""
}
