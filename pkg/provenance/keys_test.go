package provenance

import (
	"bytes"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// testKey is a generated OpenPGP key with its GnuPG legacy keyrings.
type testKey struct {
	entity *openpgp.Entity
	// public is the binary public keyring (gpg --export), secret the binary
	// secret keyring (gpg --export-secret-keys).
	public, secret []byte
}

// keyOptions shape a generated key.
type keyOptions struct {
	passphrase string
	created    time.Time     // zero: now
	lifetime   time.Duration // zero: never expires
	rsa        bool          // RSA 2048 instead of Ed25519
	revoked    bool
	subkey     bool // add a signing subkey, which then signs
}

// newKey generates a key for user ID "name <email>".
func newKey(t *testing.T, name, email string, o keyOptions) *testKey {
	t.Helper()
	cfg := &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA}
	if o.rsa {
		cfg = &packet.Config{Algorithm: packet.PubKeyAlgoRSA, RSABits: 2048}
	}
	if !o.created.IsZero() {
		created := o.created
		cfg.Time = func() time.Time { return created }
	}
	if o.lifetime > 0 {
		cfg.KeyLifetimeSecs = uint32(o.lifetime / time.Second)
	}
	e, err := openpgp.NewEntity(name, "", email, cfg)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	if o.subkey {
		if err := e.AddSigningSubkey(cfg); err != nil {
			t.Fatalf("add signing subkey: %v", err)
		}
	}
	if o.revoked {
		if err := e.RevokeKey(packet.KeyRetired, "retired", cfg); err != nil {
			t.Fatalf("revoke key: %v", err)
		}
	}
	k := &testKey{entity: e}
	var pub bytes.Buffer
	if err := e.Serialize(&pub); err != nil {
		t.Fatalf("serialize public key: %v", err)
	}
	k.public = pub.Bytes()
	if o.passphrase != "" {
		if err := e.EncryptPrivateKeys([]byte(o.passphrase), nil); err != nil {
			t.Fatalf("encrypt key: %v", err)
		}
	}
	var sec bytes.Buffer
	if err := e.SerializePrivateWithoutSigning(&sec, nil); err != nil {
		t.Fatalf("serialize secret key: %v", err)
	}
	k.secret = sec.Bytes()
	return k
}

// armored returns data as an ASCII-armored block of blockType.
func armored(t *testing.T, blockType string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := armor.Encode(&b, blockType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	return b.Bytes()
}

// keyring parses data as a keyring named path.
func keyring(t *testing.T, path string, data ...[]byte) *Keyring {
	t.Helper()
	k, err := ParseKeyring(path, bytes.Join(data, nil))
	if err != nil {
		t.Fatalf("ParseKeyring: %v", err)
	}
	return k
}
