// Package provenance signs chart archives and verifies them, in Helm's
// provenance format, with OpenPGP keys read from GnuPG keyring files.
//
// A provenance file (NAME-VERSION.tgz.prov, beside the archive) is an
// OpenPGP clear-signed document whose text is the chart's Chart.yaml as
// YAML, a line "...", and a YAML map naming the archive and its SHA-256:
//
//	files:
//	  NAME-VERSION.tgz: sha256:HEX
//
// `helm package --sign` writes this file and `helm verify` checks it; a
// file written by Sign is accepted by helm verify, and Verify accepts the
// files helm writes. Verify checks the signature against a keyring, then the
// archive's digest against the signed one, and reports who signed it.
//
// Keyrings are GnuPG's legacy keyring files (pubring.gpg, secring.gpg, the
// output of `gpg --export` and `gpg --export-secret-keys`), binary or
// ASCII-armored. Failures are *Error values whose Kind is one of this
// package's sentinel errors, checked with errors.Is.
package provenance
