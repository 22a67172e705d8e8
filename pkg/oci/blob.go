package oci

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/berth-sh/berth/internal/httpretry"
)

// blobAttempts bounds the upload sessions one blob gets; each request of a
// session has the transport's retries of its own.
const blobAttempts = 3

// pushBlob uploads a blob unless the repository has it (see pushBlobRetrying).
func (c *Client) pushBlob(ctx context.Context, repo content.Storage, d ocispec.Descriptor, data []byte) error {
	exists, err := repo.Exists(ctx, d)
	if err != nil {
		return fmt.Errorf("check blob %s: %w", d.Digest, err)
	}
	if exists {
		return nil
	}
	if err := c.pushBlobRetrying(ctx, repo, d, data); err != nil {
		return fmt.Errorf("upload blob %s (%s): %w", d.Digest, d.MediaType, err)
	}
	return nil
}

// pushBlobRetrying uploads data as d. The transport retries only what the
// registry cannot have acted on; an upload whose last request failed after
// it was sent (a 5xx, or a connection lost with its answer) may or may not
// have landed, so the registry is asked, and the blob is uploaded again in
// a new session unless it is there.
func (c *Client) pushBlobRetrying(ctx context.Context, repo content.Storage, d ocispec.Descriptor, data []byte) error {
	policy := c.opts.Retry.withDefaults()
	var err error
	for attempt := 1; attempt <= blobAttempts; attempt++ {
		if err = repo.Push(ctx, d, bytes.NewReader(data)); err == nil {
			return nil
		}
		if ctx.Err() != nil || !retryableUpload(err) {
			return err
		}
		if exists, existsErr := repo.Exists(ctx, d); existsErr == nil && exists {
			return nil
		}
		if attempt < blobAttempts && !httpretry.Sleep(ctx, policy.Backoff(attempt)) {
			return err
		}
	}
	return err
}

// retryableUpload reports whether a failed upload may succeed in a new
// session: not when the registry refused it (credentials, a bad digest or
// size, a quota), only when it failed or lost track of the session.
func retryableUpload(err error) bool {
	var resp *errcode.ErrorResponse
	if !errors.As(err, &resp) {
		return true // the connection failed
	}
	switch {
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests:
		return true
	case resp.StatusCode == http.StatusNotFound:
		// BLOB_UPLOAD_UNKNOWN: the session ended, perhaps by an earlier
		// attempt that landed.
		return true
	}
	return false
}

// retryingStorage is a destination whose Push retries blob uploads as
// pushBlobRetrying does. Content up to maxBufferedBlob is read into memory
// first so that it can be sent again; larger content is sent once.
type retryingStorage struct {
	*remote.Repository
	client *Client
}

// maxBufferedBlob bounds what a retried upload keeps in memory.
const maxBufferedBlob = 256 << 20

// Push uploads content; manifests go through as they are (their PUT is
// idempotent and retried by the transport).
func (s retryingStorage) Push(ctx context.Context, d ocispec.Descriptor, r io.Reader) error {
	if isManifest(d.MediaType) || d.Size > maxBufferedBlob {
		return s.Repository.Push(ctx, d, r)
	}
	data, err := content.ReadAll(r, d)
	if err != nil {
		return fmt.Errorf("read %s from the source: %w", d.Digest, err)
	}
	return s.client.pushBlobRetrying(ctx, s.Repository, d, data)
}

// isManifest reports whether mediaType is a manifest's or an index's.
func isManifest(mediaType string) bool {
	switch mediaType {
	case ocispec.MediaTypeImageManifest, ocispec.MediaTypeImageIndex, mediaTypeDockerManifest,
		"application/vnd.docker.distribution.manifest.list.v2+json":
		return true
	}
	return false
}
