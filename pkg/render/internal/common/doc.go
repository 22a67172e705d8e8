// Package common holds the types of the template data that Helm 4 defines
// in its package common: Values (the type of the data, .Values and
// .Template) and Capabilities with KubeVersion and VersionSet.
//
// The package is named common so that these types print as Helm's do with
// printf "%T", typeOf and typeIs ("common.Values", "*common.Capabilities");
// their fields are Helm's, in Helm's order, so printf "%v" and toJson print
// the same. Package render re-exports Capabilities, KubeVersion and
// VersionSet.
package common
