package oci

import (
	"bytes"
	"fmt"
	"time"

	"github.com/berth-sh/berth/pkg/chart"
)

// archiveInfo is what Push needs from a chart archive: its metadata, as
// Helm's loader sees it, and the newest modification time of its entries.
type archiveInfo struct {
	Metadata *chart.Metadata
	ModTime  time.Time
}

// readArchive loads a chart archive, as `helm push` loads it before
// pushing, so that a broken chart is refused rather than published.
func readArchive(archive []byte) (*archiveInfo, error) {
	c, err := chart.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		return nil, fmt.Errorf("read chart archive: %w", err)
	}
	info := &archiveInfo{Metadata: c.Metadata}
	for _, f := range c.Raw {
		if f.ModTime.After(info.ModTime) {
			info.ModTime = f.ModTime
		}
	}
	return info, nil
}
