package provenance

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
)

// PassphraseFunc returns the passphrase that unlocks the secret key whose
// primary identity is given. It is called only for keys protected by a
// passphrase.
type PassphraseFunc func(identity string) ([]byte, error)

// Signer signs chart archives with one unlocked secret key.
type Signer struct {
	entity  *openpgp.Entity
	key     *packet.PrivateKey
	keyring string
	now     func() time.Time
}

// Signer returns a Signer for the key named name, unlocked with the
// passphrase from passphrase (which may be nil for keys without one).
//
// The key is chosen as Helm chooses it: the key with a user ID equal to
// name, else the one key with a user ID containing name; more than one is
// an error (ErrAmbiguousKey), none is ErrKeyNotFound. The keyring must hold
// the secret key (ErrNoPrivateKey); a wrong passphrase is
// ErrWrongPassphrase, and an expired or revoked key cannot sign.
func (k *Keyring) Signer(name string, passphrase PassphraseFunc) (*Signer, error) {
	e, err := k.find(name)
	if err != nil {
		return nil, err
	}
	s := &Signer{entity: e, keyring: k.Path, now: time.Now}
	key, err := s.signingKey(name)
	if err != nil {
		return nil, err
	}
	if err := s.unlock(key, passphrase); err != nil {
		return nil, err
	}
	s.key = key
	return s, nil
}

// find selects the key named name, by Helm's rule (see Signer).
func (k *Keyring) find(name string) (*openpgp.Entity, error) {
	if name == "" {
		return nil, k.signError(ErrKeyNotFound, "no key name given", "name the key by its user ID or part of it (its email address, say)")
	}
	var candidates []*openpgp.Entity
	for _, e := range k.entities {
		for id := range e.Identities {
			if id == name {
				return e, nil
			}
		}
		for id := range e.Identities {
			if strings.Contains(id, name) {
				candidates = append(candidates, e)
				break
			}
		}
	}
	switch len(candidates) {
	case 1:
		return candidates[0], nil
	case 0:
		return nil, k.signError(ErrKeyNotFound, fmt.Sprintf("no user ID contains %q; the keyring has %s", name, listKeys(k.entities)),
			"give the name (or email) of a key in this keyring, or a keyring that holds the key")
	default:
		return nil, k.signError(ErrAmbiguousKey, fmt.Sprintf("%q is in %s", name, listKeys(candidates)),
			"give the whole user ID, or a part that only one key has")
	}
}

// signingKey returns the secret key of s.entity that signs: a signing
// subkey, or else the primary key.
func (s *Signer) signingKey(name string) (*packet.PrivateKey, error) {
	e, now := s.entity, s.now()
	if e.PrivateKey == nil {
		return nil, s.error(ErrNoPrivateKey, fmt.Sprintf("the keyring holds only the public key of %s", describe(e)),
			"signing needs the secret key: export it with `gpg --export-secret-keys "+name+" > secring.gpg` and give that keyring")
	}
	key, ok := e.SigningKey(now)
	switch {
	case !ok && e.Revoked(now):
		return nil, s.error(ErrKeyRevoked, describe(e)+" is revoked", "sign with another key")
	case !ok && expired(e, now):
		return nil, s.error(ErrKeyExpired, describe(e)+" has expired", "extend its expiry (gpg --quick-set-expire) and export it again, or sign with another key")
	case !ok:
		return nil, s.error(ErrNoPrivateKey, describe(e)+" has no valid key that may sign", "sign with a key that has signing capability")
	case key.PrivateKey == nil || key.PrivateKey.Dummy():
		return nil, s.error(ErrNoPrivateKey, fmt.Sprintf("the keyring has no secret part of the signing key %s of %s", key.PublicKey.KeyIdString(), describe(e)),
			"give a keyring with the secret signing key (gpg --export-secret-keys)")
	}
	return key.PrivateKey, nil
}

// unlock decrypts key when it is protected by a passphrase.
func (s *Signer) unlock(key *packet.PrivateKey, passphrase PassphraseFunc) error {
	if !key.Encrypted {
		return nil
	}
	if passphrase == nil {
		return s.error(ErrPassphraseRequired, describe(s.entity)+" is protected by a passphrase", "give it in a file (berth package --passphrase-file FILE, or - to read standard input)")
	}
	pass, err := passphrase(primaryIdentity(s.entity))
	if err != nil {
		return &Error{Op: "sign", File: s.keyring, Kind: ErrPassphraseRequired, Detail: "read passphrase for " + describe(s.entity), Err: err}
	}
	if err := key.Decrypt(pass); err != nil {
		return s.error(ErrWrongPassphrase, "the passphrase does not unlock "+describe(s.entity), "give the key's passphrase")
	}
	return nil
}

// Sign returns the provenance file of the archive named archiveName (its
// base name is used) with content archive, whose Chart.yaml is md.
func (s *Signer) Sign(archiveName string, archive []byte, md *chart.Metadata) ([]byte, error) {
	name := path.Base(archiveName)
	text, err := messageText(name, archive, md)
	if err != nil {
		return nil, &Error{Op: "sign", File: name, Kind: ErrMalformed, Detail: "encode Chart.yaml", Err: err}
	}
	var out bytes.Buffer
	cfg := &packet.Config{DefaultHash: crypto.SHA512, Time: s.now}
	w, err := clearsign.Encode(&out, s.key, cfg)
	if err != nil {
		return nil, &Error{Op: "sign", File: name, Kind: ErrBadSignature, Detail: "start signature", Err: err}
	}
	if _, err := w.Write(text); err != nil {
		return nil, &Error{Op: "sign", File: name, Kind: ErrBadSignature, Err: err}
	}
	if err := w.Close(); err != nil {
		return nil, &Error{Op: "sign", File: name, Kind: ErrBadSignature, Detail: "sign with " + describe(s.entity), Err: err}
	}
	return out.Bytes(), nil
}

// Identity is the primary user ID of the signing key.
func (s *Signer) Identity() string { return primaryIdentity(s.entity) }

// Fingerprint is the signing key's primary fingerprint, upper-case hex.
func (s *Signer) Fingerprint() string { return fingerprint(s.entity) }

// messageText is the signed text of a provenance file, laid out as Helm
// lays it out: Chart.yaml, a blank line, "...", and the files map.
func messageText(name string, archive []byte, md *chart.Metadata) ([]byte, error) {
	if md == nil {
		return nil, errors.New("no chart metadata")
	}
	meta, err := yaml.Marshal(md)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(archive)
	files, err := yaml.Marshal(sumCollection{Files: map[string]string{name: "sha256:" + hex.EncodeToString(sum[:])}})
	if err != nil {
		return nil, err
	}
	text := append(meta, messageSeparator...)
	return append(text, files...), nil
}

// messageSeparator ends Chart.yaml in the signed text: YAML's document end
// marker, since "---" cannot start a line of a clear-signed text.
const messageSeparator = "\n...\n"

// sumCollection is the second part of the signed text.
type sumCollection struct {
	Files map[string]string `json:"files"`
}

func (s *Signer) error(kind error, detail, hint string) *Error {
	return &Error{Op: "sign", File: s.keyring, Kind: kind, Detail: detail, Hint: hint}
}

func (k *Keyring) signError(kind error, detail, hint string) *Error {
	return &Error{Op: "sign", File: k.Path, Kind: kind, Detail: detail, Hint: hint}
}

// expired reports whether e's primary key or its self-signature has
// expired.
func expired(e *openpgp.Entity, now time.Time) bool {
	sig, _ := e.PrimarySelfSignature()
	return sig != nil && (e.PrimaryKey.KeyExpired(sig, now) || sig.SigExpired(now))
}

// primaryIdentity returns e's primary user ID, "" when it has none.
func primaryIdentity(e *openpgp.Entity) string {
	if id := e.PrimaryIdentity(); id != nil {
		return id.Name
	}
	return ""
}

// describe names a key in messages: its primary user ID and fingerprint.
func describe(e *openpgp.Entity) string {
	if id := primaryIdentity(e); id != "" {
		return fmt.Sprintf("key %q (%s)", id, fingerprint(e))
	}
	return "key " + fingerprint(e)
}

// listKeys names keys in messages.
func listKeys(entities openpgp.EntityList) string {
	if len(entities) == 0 {
		return "no keys"
	}
	names := make([]string, 0, len(entities))
	for _, e := range entities {
		names = append(names, fmt.Sprintf("%q", strings.Join(identities(e), `", "`)))
	}
	if len(names) > 5 {
		names = append(names[:5], fmt.Sprintf("and %d more", len(names)-5))
	}
	return strings.Join(names, ", ")
}
