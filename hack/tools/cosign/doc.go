// Package cosign pins cosign v3, built only for berth's interoperability
// tests (test/e2e/signing_test.go): cosign verify --key must accept the
// signatures berth sign writes, and berth verify --key those cosign sign
// writes. berth itself never runs cosign.
package cosign
