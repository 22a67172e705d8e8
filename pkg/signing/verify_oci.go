package signing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-sh/berth/pkg/oci"
)

// bundleArtifactPrefix starts the artifact type of every Sigstore bundle
// version cosign writes.
const bundleArtifactPrefix = "application/vnd.dev.sigstore.bundle"

// verifyOCI looks for the signatures of ref (by digest) the rule can check
// and returns the first it accepts, or why none was.
func (t *ruleTrust) verifyOCI(ctx context.Context, client *oci.Client, ref oci.Reference) (*Signature, error) {
	referrers, err := client.Referrers(ctx, ref, "")
	if err != nil {
		return nil, err
	}
	var (
		found int
		errs  []error
	)
	check := func(what string, sig *Signature, err error) *Signature {
		found++
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
		return sig
	}
	hasCosignTrust := len(t.cosign.keys) > 0 || len(t.cosign.identities) > 0
	if hasCosignTrust {
		for _, d := range referrers {
			if !strings.HasPrefix(d.ArtifactType, bundleArtifactPrefix) {
				continue
			}
			sig, err := t.bundleReferrer(ctx, client, ref, d)
			if s := check("cosign bundle "+d.Digest.String(), sig, err); s != nil {
				return s, nil
			}
		}
		sig, n, err := t.legacySignatures(ctx, client, ref)
		if sig != nil {
			return sig, nil
		}
		if n > 0 {
			found += n - 1
			check("cosign signature "+oci.LegacyTag(ref.Digest, "sig"), nil, err)
		}
	}
	if t.notation != nil && hasArtifactType(referrers, NotationArtifactType) {
		sig, err := t.notation.verify(ctx, client, ref)
		if s := check("notation", sig, err); s != nil {
			return s, nil
		}
	}
	if found == 0 {
		return nil, fmt.Errorf("%w: the chart has no signature the policy could check (looked for %s)", ErrNotSigned, t.lookedFor())
	}
	return nil, fmt.Errorf("%w: %d signature(s), none accepted: %w", ErrNotSigned, found, errors.Join(errs...))
}

// lookedFor lists the signature forms the rule checks, for messages.
func (t *ruleTrust) lookedFor() string {
	var forms []string
	if len(t.cosign.keys) > 0 || len(t.cosign.identities) > 0 {
		forms = append(forms, "cosign bundles among the referrers", "a cosign sha256-HEX.sig tag")
	}
	if t.notation != nil {
		forms = append(forms, "Notation signatures")
	}
	if t.keyring != nil {
		forms = append(forms, "a provenance layer")
	}
	return strings.Join(forms, ", ")
}

func hasArtifactType(descs []ocispec.Descriptor, artifactType string) bool {
	for _, d := range descs {
		if d.ArtifactType == artifactType {
			return true
		}
	}
	return false
}

// bundleReferrer checks the bundle in the referrer manifest d.
func (t *ruleTrust) bundleReferrer(ctx context.Context, client *oci.Client, ref oci.Reference, d ocispec.Descriptor) (*Signature, error) {
	data, err := client.FetchManifest(ctx, ref, d)
	if err != nil {
		return nil, err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("decode manifest: %w", err)
	}
	if len(m.Layers) != 1 || !strings.HasPrefix(m.Layers[0].MediaType, bundleArtifactPrefix) {
		return nil, errors.New("not a bundle manifest: want one layer of a Sigstore bundle media type")
	}
	blob, err := client.FetchBlob(ctx, ref, m.Layers[0], maxSignatureSize)
	if err != nil {
		return nil, err
	}
	sig, err := t.cosign.verifyBundle(blob, ref.Digest)
	if err != nil {
		return nil, err
	}
	sig.Manifest = d.Digest.String()
	return sig, nil
}

// legacySignatures checks the layers of the sha256-HEX.sig manifest, when
// there is one, and reports how many signatures it holds.
func (t *ruleTrust) legacySignatures(ctx context.Context, client *oci.Client, ref oci.Reference) (*Signature, int, error) {
	tagRef := ref.WithTag(oci.LegacyTag(ref.Digest, "sig"))
	desc, err := client.Resolve(ctx, tagRef)
	if errors.Is(err, oci.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 1, err
	}
	data, err := client.FetchManifest(ctx, tagRef, desc)
	if err != nil {
		return nil, 1, err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, 1, fmt.Errorf("decode manifest: %w", err)
	}
	var (
		n    int
		errs []error
	)
	for _, l := range m.Layers {
		if l.MediaType != SimpleSigningMediaType {
			continue
		}
		n++
		payload, err := client.FetchBlob(ctx, tagRef, l, maxSignatureSize)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sig, err := t.cosign.verifyLegacy(payload, l.Annotations[annotationLegacySignature], ref.Digest)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sig.Manifest = desc.Digest.String()
		return sig, n, nil
	}
	if n == 0 {
		return nil, 1, errors.New("the tag holds no simple-signing layer")
	}
	return nil, n, errors.Join(errs...)
}
