// Package cli holds berth's cobra commands: one file per command, each bound
// to an options struct, plus the flag groups and output printers they share.
// Commands parse and validate input, call pkg/action, and print; they hold no
// deployment logic of their own.
package cli
