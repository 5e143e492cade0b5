package manifests

import (
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// etcdProbeEndpoint returns where the etcd probes go: the metrics listener.
// By default that is http://<loopback>:2381; when the user set
// --listen-metrics-urls, the first of its URLs gives the host (loopback
// when it has none), the port (2381 when it has no valid one) and the
// scheme. An unparsable URL falls back to the default.
func etcdProbeEndpoint(extra []kubeadm.Arg, loopback string) (string, int32, corev1.URIScheme) {
	host, port, scheme := loopback, int32(constants.EtcdMetricsPort), corev1.URISchemeHTTP
	value, ok := lastArg(extra, "listen-metrics-urls")
	if !ok {
		return host, port, scheme
	}
	first, _, _ := strings.Cut(value, ",")
	u, err := url.Parse(first)
	if err != nil {
		return host, port, scheme
	}
	if u.Scheme == "https" {
		scheme = corev1.URISchemeHTTPS
	}
	if h := u.Hostname(); h != "" {
		host = h
	}
	if p, err := strconv.ParseUint(u.Port(), 10, 16); err == nil && p >= 1 {
		port = int32(p)
	}
	return host, port, scheme
}
