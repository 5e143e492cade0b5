package kubeadm

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BootstrapToken describes one bootstrap token to create.
type BootstrapToken struct {
	Token       *BootstrapTokenString `json:"token"`
	Description string                `json:"description,omitempty"`
	TTL         *metav1.Duration      `json:"ttl,omitempty"`
	Expires     *metav1.Time          `json:"expires,omitempty"`
	Usages      []string              `json:"usages,omitempty"`
	Groups      []string              `json:"groups,omitempty"`
}

// BootstrapTokenString is a token "id.secret", marshalled as that string.
type BootstrapTokenString struct {
	ID     string `json:"-"`
	Secret string `json:"-"`
}

// TokenPattern is the form of a bootstrap token: [a-z0-9]{6}.[a-z0-9]{16}.
var TokenPattern = regexp.MustCompile(`^([a-z0-9]{6})\.([a-z0-9]{16})$`)

// ParseBootstrapToken parses "id.secret".
func ParseBootstrapToken(s string) (*BootstrapTokenString, error) {
	m := TokenPattern.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("the bootstrap token %q is not of the form %q", s, "[a-z0-9]{6}.[a-z0-9]{16}")
	}
	return &BootstrapTokenString{ID: m[1], Secret: m[2]}, nil
}

// String returns "id.secret".
func (t BootstrapTokenString) String() string {
	if t.ID == "" && t.Secret == "" {
		return ""
	}
	return t.ID + "." + t.Secret
}

// MarshalJSON writes the token as one string.
func (t BootstrapTokenString) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf("%q", t.String())), nil
}

// UnmarshalJSON reads "id.secret" and refuses any other form.
func (t *BootstrapTokenString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a bootstrap token must be a string: %w", err)
	}
	if s == "" {
		*t = BootstrapTokenString{}
		return nil
	}
	parsed, err := ParseBootstrapToken(s)
	if err != nil {
		return err
	}
	*t = *parsed
	return nil
}

const tokenChars = "0123456789abcdefghijklmnopqrstuvwxyz"

// NewBootstrapTokenString makes a random token "[a-z0-9]{6}.[a-z0-9]{16}".
func NewBootstrapTokenString() (*BootstrapTokenString, error) {
	pick := func(n int) (string, error) {
		b := make([]byte, n)
		for i := range b {
			k, err := rand.Int(rand.Reader, big.NewInt(int64(len(tokenChars))))
			if err != nil {
				return "", fmt.Errorf("generate bootstrap token: %w", err)
			}
			b[i] = tokenChars[k.Int64()]
		}
		return string(b), nil
	}
	id, err := pick(6)
	if err != nil {
		return nil, err
	}
	secret, err := pick(16)
	if err != nil {
		return nil, err
	}
	return &BootstrapTokenString{ID: id, Secret: secret}, nil
}
