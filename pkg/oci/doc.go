// Package oci pushes and pulls charts as OCI artifacts with Helm's media
// types, on oras-go: references, tags, digests, SemVer tag resolution, and
// credentials from the docker credential store.
package oci
