package provenance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
)

// maxKeyringSize bounds the keyring files read: a GnuPG keyring of several
// thousand keys is a few megabytes.
const maxKeyringSize = 64 << 20

// keyringHint says how to get a keyring file berth can read.
const keyringHint = "give a GnuPG keyring file: export the keys with " +
	"`gpg --export > pubring.gpg` (public, for verifying) or " +
	"`gpg --export-secret-keys > secring.gpg` (secret, for signing)"

// Keyring is the set of OpenPGP keys read from one keyring file.
type Keyring struct {
	// Path is the file the keys were read from; errors name it.
	Path     string
	entities openpgp.EntityList
}

// Key describes one key of a keyring.
type Key struct {
	// Identities are the key's user IDs, "Name (Comment) <email>", sorted.
	Identities []string
	// Fingerprint is the primary key's fingerprint in upper-case hex.
	Fingerprint string
	// Secret says whether the keyring holds the secret key, so that it can
	// sign.
	Secret bool
}

// DefaultKeyring returns the keyring Helm uses when none is given:
// pubring.gpg in $GNUPGHOME (default ~/.gnupg), or pubring.kbx there when
// only that exists.
func DefaultKeyring() string {
	home := os.Getenv("GNUPGHOME")
	if home == "" {
		dir, err := os.UserHomeDir()
		if err != nil {
			dir = "~"
		}
		home = filepath.Join(dir, ".gnupg")
	}
	legacy := filepath.Join(home, "pubring.gpg")
	if _, err := os.Stat(legacy); errors.Is(err, fs.ErrNotExist) {
		keybox := filepath.Join(home, "pubring.kbx")
		if _, err := os.Stat(keybox); err == nil {
			return keybox
		}
	}
	return legacy
}

// LoadKeyring reads the keyring file at path: a GnuPG legacy keyring
// (binary OpenPGP packets, as pubring.gpg, secring.gpg or the output of gpg
// --export), one or more ASCII-armored key blocks, or a GnuPG keybox
// (pubring.kbx, public keys only).
func LoadKeyring(path string) (*Keyring, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, keyringError(path, "", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyringSize+1))
	if err != nil {
		return nil, keyringError(path, "", err)
	}
	if len(data) > maxKeyringSize {
		return nil, keyringError(path, fmt.Sprintf("larger than %d MiB", maxKeyringSize>>20), nil)
	}
	return ParseKeyring(path, data)
}

// ParseKeyring reads a keyring from data, in any format LoadKeyring reads;
// path names it in errors.
func ParseKeyring(path string, data []byte) (*Keyring, error) {
	var (
		ring openpgp.EntityList
		err  error
	)
	switch {
	case isKeybox(data):
		var keys []byte
		if keys, err = keyboxKeys(data); err == nil {
			ring, err = openpgp.ReadKeyRing(bytes.NewReader(keys))
		}
	case bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN PGP")):
		ring, err = readArmoredKeyring(data)
	default:
		ring, err = openpgp.ReadKeyRing(bytes.NewReader(data))
	}
	if err != nil {
		return nil, keyringError(path, "no OpenPGP keys could be read", err)
	}
	if len(ring) == 0 {
		return nil, keyringError(path, "holds no OpenPGP keys", nil)
	}
	return &Keyring{Path: path, entities: ring}, nil
}

// readArmoredKeyring reads every armored key block in data, so that a
// keyring made by concatenating exports holds all their keys.
func readArmoredKeyring(data []byte) (openpgp.EntityList, error) {
	var ring openpgp.EntityList
	r := bytes.NewReader(data)
	for {
		block, err := armor.Decode(r)
		if errors.Is(err, io.EOF) {
			return ring, nil
		}
		if err != nil {
			return nil, err
		}
		if block.Type != openpgp.PublicKeyType && block.Type != openpgp.PrivateKeyType {
			return nil, fmt.Errorf("armored block %q is not a key block", block.Type)
		}
		entities, err := openpgp.ReadKeyRing(block.Body)
		if err != nil {
			return nil, err
		}
		ring = append(ring, entities...)
	}
}

// Keys describes the keys of the keyring, in the order of the file.
func (k *Keyring) Keys() []Key {
	keys := make([]Key, 0, len(k.entities))
	for _, e := range k.entities {
		keys = append(keys, describeKey(e))
	}
	return keys
}

func describeKey(e *openpgp.Entity) Key {
	return Key{
		Identities:  identities(e),
		Fingerprint: fingerprint(e),
		Secret:      e.PrivateKey != nil,
	}
}

// identities returns the user IDs of e, sorted.
func identities(e *openpgp.Entity) []string {
	ids := make([]string, 0, len(e.Identities))
	for name := range e.Identities {
		ids = append(ids, name)
	}
	slices.Sort(ids)
	return ids
}

func fingerprint(e *openpgp.Entity) string {
	return fmt.Sprintf("%X", e.PrimaryKey.Fingerprint)
}

func keyringError(path, detail string, err error) *Error {
	return &Error{Op: "load keyring", File: path, Kind: ErrKeyring, Detail: detail, Err: err, Hint: keyringHint}
}
