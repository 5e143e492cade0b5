package bootstraptoken

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/cluster-bootstrap/token/jws"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func signingToken(id, secret string, usages ...string) kubeadm.BootstrapToken {
	if usages == nil {
		usages = []string{"signing", "authentication"}
	}
	return kubeadm.BootstrapToken{Token: token(id, secret), Usages: usages, TTL: &metav1.Duration{Duration: time.Hour}}
}

func TestSignatures(t *testing.T) {
	const content = "kubeconfig bytes"
	expired := signingToken("expird", "0123456789abcdef")
	expired.TTL = nil
	expired.Expires = &metav1.Time{Time: now.Add(-time.Minute)}
	forever := signingToken("forevr", "0123456789abcdef")
	forever.TTL = &metav1.Duration{}
	renamed := Secret(new(signingToken("abcdef", "0123456789abcdef")), now)
	renamed.Name = "bootstrap-token-zzzzzz"
	noSecret := Secret(new(signingToken("nosecr", "0123456789abcdef")), now)
	delete(noSecret.Data, "token-secret")

	for _, tc := range []struct {
		name   string
		secret *corev1.Secret
		signed bool
	}{
		{"signing and authentication", Secret(new(signingToken("abcdef", "0123456789abcdef")), now), true},
		{"signing only", Secret(new(signingToken("abcdef", "0123456789abcdef", "signing")), now), true},
		{"without an expiry", Secret(&forever, now), true},
		{"authentication only", Secret(new(signingToken("abcdef", "0123456789abcdef", "authentication")), now), false},
		{"expired", Secret(&expired, now), false},
		{"name and token ID differ", renamed, false},
		{"no secret", noSecret, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sigs, err := Signatures(content, []*corev1.Secret{tc.secret}, now)
			if err != nil {
				t.Fatal(err)
			}
			id := string(tc.secret.Data["token-id"])
			sig, ok := sigs["jws-kubeconfig-"+id]
			if ok != tc.signed || len(sigs) != map[bool]int{true: 1, false: 0}[tc.signed] {
				t.Fatalf("signatures %v, want one for %q: %v", sigs, id, tc.signed)
			}
			if ok && !jws.DetachedTokenIsValid(sig, content, id, string(tc.secret.Data["token-secret"])) {
				t.Fatalf("the signature %q does not verify with the token", sig)
			}
		})
	}
}

func TestCreateClusterInfoSigned(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	tokens := Secrets([]kubeadm.BootstrapToken{signingToken("abcdef", "0123456789abcdef"), signingToken("ghijkl", "0123456789abcdef", "authentication")}, now)
	if err := CreateClusterInfo(ctx, client, "https://10.0.0.1:6443", []byte(caPEM), tokens, now); err != nil {
		t.Fatal(err)
	}
	got := getClusterInfo(t, client)
	if len(got.Data) != 2 {
		t.Fatalf("keys of %v, want the kubeconfig and one signature", got.Data)
	}
	if !jws.DetachedTokenIsValid(got.Data["jws-kubeconfig-abcdef"], got.Data["kubeconfig"], "abcdef", "0123456789abcdef") {
		t.Fatalf("cluster-info is not signed for token abcdef: %v", got.Data)
	}

	// Run again: nothing to write.
	client.ClearActions()
	if err := CreateClusterInfo(ctx, client, "https://10.0.0.1:6443", []byte(caPEM), tokens, now); err != nil {
		t.Fatal(err)
	}
	if v := cmVerbs(client); v != "get" {
		t.Fatalf("a current cluster-info was written: %s", v)
	}

	// Another token's signature (the signer's) stays; ours follows the new
	// kubeconfig.
	got.Data["jws-kubeconfig-other1"] = "sig"
	if _, err := client.CoreV1().ConfigMaps("kube-public").Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := CreateClusterInfo(ctx, client, "https://lb.example.com:6443", []byte(caPEM), tokens, now); err != nil {
		t.Fatal(err)
	}
	got = getClusterInfo(t, client)
	if got.Data["jws-kubeconfig-other1"] != "sig" || !strings.Contains(got.Data["kubeconfig"], "lb.example.com") {
		t.Fatalf("cluster-info %v", got.Data)
	}
	if !jws.DetachedTokenIsValid(got.Data["jws-kubeconfig-abcdef"], got.Data["kubeconfig"], "abcdef", "0123456789abcdef") {
		t.Fatalf("the signature does not follow the new kubeconfig: %v", got.Data)
	}
}

func TestSignClusterInfo(t *testing.T) {
	ctx := context.Background()
	tok := Secrets([]kubeadm.BootstrapToken{signingToken("abcdef", "0123456789abcdef")}, now)

	// No cluster-info: nothing to sign, nothing created.
	client := fake.NewClientset()
	if err := SignClusterInfo(ctx, client, tok, now); err != nil {
		t.Fatal(err)
	}
	if v := cmVerbs(client); v != "get" {
		t.Fatalf("without cluster-info: %s", v)
	}

	// An existing one gets the signature, keeps the rest, and is not
	// written again once current.
	cm, _ := ClusterInfo("https://10.0.0.1:6443", []byte(caPEM))
	cm.Data["jws-kubeconfig-other1"] = "sig"
	client = fake.NewClientset(cm)
	if err := SignClusterInfo(ctx, client, tok, now); err != nil {
		t.Fatal(err)
	}
	got := getClusterInfo(t, client)
	if got.Data["kubeconfig"] != cm.Data["kubeconfig"] || got.Data["jws-kubeconfig-other1"] != "sig" {
		t.Fatalf("cluster-info %v", got.Data)
	}
	if !jws.DetachedTokenIsValid(got.Data["jws-kubeconfig-abcdef"], got.Data["kubeconfig"], "abcdef", "0123456789abcdef") {
		t.Fatalf("not signed: %v", got.Data)
	}
	client.ClearActions()
	if err := SignClusterInfo(ctx, client, tok, now); err != nil {
		t.Fatal(err)
	}
	if v := cmVerbs(client); v != "get" {
		t.Fatalf("a current cluster-info was written: %s", v)
	}

	// A token that does not sign changes nothing.
	client.ClearActions()
	auth := Secrets([]kubeadm.BootstrapToken{signingToken("mnopqr", "0123456789abcdef", "authentication")}, now)
	if err := SignClusterInfo(ctx, client, auth, now); err != nil {
		t.Fatal(err)
	}
	if v := cmVerbs(client); v != "get" || !reflect.DeepEqual(getClusterInfo(t, client).Data, got.Data) {
		t.Fatalf("a token without the signing usage changed cluster-info: %s", v)
	}
}
