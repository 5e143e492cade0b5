package artifacts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
)

// FileHash returns the hex sha256 of a file's content.
func FileHash(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8]), nil
}

// HashBytes returns the hex sha256 (first 8 bytes) of b.
func HashBytes(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}
