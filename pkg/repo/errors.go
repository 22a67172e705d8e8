package repo

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Kinds of repository errors, checked with errors.Is.
var (
	// ErrUnauthorized means the server refused the request (401 or 403).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNotFound means the server has no such file (404).
	ErrNotFound = errors.New("not found")
	// ErrTLS means the TLS connection failed, mostly over an unknown
	// certificate authority.
	ErrTLS = errors.New("TLS connection failed")
	// ErrDigestMismatch means a downloaded archive is not the one the index
	// names by its SHA-256.
	ErrDigestMismatch = errors.New("digest mismatch")
)

// Error is a failed request to a chart repository: which repository (name
// and URL), what was fetched, what kind of failure and what to do about it.
type Error struct {
	// Op is what was being done: "fetch index", "download chart".
	Op string
	// Repo is the repository's name, "" for a repository not added.
	Repo string
	// URL is the URL requested.
	URL string
	// Kind is ErrUnauthorized, ErrNotFound, ErrTLS, ErrDigestMismatch,
	// ErrInvalidIndex or nil.
	Kind error
	// Err is the underlying error, nil when Kind says it all.
	Err error
	// Hint tells the user what to do, "" when there is nothing to say.
	Hint string
}

// Error formats the error as `OP of repository "NAME" (URL): KIND: ERR; HINT`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Repo != "" {
		fmt.Fprintf(&b, " of repository %q", e.Repo)
	}
	fmt.Fprintf(&b, " (%s)", e.URL)
	if e.Kind != nil {
		b.WriteString(": " + e.Kind.Error())
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

// Unwrap returns Kind and Err, for errors.Is and errors.As.
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

// statusError classifies an HTTP error status.
func (c *Client) statusError(op, url string, resp *http.Response, what string) error {
	e := &Error{Op: op, Repo: c.entry.Name, URL: url}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		e.Kind = ErrUnauthorized
		e.Err = errors.New(resp.Status)
		e.Hint = "check the repository's credentials (berth repo add NAME URL --username USER --password-stdin --force-update)"
		if c.entry.Username == "" {
			e.Hint = "the repository needs credentials: add it with --username and --password-stdin"
		}
	case http.StatusNotFound:
		e.Kind = ErrNotFound
		e.Hint = "there is no " + what + " at this URL: check the URL"
	default:
		e.Err = fmt.Errorf("server answered %s", resp.Status)
	}
	return e
}

// transportError classifies a failed request.
func (c *Client) transportError(op, url string, err error) error {
	e := &Error{Op: op, Repo: c.entry.Name, URL: url, Err: err}
	if isTLSError(err) {
		e.Kind = ErrTLS
		e.Hint = "trust the server's CA with --ca-file, or check that the URL's scheme is right"
	}
	return e
}

func isTLSError(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &verify) || errors.As(err, &record)
}
