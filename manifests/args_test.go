package manifests

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestCommand(t *testing.T) {
	defaults := flags{arg("b", "2"), arg("a", "1"), arg("c", "3"), arg("a", "0")}
	got := command("bin", defaults, []kubeadm.Arg{arg("z", "9"), arg("c", "x"), arg("c", "y")})
	want := []string{"bin", "--a=0", "--a=1", "--b=2", "--z=9", "--c=x", "--c=y"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("command = %q, want %q", got, want)
	}
	if defaults[0].Name != "b" {
		t.Error("command reordered its defaults argument")
	}
}

func TestFlagsSetReplacesLast(t *testing.T) {
	f := flags{arg("a", "1"), arg("a", "2")}.set("a", "3").set("b", "4")
	want := flags{arg("a", "1"), arg("a", "3"), arg("b", "4")}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("set = %v, want %v", f, want)
	}
}

func TestProxyEnvAndMerge(t *testing.T) {
	got := mergeEnv(
		proxyEnv([]string{"HTTP_PROXY=http://p", "no_proxy=", "A_PROXY_X=1", "malformed", "https_proxy=a=b"}),
		[]kubeadm.EnvVar{env("HTTP_PROXY", "http://q"), env("FOO", "bar")},
	)
	want := []corev1.EnvVar{{Name: "FOO", Value: "bar"}, {Name: "HTTP_PROXY", Value: "http://q"}, {Name: "https_proxy", Value: "a=b"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("env = %v, want %v", got, want)
	}
	if mergeEnv(nil, nil) != nil {
		t.Error("empty merge should be nil so that no env key is written")
	}
}

func TestEtcdProbeEndpoint(t *testing.T) {
	for _, tc := range []struct {
		value  string
		host   string
		port   int32
		scheme corev1.URIScheme
	}{
		{"", "127.0.0.1", 2381, corev1.URISchemeHTTP}, // empty value: all defaults
		{"https://10.0.0.1:9999,http://127.0.0.1:2381", "10.0.0.1", 9999, corev1.URISchemeHTTPS},
		{"http://:2390", "127.0.0.1", 2390, corev1.URISchemeHTTP},
		{"http://0.0.0.0:0", "0.0.0.0", 2381, corev1.URISchemeHTTP},
		{"http://[::1]:70000", "::1", 2381, corev1.URISchemeHTTP},
		{"%zz", "127.0.0.1", 2381, corev1.URISchemeHTTP},
	} {
		host, port, scheme := etcdProbeEndpoint([]kubeadm.Arg{arg("listen-metrics-urls", tc.value)}, "127.0.0.1")
		if host != tc.host || port != tc.port || scheme != tc.scheme {
			t.Errorf("%q: got %s %d %s, want %s %d %s", tc.value, host, port, scheme, tc.host, tc.port, tc.scheme)
		}
	}
}

func TestExternalEtcdCertDirs(t *testing.T) {
	h := newHostMounts()
	h.addExternalEtcdCerts(&kubeadm.ExternalEtcd{
		CAFile:   "/etc/etcd/ca.crt",
		CertFile: "/etc/etcd/sub/client.crt",
		KeyFile:  "/etc/kubernetes/pki/etcd-client.key",
	}, "/etc/kubernetes/pki")
	if len(h.volumes) != 1 || h.volumes["etcd-certs-0"].HostPath.Path != "/etc/etcd" {
		t.Errorf("volumes = %v, want only etcd-certs-0 at /etc/etcd", h.volumes)
	}

	h = newHostMounts()
	h.addExternalEtcdCerts(&kubeadm.ExternalEtcd{
		CAFile:   "/b/sub/ca.crt",
		CertFile: "/b/client.crt",
		KeyFile:  "/a/client.key",
	}, "/etc/kubernetes/pki")
	if len(h.volumes) != 2 || h.volumes["etcd-certs-0"].HostPath.Path != "/a" || h.volumes["etcd-certs-1"].HostPath.Path != "/b" {
		t.Errorf("volumes = %v, want /a and /b", h.volumes)
	}
}
