package repo

import (
	"context"
	"errors"
	"fmt"
)

// maxProvSize bounds a provenance file: a signed Chart.yaml and a digest.
const maxProvSize = 1 << 20

// DownloadURL downloads the chart archive at chartURL, an absolute URL or
// one relative to the repository's, with the entry's credentials where
// they may be sent (see Client). Nothing checks its digest: callers that
// have one from an index use DownloadChart.
func (c *Client) DownloadURL(ctx context.Context, chartURL string) ([]byte, error) {
	resolved, err := ResolveURL(c.entry.URL, chartURL)
	if err != nil {
		return nil, &Error{Op: "download chart", Repo: c.entry.Name, URL: chartURL, Err: err}
	}
	return c.get(ctx, "download chart", resolved, "chart archive", maxChartSize)
}

// DownloadProvenance downloads the provenance file of cv: its first URL
// with ".prov" appended, as Helm publishes it. A repository without one
// answers an error that wraps ErrNotFound.
func (c *Client) DownloadProvenance(ctx context.Context, cv *ChartVersion) ([]byte, error) {
	if len(cv.URLs) == 0 {
		return nil, &Error{
			Op: "download provenance", Repo: c.entry.Name, URL: c.entry.URL, Kind: ErrNotFound,
			Err: fmt.Errorf("the index gives no URL for %s %s", cv.Name, cv.Version),
		}
	}
	return c.DownloadProvenanceURL(ctx, cv.URLs[0])
}

// DownloadProvenanceURL downloads chartURL+".prov".
func (c *Client) DownloadProvenanceURL(ctx context.Context, chartURL string) ([]byte, error) {
	resolved, err := ResolveURL(c.entry.URL, chartURL)
	if err != nil {
		return nil, &Error{Op: "download provenance", Repo: c.entry.Name, URL: chartURL, Err: err}
	}
	data, err := c.get(ctx, "download provenance", resolved+".prov", "provenance file", maxProvSize)
	var re *Error
	if errors.As(err, &re) && errors.Is(err, ErrNotFound) {
		re.Hint = "the chart is not signed: drop --verify, or ask its maintainers for a .prov file"
	}
	return data, err
}
