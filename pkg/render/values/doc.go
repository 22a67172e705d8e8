// Package values computes a release's values exactly as Helm does.
//
// It covers the whole path from the command line to the values a template
// sees:
//
//   - the --set family of flags (ParseSet, ParseSetString, ParseSetJSON,
//     ParseSetFile, ParseSetLiteral), with Helm's strvals grammar: dotted keys,
//     list indexes, {a,b} lists, backslash escapes and type inference;
//   - Options.Merge, which reads -f files (multi-document YAML merged in order)
//     and applies the --set flags in Helm's precedence;
//   - ProcessDependencies, which enables or disables subcharts by condition and
//     tags, makes a copy of a subchart per alias and applies import-values;
//   - Coalesce, which merges user values over chart and subchart defaults, with
//     globals flowing down and null deleting keys;
//   - ValidateSchema, which checks values against values.schema.json of the
//     chart and of every enabled subchart.
//
// Numbers read from YAML or JSON are float64, as with sigs.k8s.io/yaml in Helm;
// integers given with --set are int64. Helm's warnings (a value that is not a
// table, an import that finds nothing) go to the slog.Logger given with
// WithLogger, never to a terminal.
package values
