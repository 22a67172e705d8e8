// Package signing signs OCI charts and verifies their signatures against a
// trust policy, in Go, without running cosign or notation.
//
// Signatures are cosign's: berth signs a chart's manifest digest with a
// cosign key (the "ENCRYPTED SIGSTORE PRIVATE KEY" PEM that cosign
// generate-key-pair writes) and attaches the result as cosign sign --key
// v3 does by default: a Sigstore bundle (v0.3) holding a DSSE envelope of
// an in-toto statement, predicate https://sigstore.dev/cosign/sign/v1,
// whose subject is the manifest digest, stored as an OCI referrer of the
// manifest. The chart's digest does not change. Verification also reads
// cosign's older form (a simple-signing payload in the sha256-HEX.sig tag)
// and Notation signatures (notation-go, X.509 trust stores).
//
// A trust policy (Policy, kind TrustPolicy) says, per registry or
// repository prefix, which cosign keys, certificate identities, Notation
// certificates or OpenPGP keyrings (for Helm .prov files of archives and
// repository charts) a chart must be signed with, and whether a chart
// that is not is refused (enforce) or used with a warning (warn).
package signing
