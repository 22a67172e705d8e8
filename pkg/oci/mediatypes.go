package oci

// Media types of a Helm chart artifact, as Helm defines them.
const (
	// ConfigMediaType is the media type of the manifest config: the chart's
	// metadata (Chart.yaml) as JSON.
	ConfigMediaType = "application/vnd.cncf.helm.config.v1+json"
	// ChartLayerMediaType is the media type of the layer holding the chart
	// archive (.tgz).
	ChartLayerMediaType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	// ProvLayerMediaType is the media type of the layer holding the chart's
	// provenance file (.prov).
	ProvLayerMediaType = "application/vnd.cncf.helm.chart.provenance.v1.prov"
	// LegacyChartLayerMediaType is the chart layer media type written by
	// Helm 3.0-3.6 era tools; berth still reads it.
	LegacyChartLayerMediaType = "application/tar+gzip"
)

// Scheme is the URL scheme of chart references in registries.
const Scheme = "oci://"
