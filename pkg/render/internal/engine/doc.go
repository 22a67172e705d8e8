// Package engine holds the type of .Files in templates. It is a package of
// its own, named engine, so that the type prints as Helm's does
// ("engine.files") with printf "%T" and typeOf; package render re-exports
// it as render.Files.
package engine
