// Package toolmain is the command-line shell shared by hack/cluster and
// hack/registry: one sub-command per run (up, down, status, ...), a context
// cancelled on SIGINT and SIGTERM, the usage text and exit code 2 for a
// wrong command line, and "NAME: error" with exit code 1 for a failure.
package toolmain
