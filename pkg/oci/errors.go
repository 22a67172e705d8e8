package oci

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"
)

// Kinds of registry errors, checked with errors.Is on the errors this
// package returns.
var (
	// ErrUnauthorized means the registry refused the credentials, or none
	// were found for it.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNotFound means the repository, tag, digest or version does not
	// exist.
	ErrNotFound = errors.New("not found")
	// ErrNotChart means the artifact exists but is not a Helm chart.
	ErrNotChart = errors.New("not a Helm chart")
	// ErrTLS means the TLS connection to the registry failed: unknown
	// certificate authority, wrong host name, or a plain HTTP server.
	ErrTLS = errors.New("TLS connection failed")
)

// Error is a failed registry operation: what was done (Op), on which
// reference, what kind of failure it is and what to do about it.
type Error struct {
	// Op is the operation: "push", "pull", "list tags", "login".
	Op string
	// Ref is the reference or host the operation was about.
	Ref string
	// Kind is one of ErrUnauthorized, ErrNotFound, ErrNotChart, ErrTLS, or
	// nil for other failures.
	Kind error
	// Err is the underlying error, nil when Kind says it all.
	Err error
	// Hint tells the user what to do next, "" when there is nothing to say.
	Hint string
}

// Error formats the error as "OP REF: KIND: DETAIL; HINT".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op + " " + e.Ref)
	if e.Kind != nil {
		b.WriteString(": " + e.Kind.Error())
	}
	if d := e.detail(); d != "" {
		b.WriteString(": " + d)
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

// detail is the part of Err worth printing after Kind: the registry's own
// error messages rather than the request line, nothing when Err only
// repeats Kind.
func (e *Error) detail() string {
	if e.Err == nil {
		return ""
	}
	if e.Kind == nil {
		return e.Err.Error()
	}
	var resp *errcode.ErrorResponse
	switch {
	case errors.Is(e.Err, auth.ErrBasicCredentialNotFound):
		return "the registry wants credentials and none are stored for it"
	case errors.As(e.Err, &resp):
		msgs := make([]string, 0, len(resp.Errors))
		for _, re := range resp.Errors {
			if re.Message != "" {
				msgs = append(msgs, re.Message)
			}
		}
		if len(msgs) == 0 {
			return fmt.Sprintf("%s %s: HTTP %d", resp.Method, resp.URL, resp.StatusCode)
		}
		return strings.Join(msgs, "; ")
	case errors.Is(e.Kind, ErrNotFound) && errors.Is(e.Err, errdef.ErrNotFound):
		return ""
	}
	return e.Err.Error()
}

// Unwrap returns the kind and the underlying error, for errors.Is and
// errors.As.
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

// classify turns an error from oras-go or net/http into an *Error with a
// kind and a hint. host is the registry, for the login hint.
func (c *Client) classify(op, ref, host string, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	e := &Error{Op: op, Ref: ref, Err: err}
	var resp *errcode.ErrorResponse
	switch {
	case errors.As(err, &resp) && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden),
		errors.Is(err, auth.ErrBasicCredentialNotFound):
		e.Kind = ErrUnauthorized
		e.Hint = fmt.Sprintf("run 'berth registry login %s' (credentials are read from %s)", host, c.credentialsSource())
	case errors.As(err, &resp) && resp.StatusCode == http.StatusNotFound, errors.Is(err, errdef.ErrNotFound):
		e.Kind = ErrNotFound
	case isPlainHTTPServer(err):
		e.Kind = ErrTLS
		e.Hint = "the registry speaks plain HTTP: use --plain-http"
	case isClientCertAlert(err):
		e.Kind = ErrTLS
		e.Hint = "the registry wants a client certificate: pass --cert-file FILE and --key-file FILE"
	case isCertificateError(err):
		e.Kind = ErrTLS
		e.Hint = "pass the registry's CA certificate with --ca-file FILE (or, for tests only, --insecure-skip-tls-verify)"
	}
	return e
}

func isCertificateError(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		verification     *tls.CertificateVerificationError
	)
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &verification)
}

// isClientCertAlert reports a TLS alert by which the server refused the
// client's certificate, or its absence. crypto/tls reports alerts over TCP
// with an unexported type, so the message is all there is to match.
func isClientCertAlert(err error) bool {
	msg := err.Error()
	for _, alert := range []string{"certificate required", "bad certificate", "unknown certificate authority"} {
		if strings.Contains(msg, "remote error: tls: "+alert) {
			return true
		}
	}
	return false
}

// isPlainHTTPServer reports net/http's error for an HTTPS request answered
// in plain HTTP, which it returns as a bare string.
func isPlainHTTPServer(err error) bool {
	return strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}
