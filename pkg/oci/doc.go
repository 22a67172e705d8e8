// Package oci pushes and pulls charts as OCI artifacts with Helm's media
// types, on oras-go: references, tags, digests, SemVer tag resolution, and
// credentials from the docker credential store.
//
// A chart pushed by berth is byte for byte the artifact `helm push` writes
// for the same archive, with one deliberate difference in how the
// org.opencontainers.image.created annotation is chosen (see Push): the
// manifest is an OCI image manifest whose config is the chart's Chart.yaml
// as JSON (ConfigMediaType), whose layers are the chart archive
// (ChartLayerMediaType) and, optionally, its provenance file
// (ProvLayerMediaType), and whose tag is the chart version with "+" written
// as "_".
package oci
