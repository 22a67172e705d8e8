package provenance

import (
	"errors"
	"strings"
)

// Kinds of provenance errors, checked with errors.Is on the errors this
// package returns.
var (
	// ErrNoSignature means there is no provenance file: the chart is not
	// signed.
	ErrNoSignature = errors.New("no provenance file")
	// ErrMalformed means the provenance file is not a clear-signed
	// provenance document, or its signed text cannot be read.
	ErrMalformed = errors.New("malformed provenance file")
	// ErrUnknownKey means the key that made the signature is not in the
	// keyring.
	ErrUnknownKey = errors.New("signed by a key not in the keyring")
	// ErrBadSignature means the signature does not match the signed text:
	// the provenance file was changed after it was signed, or the key in the
	// keyring with the signer's ID is not the key that signed.
	ErrBadSignature = errors.New("invalid signature")
	// ErrKeyExpired means the signing key, or the signature, has expired.
	ErrKeyExpired = errors.New("key expired")
	// ErrKeyRevoked means the signing key has been revoked.
	ErrKeyRevoked = errors.New("key revoked")
	// ErrDigestMismatch means the archive's SHA-256 is not the signed one:
	// the archive was changed after it was signed.
	ErrDigestMismatch = errors.New("archive digest does not match")
	// ErrNotListed means the provenance file signs no file of the archive's
	// name: it belongs to another archive, or the archive was renamed.
	ErrNotListed = errors.New("archive not listed in provenance file")
	// ErrKeyring means the keyring file cannot be read or holds no keys.
	ErrKeyring = errors.New("unusable keyring")
	// ErrKeyNotFound means no key in the keyring has an identity containing
	// the key name asked for.
	ErrKeyNotFound = errors.New("key not found")
	// ErrAmbiguousKey means more than one key has an identity containing
	// the key name asked for, and none matches it exactly.
	ErrAmbiguousKey = errors.New("key name matches more than one key")
	// ErrNoPrivateKey means the keyring holds only the public part of the
	// key: signing needs a keyring with the secret key.
	ErrNoPrivateKey = errors.New("no secret key")
	// ErrWrongPassphrase means the passphrase does not unlock the secret
	// key.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrPassphraseRequired means the secret key is protected by a
	// passphrase and none was given.
	ErrPassphraseRequired = errors.New("passphrase required")
)

// Error is a failed signing or verification: what was done (Op), the file
// at fault, what kind of failure it is and what to do about it.
type Error struct {
	// Op is the operation: "verify", "sign", "load keyring".
	Op string
	// File is the file the error is about: the archive, its .prov or the
	// keyring.
	File string
	// Kind is one of this package's sentinel errors.
	Kind error
	// Detail says what was found, "" when Kind says it all.
	Detail string
	// Err is the underlying error, nil when there is none.
	Err error
	// Hint tells the user what to do next, "" when there is nothing to say.
	Hint string
}

// Error formats the error as "OP FILE: KIND: DETAIL: ERR; HINT".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op + " " + e.File)
	if e.Kind != nil {
		b.WriteString(": " + e.Kind.Error())
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

// Unwrap returns Kind and Err, so that errors.Is finds both.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}
