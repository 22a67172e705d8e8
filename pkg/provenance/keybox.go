package provenance

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// A GnuPG keybox (pubring.kbx, GnuPG 2.1 and later) is a sequence of blobs,
// each starting with its length (4 bytes, big-endian, counting itself) and
// its type (1 byte). The first blob is a header whose bytes 8..12 are
// "KBXf"; an OpenPGP blob holds, at an offset and length given in its bytes
// 8..16, the key's transferable public key packets as gpg --export writes
// them. Blobs flagged ephemeral are keys gpg looked up but did not import.
const (
	kbxTypeHeader   = 1
	kbxTypeOpenPGP  = 2
	kbxFlagEphemera = 0x0002
	kbxBlobMin      = 6
	kbxOpenPGPMin   = 16
)

// isKeybox reports whether data starts with a keybox header blob.
func isKeybox(data []byte) bool {
	return len(data) >= 12 && data[4] == kbxTypeHeader && bytes.Equal(data[8:12], []byte("KBXf"))
}

// keyboxKeys returns the key packets of every OpenPGP blob of the keybox
// data, concatenated.
func keyboxKeys(data []byte) ([]byte, error) {
	var keys bytes.Buffer
	for off := 0; off < len(data); {
		blob, err := keyboxBlob(data, off)
		if err != nil {
			return nil, err
		}
		if blob[4] == kbxTypeOpenPGP {
			block, err := keyboxKeyblock(blob, off)
			if err != nil {
				return nil, err
			}
			keys.Write(block)
		}
		off += len(blob)
	}
	if keys.Len() == 0 {
		return nil, errors.New("keybox holds no OpenPGP keys")
	}
	return keys.Bytes(), nil
}

// keyboxBlob returns the blob starting at off.
func keyboxBlob(data []byte, off int) ([]byte, error) {
	rest := data[off:]
	if len(rest) < kbxBlobMin {
		return nil, fmt.Errorf("keybox: truncated blob at byte %d", off)
	}
	n := binary.BigEndian.Uint32(rest)
	if n < kbxBlobMin || uint64(n) > uint64(len(rest)) {
		return nil, fmt.Errorf("keybox: blob at byte %d has length %d, %d bytes remain", off, n, len(rest))
	}
	return rest[:n], nil
}

// keyboxKeyblock returns the key packets of the OpenPGP blob at off, or
// nothing for an ephemeral one.
func keyboxKeyblock(blob []byte, off int) ([]byte, error) {
	if len(blob) < kbxOpenPGPMin {
		return nil, fmt.Errorf("keybox: OpenPGP blob at byte %d is too short", off)
	}
	if binary.BigEndian.Uint16(blob[6:])&kbxFlagEphemera != 0 {
		return nil, nil
	}
	start := uint64(binary.BigEndian.Uint32(blob[8:]))
	size := uint64(binary.BigEndian.Uint32(blob[12:]))
	if start+size > uint64(len(blob)) {
		return nil, fmt.Errorf("keybox: OpenPGP blob at byte %d points past its end", off)
	}
	return blob[start : start+size], nil
}
