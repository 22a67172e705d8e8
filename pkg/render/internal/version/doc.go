// Package version holds the type templates see as .Capabilities.HelmVersion.
// It is a package of its own, named version, so that the type prints as
// Helm's does ("version.BuildInfo") with printf "%T" and typeOf; package
// render re-exports it as render.HelmVersion.
package version
