package cli

import (
	"context"
	"fmt"
	"regexp"
	"slices"

	"github.com/berth-sh/berth/pkg/helmrecord"
	"github.com/berth-sh/berth/pkg/release"
)

// statusHelm is the STATUS list shows for a release that only Helm's
// records hold: it is left to import.
const statusHelm = "helm"

// withHelmReleases appends to rows, for list's default selection and
// --all, the releases of namespace ns ("" for all) that exist only in
// Helm's records, with status "helm" and, as description, Helm's status
// and the command that imports them. berth lists berth's releases
// whatever happens here: Helm's records that cannot be read are left out.
func (o *listOptions) withHelmReleases(ctx context.Context, f *Factory, ns string, berth []release.Summary,
	rows []releaseSummary,
) []releaseSummary {
	statusChosen := o.deployed || o.failed || o.pending || o.uninstalled || o.uninstalling || o.superseded
	if !o.all && statusChosen || o.offset > 0 || o.maxRows > 0 && len(rows) >= o.maxRows {
		return rows
	}
	kc, err := f.KubeClient()
	if err != nil {
		return rows
	}
	helm, err := helmrecord.Summaries(ctx, kc.Metadata(), ns)
	if err != nil {
		f.Logger().Debug("list Helm's releases", "error", err)
		return rows
	}
	var filter *regexp.Regexp
	if o.filter != "" {
		filter, _ = regexp.Compile(o.filter)
	}
	for _, h := range helm {
		ours := slices.ContainsFunc(berth, func(s release.Summary) bool { return s.Namespace == h.Namespace && s.Name == h.Name })
		if ours || filter != nil && !filter.MatchString(h.Name) || o.selector != "" {
			continue
		}
		rows = append(rows, releaseSummary{
			Name: h.Name, Namespace: h.Namespace, Revision: h.Version, Status: statusHelm, Updated: h.Updated,
			Description: fmt.Sprintf("managed by Helm (%s); import it with: berth import helm %s -n %s", h.Status, h.Name, h.Namespace),
		})
	}
	return rows
}
