// Package repo is berth's side of classic Helm chart repositories: the
// repositories file (Helm's repositories.yaml format) listing the
// repositories a user added, the cache of their index.yaml files, an HTTP
// client that fetches indexes and chart archives with basic auth and TLS
// options, and the index model with Helm's version selection rules.
//
// Charts in OCI registries are pkg/oci's; resolving a chart's dependencies
// against both is pkg/action's.
package repo
