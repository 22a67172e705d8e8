package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/provenance"
)

// signFlags are the signing flags of berth package, Helm's.
type signFlags struct {
	sign           bool
	key            string
	keyring        string
	passphraseFile string
}

// AddFlags adds --sign, --key, --keyring and --passphrase-file to fs.
func (s *signFlags) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&s.sign, "sign", false, "sign the archive with an OpenPGP key, writing NAME-VERSION.tgz.prov beside it")
	fs.StringVar(&s.key, "key", "", "the signing key: its user ID or a part of it, such as the email address (with --sign)")
	fs.StringVar(&s.keyring, "keyring", "", "GnuPG keyring file holding the secret key, binary or armored (default $GNUPGHOME/pubring.gpg, $GNUPGHOME defaulting to ~/.gnupg)")
	fs.StringVar(&s.passphraseFile, "passphrase-file", "", `file whose first line is the key's passphrase; "-" reads standard input`)
}

// Validate checks that --sign has a --key.
func (s *signFlags) Validate() error {
	if s.sign && s.key == "" {
		return &UsageError{
			Err:  errors.New("--sign needs --key: the name of the signing key"),
			Hint: "Name the key by its user ID or email, for example: berth package ./web --sign --key release@acme.example --keyring secring.gpg",
		}
	}
	return nil
}

// signer loads the keyring and unlocks the key.
func (s *signFlags) signer(f *Factory) (*provenance.Signer, error) {
	path := s.keyring
	if path == "" {
		path = provenance.DefaultKeyring()
	}
	ring, err := provenance.LoadKeyring(path)
	if err != nil {
		return nil, err
	}
	return ring.Signer(s.key, s.passphrase(f))
}

// passphrase returns where the key's passphrase comes from: the
// --passphrase-file, standard input, the terminal, or nowhere (nil).
func (s *signFlags) passphrase(f *Factory) provenance.PassphraseFunc {
	switch {
	case s.passphraseFile == "-":
		return func(string) ([]byte, error) {
			if in, ok := f.In.(*os.File); ok && term.IsTerminal(int(in.Fd())) {
				return nil, errors.New(`--passphrase-file "-": standard input is a terminal; pipe the passphrase in, or give a file`)
			}
			return readPassphrase("standard input", f.In)
		}
	case s.passphraseFile != "":
		return func(string) ([]byte, error) {
			file, err := os.Open(s.passphraseFile)
			if err != nil {
				return nil, fmt.Errorf("--passphrase-file: %w", err)
			}
			defer file.Close()
			return readPassphrase(s.passphraseFile, file)
		}
	}
	in, ok := f.In.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) || !IsTerminal(f.ErrOut) {
		return nil
	}
	return func(identity string) ([]byte, error) {
		fmt.Fprintf(f.ErrOut, "Passphrase for key %q: ", identity)
		pass, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(f.ErrOut)
		return pass, err
	}
}

// readPassphrase returns the first line of r, as Helm reads a passphrase
// file.
func readPassphrase(name string, r io.Reader) ([]byte, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 1<<20)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read passphrase from %s: %w", name, err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return nil, fmt.Errorf("read passphrase from %s: the first line is empty", name)
	}
	return []byte(line), nil
}

// packageSigned packs c, signs it and writes the archive and its .prov,
// recording both in res. The key is unlocked before anything is written.
func packageSigned(f *Factory, o *packageOptions, c *chart.Chart, res *packageResult) error {
	signer, err := o.sign.signer(f)
	if err != nil {
		return fmt.Errorf("package chart %q: %w", c.Name(), err)
	}
	if err := c.Metadata.Validate(); err != nil {
		return fmt.Errorf("package chart %q: %w", c.Name(), err)
	}
	var archive bytes.Buffer
	if err := chart.WriteArchive(&archive, c); err != nil {
		return fmt.Errorf("package chart %q: %w", c.Name(), err)
	}
	path := filepath.Join(o.destination, chart.ArchiveName(c))
	prov, err := signer.Sign(path, archive.Bytes(), c.Metadata)
	if err != nil {
		return fmt.Errorf("package chart %q: %w", c.Name(), err)
	}
	if err := writePair(path, archive.Bytes(), path+".prov", prov); err != nil {
		return fmt.Errorf("package chart %q: %w", c.Name(), err)
	}
	res.Path, res.Prov = path, path+".prov"
	res.SignedBy, res.Fingerprint = signer.Identity(), signer.Fingerprint()
	return nil
}

// writePair writes two files, each to a temporary file that is renamed
// into place once both are complete, so that a failure leaves neither
// half-written.
func writePair(path1 string, data1 []byte, path2 string, data2 []byte) error {
	if err := os.MkdirAll(filepath.Dir(path1), 0o755); err != nil {
		return err
	}
	tmp1, err := writeTemp(path1, data1)
	if err != nil {
		return err
	}
	defer os.Remove(tmp1) // no-op once renamed
	tmp2, err := writeTemp(path2, data2)
	if err != nil {
		return err
	}
	defer os.Remove(tmp2)
	if err := os.Rename(tmp1, path1); err != nil {
		return fmt.Errorf("write %s: %w", path1, err)
	}
	if err := os.Rename(tmp2, path2); err != nil {
		return fmt.Errorf("write %s: %w", path2, err)
	}
	return nil
}

// writeTemp writes data to a new temporary file beside path, readable by
// all as chart archives are, and returns its name.
func writeTemp(path string, data []byte) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Chmod(0o644) //nolint:gosec // chart archives and provenance files are meant to be readable
	if err := errors.Join(werr, cerr, tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return tmp.Name(), nil
}
