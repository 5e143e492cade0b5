package tokens

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestCreateListDelete(t *testing.T) {
	ctx := context.Background()
	c := fake.NewSimpleClientset()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tok, _ := kubeadm.ParseBootstrapToken("abcdef.0123456789abcdef")
	forever, _ := kubeadm.ParseBootstrapToken("zzzzzz.0123456789abcdef")
	for _, bt := range []kubeadm.BootstrapToken{
		{Token: tok, TTL: &metav1.Duration{Duration: time.Hour}, Description: "for w1"},
		{Token: forever, TTL: &metav1.Duration{}},
	} {
		kubeadm.SetBootstrapTokenDefaults(&bt)
		if err := Create(ctx, c, bt, now); err != nil {
			t.Fatal(err)
		}
	}
	list, skipped, err := List(ctx, c)
	if err != nil || len(list) != 2 || len(skipped) != 0 {
		t.Fatalf("list: %v, %v, %v", list, skipped, err)
	}
	first := list[0]
	if first.Token != "abcdef.0123456789abcdef" || first.Description != "for w1" || strings.Join(first.Usages, ",") != "authentication,signing" ||
		first.Expires == nil || !first.Expires.Time.Equal(now.Add(time.Hour)) || first.Kind != "BootstrapToken" || first.APIVersion != "output.kubeadm.k8s.io/v1alpha3" {
		t.Errorf("first token %+v", first)
	}
	if list[1].Expires != nil {
		t.Errorf("a TTL of 0 never expires: %+v", list[1])
	}
	if err := Delete(ctx, c, "abcdef"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"Bad!", "abcdef.short", "abcdefg"} {
		if err := Delete(ctx, c, bad); err == nil || !strings.Contains(err.Error(), "neither a token ID") {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if err := Delete(ctx, c, "zzzzzz.0123456789abcdef"); err != nil {
		t.Errorf("delete by full token: %v", err)
	}
	if err := Delete(ctx, c, "abcdef"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("deleting a deleted token: %v", err)
	}
	if list, _, _ := List(ctx, c); len(list) != 0 {
		t.Errorf("after delete: %v", list)
	}
}

func TestJoinCommand(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubernetes"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["kubernetes"] = &clientcmdapi.Cluster{Server: "https://10.200.0.1:6443", CertificateAuthorityData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
	cfg.Contexts["admin"] = &clientcmdapi.Context{Cluster: "kubernetes"}
	cfg.CurrentContext = "admin"
	cmd, err := JoinCommand(cfg, "abcdef.0123456789abcdef", "")
	if err != nil {
		t.Fatal(err)
	}
	s := cmd.String()
	if !strings.HasPrefix(s, "kubeadm join 10.200.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:") || strings.Contains(s, "--control-plane") {
		t.Errorf("worker join: %s", s)
	}
	cmd, _ = JoinCommand(cfg, "abcdef.0123456789abcdef", "ff")
	if !strings.HasSuffix(cmd.String(), "--control-plane --certificate-key ff") {
		t.Errorf("control-plane join: %s", cmd.String())
	}
	cfg.CurrentContext = "nope"
	if _, err := JoinCommand(cfg, "x", ""); err == nil {
		t.Error("a kubeconfig without a current context must be refused")
	}
}
