package oci

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/berth-sh/berth/pkg/chart"
)

// PushFile pushes the chart archive at path (see Push), with the
// provenance file path+".prov" when it exists, as helm push does.
func (c *Client) PushFile(ctx context.Context, path, dest string) (*PushResult, error) {
	archive, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("push: read chart archive: %w", err)
	}
	var opts PushOptions
	prov, err := os.ReadFile(path + ".prov")
	switch {
	case err == nil:
		opts.Prov = prov
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("push: read provenance file: %w", err)
	}
	return c.Push(ctx, archive, dest, opts)
}

// LoadChart pulls a chart (see Pull for ref and version) and loads it, for
// commands that install or render charts straight from a registry.
func (c *Client) LoadChart(ctx context.Context, ref, version string) (*chart.Chart, *PullResult, error) {
	res, err := c.Pull(ctx, ref, version)
	if err != nil {
		return nil, nil, err
	}
	ch, err := chart.LoadArchive(bytes.NewReader(res.Archive))
	if err != nil {
		return nil, nil, fmt.Errorf("load chart %s: %w", res.Ref, err)
	}
	return ch, res, nil
}
