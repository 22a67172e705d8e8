package oci

import (
	"context"
	"errors"
	"fmt"

	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
)

// Login checks username and password against the registry at host
// (HOST[:PORT]) and, when the registry accepts them, stores them in the
// credential store (the registry config file, or the credential helper it
// names). Nothing is stored when the registry refuses them.
func (c *Client) Login(ctx context.Context, host, username, password string) error {
	h, err := ParseHost(host)
	if err != nil {
		return err
	}
	cred := auth.Credential{Username: username, Password: password}
	if username == "" {
		// A password without a user name is an identity token, as for docker.
		cred = auth.Credential{RefreshToken: password}
	}
	if err := credentials.Login(ctx, c.store, c.registry(h), cred); err != nil {
		e := c.classify("login to", h, h, err)
		var ce *Error
		if errors.As(e, &ce) && errors.Is(ce.Kind, ErrUnauthorized) {
			ce.Hint = "check the user name and password"
		}
		return e
	}
	return nil
}

// Logout removes the credentials of host from the credential store.
func (c *Client) Logout(ctx context.Context, host string) error {
	h, err := ParseHost(host)
	if err != nil {
		return err
	}
	cred, err := c.store.Get(ctx, credentials.ServerAddressFromRegistry(h))
	if err != nil {
		return fmt.Errorf("logout from %s: read credentials from %s: %w", h, c.storePath, err)
	}
	if cred == auth.EmptyCredential {
		return &Error{
			Op: "logout from", Ref: h, Kind: ErrNotFound,
			Err: fmt.Errorf("no credentials in %s", c.storePath), Hint: "nothing to do",
		}
	}
	if err := credentials.Logout(ctx, c.store, h); err != nil {
		return fmt.Errorf("logout from %s: remove credentials from %s: %w", h, c.storePath, err)
	}
	return nil
}

// CredentialStorePath is the registry config file the client reads
// credentials from and Login writes them to.
func (c *Client) CredentialStorePath() string { return c.storePath }
