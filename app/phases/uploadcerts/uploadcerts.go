// Package uploadcerts shares the control-plane CAs and service-account keys
// with joining control planes: encrypted with AES-256-GCM under the
// certificate key, stored in Secret kube-system/kubeadm-certs, which a
// bootstrap token with a two-hour TTL owns so that the garbage collector
// deletes it when the token expires. Download is the reverse, for join.
package uploadcerts

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/bootstraptoken"
)

// RoleName names the Role and RoleBinding that let bootstrap tokens read
// the Secret.
const RoleName = "kubeadm:" + constants.KubeadmCertsSecret

// NewCertificateKey returns a random 32-byte key as 64 hex characters.
func NewCertificateKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate certificate key: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Files lists the files shared, relative to the certificates directory.
func Files(localEtcd bool) []string {
	files := []string{"ca.crt", "ca.key", "front-proxy-ca.crt", "front-proxy-ca.key", "sa.pub", "sa.key"}
	if localEtcd {
		files = append(files, "etcd/ca.crt", "etcd/ca.key")
	}
	sort.Strings(files)
	return files
}

// secretKey turns "etcd/ca.crt" into the Secret key "etcd-ca.crt".
func secretKey(file string) string { return strings.ReplaceAll(file, "/", "-") }

// External etcd's client files carry these Secret keys, as upstream's.
const (
	ExternalEtcdCAKey   = "external-etcd-ca.crt"
	ExternalEtcdCertKey = "external-etcd.crt"
	ExternalEtcdKeyKey  = "external-etcd.key"
)

// shared maps each Secret key of kubeadm-certs to its file: a path
// relative to the certificates directory, or with external etcd the
// absolute paths of the etcd CA and client certificate and key that the
// configuration names. The three external keys are always there, empty
// when the configuration names no file (etcd over http), as upstream's
// Secret has them.
func shared(etcd kubeadm.Etcd) map[string]string {
	m := map[string]string{}
	for _, f := range Files(etcd.External == nil) {
		m[secretKey(f)] = f
	}
	if ext := etcd.External; ext != nil {
		for key, path := range map[string]string{ExternalEtcdCAKey: ext.CAFile, ExternalEtcdCertKey: ext.CertFile, ExternalEtcdKeyKey: ext.KeyFile} {
			m[key] = path
		}
	}
	return m
}

// sortedKeys returns m's keys in order, so that errors are deterministic.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// resolve is a shared file's path on disk.
func resolve(certsDir, f string) string {
	if filepath.IsAbs(f) {
		return f
	}
	return filepath.Join(certsDir, f)
}

// DecodeKey decodes a certificate key: 64 hexadecimal characters.
func DecodeKey(hexKey string) ([]byte, error) {
	key, err := hex.DecodeString(hexKey)
	if err != nil || len(key) != 32 {
		return nil, errors.New("the certificate key must be 64 hexadecimal characters (32 bytes)")
	}
	return key, nil
}

// Encrypt seals data with AES-256-GCM under key, the random nonce first.
func Encrypt(data, key []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, data, nil), nil
}

// Decrypt opens what Encrypt sealed; a wrong key or altered data fails.
func Decrypt(data, key []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(data) < gcm.NonceSize() {
		return nil, errors.New("the data is too short to hold a nonce")
	}
	return gcm.Open(nil, data[:gcm.NonceSize()], data[gcm.NonceSize():], nil)
}

// Upload encrypts the shared files of certsDir under hexKey and stores
// them in kube-system/kubeadm-certs, owned by a new two-hour token.
func Upload(ctx context.Context, client clientset.Interface, certsDir string, etcd kubeadm.Etcd, hexKey string, now time.Time) error {
	key, err := DecodeKey(hexKey)
	if err != nil {
		return err
	}
	data := map[string][]byte{}
	files := shared(etcd)
	for _, k := range sortedKeys(files) {
		f := files[k]
		if f == "" { // external etcd without this file
			if data[k], err = Encrypt(nil, key); err != nil {
				return fmt.Errorf("encrypt %s: %w", k, err)
			}
			continue
		}
		plain, err := atomicfile.Read(resolve(certsDir, f))
		if err != nil {
			return fmt.Errorf("read %s for upload: %w", f, err)
		}
		if data[k], err = Encrypt(plain, key); err != nil {
			return fmt.Errorf("encrypt %s: %w", f, err)
		}
	}
	tokenString, err := kubeadm.NewBootstrapTokenString()
	if err != nil {
		return err
	}
	token := kubeadm.BootstrapToken{Token: tokenString, Description: "Proxy for managing TTL for the kubeadm-certs secret",
		TTL: &metav1.Duration{Duration: constants.CertificateKeyTokenTTL}}
	tokenSecret := bootstraptoken.Secret(&token, now)
	created, err := client.CoreV1().Secrets(tokenSecret.Namespace).Create(ctx, tokenSecret, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create the token that owns %s: %w", constants.KubeadmCertsSecret, err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: constants.KubeadmCertsSecret, Namespace: constants.KubeSystemNamespace,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(created, schema.GroupVersionKind{Version: "v1", Kind: "Secret"})},
		},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}
	if err := apiclient.CreateOrUpdate(ctx, client.CoreV1().Secrets(secret.Namespace), "Secret", secret); err != nil {
		return err
	}
	role, binding := RBAC()
	if err := apiclient.CreateOrUpdate(ctx, client.RbacV1().Roles(role.Namespace), "Role", role); err != nil {
		return err
	}
	return apiclient.CreateOrUpdate(ctx, client.RbacV1().RoleBindings(binding.Namespace), "RoleBinding", binding)
}

// RBAC returns the Role and RoleBinding that let bootstrap tokens read the Secret.
func RBAC() (*rbacv1.Role, *rbacv1.RoleBinding) {
	meta := metav1.ObjectMeta{Name: RoleName, Namespace: constants.KubeSystemNamespace}
	return &rbacv1.Role{ObjectMeta: meta, Rules: []rbacv1.PolicyRule{{
			Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{constants.KubeadmCertsSecret},
		}}}, &rbacv1.RoleBinding{
			ObjectMeta: meta,
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: RoleName},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: constants.NodeBootstrapTokenAuthGroup}},
		}
}

// Download decrypts kubeadm-certs with hexKey and writes the files into
// certsDir. A missing Secret or a wrong key is an error that says what to do.
func Download(ctx context.Context, client clientset.Interface, certsDir string, etcd kubeadm.Etcd, hexKey string) error {
	files, err := Fetch(ctx, client, etcd, hexKey)
	if err != nil {
		return err
	}
	return WriteFiles(certsDir, files)
}

// Fetch reads and decrypts kubeadm-certs with hexKey, keeping the files in
// memory (join checks the key before it writes anything). The files are
// named as WriteFiles takes them: relative to the certificates directory,
// or absolute for external etcd's.
func Fetch(ctx context.Context, client clientset.Interface, etcd kubeadm.Etcd, hexKey string) (map[string][]byte, error) {
	key, err := DecodeKey(hexKey)
	if err != nil {
		return nil, err
	}
	secret, err := client.CoreV1().Secrets(constants.KubeSystemNamespace).Get(ctx, constants.KubeadmCertsSecret, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get Secret kube-system/%s (it expires two hours after upload; upload it again with 'kubeadm init phase upload-certs --upload-certs' on a control plane): %w", constants.KubeadmCertsSecret, err)
	}
	plain := map[string][]byte{}
	files := shared(etcd)
	for _, k := range sortedKeys(files) {
		f := files[k]
		enc, ok := secret.Data[k]
		if !ok {
			return nil, fmt.Errorf("Secret kube-system/%s has no %s", constants.KubeadmCertsSecret, k)
		}
		if f == "" { // external etcd without this file: nothing to write
			if _, err := Decrypt(enc, key); err != nil {
				return nil, fmt.Errorf("decrypt %s from Secret kube-system/%s: the certificate key is wrong: %w", k, constants.KubeadmCertsSecret, err)
			}
			continue
		}
		if plain[f], err = Decrypt(enc, key); err != nil {
			return nil, fmt.Errorf("decrypt %s from Secret kube-system/%s: the certificate key is wrong (the one printed by 'kubeadm init --upload-certs' or 'kubeadm init phase upload-certs --upload-certs' is needed): %w", f, constants.KubeadmCertsSecret, err)
		}
	}
	return plain, nil
}

// WriteFiles writes fetched files into certsDir (absolute names as they
// are): keys 0600, certificates 0644.
func WriteFiles(certsDir string, files map[string][]byte) error {
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		mode := os.FileMode(0o600)
		if strings.HasSuffix(f, ".crt") {
			mode = 0o644
		}
		if err := atomicfile.Write(resolve(certsDir, f), files[f], mode); err != nil {
			return err
		}
	}
	return nil
}
