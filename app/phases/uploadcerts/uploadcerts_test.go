package uploadcerts

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	k8stesting "k8s.io/client-go/testing"
)

const testKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

var now = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func TestNewCertificateKey(t *testing.T) {
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	seen := map[string]bool{}
	for range 5 {
		k, err := NewCertificateKey()
		if err != nil {
			t.Fatal(err)
		}
		if !hex64.MatchString(k) {
			t.Fatalf("key %q is not 64 lowercase hex characters", k)
		}
		if seen[k] {
			t.Fatalf("key %q generated twice", k)
		}
		seen[k] = true
		if _, err := DecodeKey(k); err != nil {
			t.Fatalf("generated key does not decode: %v", err)
		}
	}
}

func TestDecodeKey(t *testing.T) {
	for _, bad := range []string{"", "abc", testKey[:62], testKey + "00", strings.Repeat("zz", 32)} {
		_, err := DecodeKey(bad)
		if err == nil {
			t.Fatalf("DecodeKey(%q) succeeded", bad)
		}
		if !strings.Contains(err.Error(), "certificate key") {
			t.Fatalf("DecodeKey(%q) error %q does not mention the certificate key", bad, err)
		}
	}
	if k, err := DecodeKey(testKey); err != nil || len(k) != 32 {
		t.Fatalf("DecodeKey(valid) = %d bytes, %v", len(k), err)
	}
}

func TestEncryptDecrypt(t *testing.T) {
	key, _ := DecodeKey(testKey)
	other, _ := DecodeKey(strings.Repeat("ab", 32))
	for _, plain := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("-----BEGIN RSA PRIVATE KEY-----"), 100)} {
		enc, err := Encrypt(plain, key)
		if err != nil {
			t.Fatal(err)
		}
		// A short plaintext may occur in random ciphertext by chance (a
		// single byte does about one time in nine); only long ones prove a leak.
		if len(plain) >= 16 && bytes.Contains(enc, plain) {
			t.Fatal("ciphertext contains the plaintext")
		}
		dec, err := Decrypt(enc, key)
		if err != nil {
			t.Fatalf("decrypt: %v", err)
		}
		if !bytes.Equal(dec, plain) {
			t.Fatalf("round trip: got %q, want %q", dec, plain)
		}
		if _, err := Decrypt(enc, other); err == nil {
			t.Fatal("decrypt with another key succeeded")
		}
		again, _ := Encrypt(plain, key)
		if bytes.Equal(enc, again) {
			t.Fatal("two encryptions are equal: the nonce is not random")
		}
		tampered := append([]byte(nil), enc...)
		tampered[len(tampered)-1] ^= 1
		if _, err := Decrypt(tampered, key); err == nil {
			t.Fatal("decrypt of tampered data succeeded")
		}
	}
	if _, err := Decrypt([]byte("short"), key); err == nil {
		t.Fatal("decrypt of data shorter than a nonce succeeded")
	}
}

func TestFiles(t *testing.T) {
	want := []string{"ca.crt", "ca.key", "front-proxy-ca.crt", "front-proxy-ca.key", "sa.key", "sa.pub"}
	if got := Files(false); !reflect.DeepEqual(got, want) {
		t.Fatalf("Files(false) = %v, want %v", got, want)
	}
	want = append(want, "etcd/ca.crt", "etcd/ca.key")
	sort.Strings(want)
	if got := Files(true); !reflect.DeepEqual(got, want) {
		t.Fatalf("Files(true) = %v, want %v", got, want)
	}
}

// writeCerts fills dir with a distinct content per shared file.
func writeCerts(t *testing.T, dir string, localEtcd bool) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, f := range Files(localEtcd) {
		content := []byte("content of " + f + "\n")
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		files[f] = content
	}
	return files
}

func getSecret(t *testing.T, client *fake.Clientset, name string) *corev1.Secret {
	t.Helper()
	s, err := client.CoreV1().Secrets("kube-system").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("Secret %s: %v", name, err)
	}
	return s
}

// tokenSecrets returns the bootstrap token Secrets.
func tokenSecrets(t *testing.T, client *fake.Clientset) []corev1.Secret {
	t.Helper()
	list, err := client.CoreV1().Secrets("kube-system").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []corev1.Secret
	for _, s := range list.Items {
		if s.Type == "bootstrap.kubernetes.io/token" {
			out = append(out, s)
		}
	}
	return out
}

func TestUpload(t *testing.T) {
	for _, localEtcd := range []bool{true, false} {
		name := "local-etcd"
		if !localEtcd {
			name = "external-etcd"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			files := writeCerts(t, dir, localEtcd)
			client := fake.NewClientset()

			if err := Upload(ctx, client, dir, etcdOf(localEtcd), testKey, now); err != nil {
				t.Fatalf("Upload: %v", err)
			}

			tokens := tokenSecrets(t, client)
			if len(tokens) != 1 {
				t.Fatalf("%d token Secrets, want 1", len(tokens))
			}
			tok := tokens[0]
			if !strings.HasPrefix(tok.Name, "bootstrap-token-") || tok.Name != "bootstrap-token-"+string(tok.Data["token-id"]) {
				t.Fatalf("token Secret name %q, token-id %q", tok.Name, tok.Data["token-id"])
			}
			if got, want := string(tok.Data["expiration"]), now.Add(2*time.Hour).Format(time.RFC3339); got != want {
				t.Fatalf("token expiration %q, want %q (two hours)", got, want)
			}
			if !strings.Contains(string(tok.Data["description"]), "kubeadm-certs") {
				t.Fatalf("token description %q", tok.Data["description"])
			}

			s := getSecret(t, client, "kubeadm-certs")
			if s.Type != corev1.SecretTypeOpaque {
				t.Fatalf("type %q, want Opaque", s.Type)
			}
			if len(s.OwnerReferences) != 1 {
				t.Fatalf("owner references %+v, want one", s.OwnerReferences)
			}
			ref := s.OwnerReferences[0]
			if ref.APIVersion != "v1" || ref.Kind != "Secret" || ref.Name != tok.Name || ref.Controller == nil || !*ref.Controller {
				t.Fatalf("owner reference %+v, want a controller reference to v1 Secret %s", ref, tok.Name)
			}

			var keys []string
			for k := range s.Data {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			want := []string{"ca.crt", "ca.key", "front-proxy-ca.crt", "front-proxy-ca.key", "sa.key", "sa.pub"}
			if localEtcd {
				want = append(want, "etcd-ca.crt", "etcd-ca.key")
			} else { // upstream's keys, empty for an etcd without client certificates
				want = append(want, ExternalEtcdCAKey, ExternalEtcdCertKey, ExternalEtcdKeyKey)
			}
			sort.Strings(want)
			if !reflect.DeepEqual(keys, want) {
				t.Fatalf("Secret keys %v, want %v", keys, want)
			}
			key, _ := DecodeKey(testKey)
			for f, content := range files {
				enc := s.Data[strings.ReplaceAll(f, "/", "-")]
				if bytes.Equal(enc, content) {
					t.Fatalf("%s stored in clear", f)
				}
				plain, err := Decrypt(enc, key)
				if err != nil {
					t.Fatalf("decrypt %s: %v", f, err)
				}
				if !bytes.Equal(plain, content) {
					t.Fatalf("%s: decrypted %q, want %q", f, plain, content)
				}
			}

			role, err := client.RbacV1().Roles("kube-system").Get(ctx, "kubeadm:kubeadm-certs", metav1.GetOptions{})
			if err != nil {
				t.Fatalf("Role: %v", err)
			}
			if r := role.Rules; len(r) != 1 || !reflect.DeepEqual(r[0].ResourceNames, []string{"kubeadm-certs"}) || !reflect.DeepEqual(r[0].Resources, []string{"secrets"}) {
				t.Fatalf("Role rules %+v", role.Rules)
			}
			rb, err := client.RbacV1().RoleBindings("kube-system").Get(ctx, "kubeadm:kubeadm-certs", metav1.GetOptions{})
			if err != nil {
				t.Fatalf("RoleBinding: %v", err)
			}
			if rb.RoleRef.Name != "kubeadm:kubeadm-certs" || len(rb.Subjects) != 1 || rb.Subjects[0].Name != "system:bootstrappers:kubeadm:default-node-token" {
				t.Fatalf("RoleBinding %+v", rb)
			}
		})
	}
}

func TestUploadTwice(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeCerts(t, dir, true)
	client := fake.NewClientset()
	if err := Upload(ctx, client, dir, etcdOf(true), testKey, now); err != nil {
		t.Fatal(err)
	}
	otherKey := strings.Repeat("ab", 32)
	if err := Upload(ctx, client, dir, etcdOf(true), otherKey, now); err != nil {
		t.Fatalf("second Upload: %v", err)
	}
	tokens := tokenSecrets(t, client)
	if len(tokens) != 2 {
		t.Fatalf("%d token Secrets, want 2", len(tokens))
	}
	s := getSecret(t, client, "kubeadm-certs")
	owner := s.OwnerReferences[0].Name
	if owner != tokens[0].Name && owner != tokens[1].Name {
		t.Fatalf("owner %s is none of the tokens", owner)
	}
	// The Secret now holds the files under the new key.
	if err := Download(ctx, client, t.TempDir(), etcdOf(true), otherKey); err != nil {
		t.Fatalf("Download with the new key: %v", err)
	}
}

func TestUploadErrors(t *testing.T) {
	dir := t.TempDir()
	writeCerts(t, dir, false) // no etcd CA
	client := fake.NewClientset()

	err := Upload(context.Background(), client, dir, etcdOf(true), testKey, now)
	if err == nil || !strings.Contains(err.Error(), "etcd/ca.crt") {
		t.Fatalf("Upload without etcd/ca.crt = %v, want an error naming it", err)
	}
	if n := len(tokenSecrets(t, client)); n != 0 {
		t.Fatalf("a failed read left %d token Secrets", n)
	}

	err = Upload(context.Background(), client, dir, etcdOf(false), "not-a-key", now)
	if err == nil || !strings.Contains(err.Error(), "certificate key") {
		t.Fatalf("Upload with a bad key = %v, want an error about the certificate key", err)
	}
}

func TestUploadTokenCreateFails(t *testing.T) {
	dir := t.TempDir()
	writeCerts(t, dir, false)
	client := fake.NewClientset()
	client.PrependReactor("create", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(corev1.Resource("secrets"), "x", errors.New("no"))
	})
	err := Upload(context.Background(), client, dir, etcdOf(false), testKey, now)
	if err == nil || !strings.Contains(err.Error(), "token") {
		t.Fatalf("Upload = %v, want an error about the owning token", err)
	}
}

func fileMode(t *testing.T, p string) os.FileMode {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestDownload(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	files := writeCerts(t, src, true)
	client := fake.NewClientset()
	if err := Upload(ctx, client, src, etcdOf(true), testKey, now); err != nil {
		t.Fatal(err)
	}

	dst := filepath.Join(t.TempDir(), "pki")
	if err := Download(ctx, client, dst, etcdOf(true), testKey); err != nil {
		t.Fatalf("Download: %v", err)
	}
	for f, content := range files {
		p := filepath.Join(dst, f)
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%s not written: %v", f, err)
		}
		if !bytes.Equal(got, content) {
			t.Fatalf("%s: %q, want %q", f, got, content)
		}
		want := os.FileMode(0o600)
		if strings.HasSuffix(f, ".crt") {
			want = 0o644
		}
		if m := fileMode(t, p); m != want {
			t.Fatalf("%s mode %o, want %o", f, m, want)
		}
	}

	// A re-run overwrites and keeps the modes.
	if err := os.WriteFile(filepath.Join(dst, "ca.key"), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Download(ctx, client, dst, etcdOf(true), testKey); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dst, "ca.key")); !bytes.Equal(got, files["ca.key"]) {
		t.Fatalf("ca.key not replaced: %q", got)
	}
	if m := fileMode(t, filepath.Join(dst, "ca.key")); m != 0o600 {
		t.Fatalf("ca.key mode %o after re-run, want 600", m)
	}
}

func TestDownloadWrongKey(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	writeCerts(t, src, true)
	client := fake.NewClientset()
	if err := Upload(ctx, client, src, etcdOf(true), testKey, now); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	err := Download(ctx, client, dst, etcdOf(true), strings.Repeat("ab", 32))
	if err == nil {
		t.Fatal("Download with the wrong key succeeded")
	}
	if !strings.Contains(err.Error(), "certificate key") {
		t.Fatalf("error %q does not mention the certificate key", err)
	}
	entries, _ := os.ReadDir(dst)
	if len(entries) != 0 {
		t.Fatalf("a failed Download wrote %d entries", len(entries))
	}

	err = Download(ctx, client, dst, etcdOf(true), "xyz")
	if err == nil || !strings.Contains(err.Error(), "certificate key") {
		t.Fatalf("Download with a malformed key = %v, want an error about the certificate key", err)
	}
}

func TestDownloadMissingSecret(t *testing.T) {
	err := Download(context.Background(), fake.NewClientset(), t.TempDir(), etcdOf(true), testKey)
	if err == nil {
		t.Fatal("Download without the Secret succeeded")
	}
	for _, want := range []string{"kubeadm-certs", "upload-certs"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not mention %q (how to re-upload)", err, want)
		}
	}
	if !apierrors.IsNotFound(err) {
		t.Fatalf("error %v lost its NotFound status", err)
	}
}

func TestDownloadMissingEntry(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	writeCerts(t, src, false)
	client := fake.NewClientset()
	// Uploaded for external etcd, downloaded by a node expecting local etcd.
	if err := Upload(ctx, client, src, etcdOf(false), testKey, now); err != nil {
		t.Fatal(err)
	}
	err := Download(ctx, client, t.TempDir(), etcdOf(true), testKey)
	if err == nil || !strings.Contains(err.Error(), "etcd-ca.crt") {
		t.Fatalf("Download = %v, want an error naming the missing etcd-ca.crt", err)
	}
}

// etcdOf is a local etcd, or an external one without client files.
func etcdOf(local bool) kubeadm.Etcd {
	if local {
		return kubeadm.Etcd{Local: &kubeadm.LocalEtcd{}}
	}
	return kubeadm.Etcd{External: &kubeadm.ExternalEtcd{Endpoints: []string{"https://10.0.0.1:2379"}}}
}

// TestExternalEtcdFilesTravel uploads the external etcd client files the
// configuration names, under upstream's keys, and a joining control plane
// gets them back at the same paths.
func TestExternalEtcdFilesTravel(t *testing.T) {
	src, ext := t.TempDir(), t.TempDir()
	writeCerts(t, src, false)
	etcd := kubeadm.Etcd{External: &kubeadm.ExternalEtcd{Endpoints: []string{"https://10.0.0.1:2379"},
		CAFile: filepath.Join(ext, "etcd-ca.pem"), CertFile: filepath.Join(ext, "client.pem"), KeyFile: filepath.Join(ext, "client-key.pem")}}
	want := map[string]string{etcd.External.CAFile: "ca", etcd.External.CertFile: "cert", etcd.External.KeyFile: "key"}
	for path, content := range want {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	client := fake.NewSimpleClientset()
	if err := Upload(context.Background(), client, src, etcd, testKey, time.Now()); err != nil {
		t.Fatal(err)
	}
	secret, err := client.CoreV1().Secrets("kube-system").Get(context.Background(), "kubeadm-certs", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{ExternalEtcdCAKey, ExternalEtcdCertKey, ExternalEtcdKeyKey} {
		if _, ok := secret.Data[k]; !ok {
			t.Errorf("kubeadm-certs lacks %s", k)
		}
	}
	if _, ok := secret.Data["etcd-ca.key"]; ok {
		t.Error("kubeadm-certs carries a local etcd CA key for an external etcd")
	}
	for path := range want {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
	if err := Download(context.Background(), client, t.TempDir(), etcd, testKey); err != nil {
		t.Fatal(err)
	}
	for path, content := range want {
		if b, err := os.ReadFile(path); err != nil || string(b) != content {
			t.Errorf("%s after download: %q %v", path, b, err)
		}
	}
}
