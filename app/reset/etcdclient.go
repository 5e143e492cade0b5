package reset

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdpod"
)

// etcdDialTimeout bounds one connection attempt to an etcd endpoint.
const etcdDialTimeout = 5 * time.Second

// DialEtcd connects to etcd at endpoints, trusting pkiDir/etcd/ca.crt and
// authenticating with the API server's etcd client certificate, or the etcd
// health-check client certificate when the node has no API server one.
func DialEtcd(_ context.Context, endpoints []string, pkiDir string) (EtcdClient, error) {
	base := constants.APIServerEtcdClientCertAndKeyBaseName
	if _, err := os.Stat(filepath.Join(pkiDir, base+".crt")); err != nil {
		base = constants.EtcdHealthcheckClientCertAndKeyBaseName
	}
	tlsCfg, err := etcd.TLSFromFiles(filepath.Join(pkiDir, constants.EtcdCACertAndKeyBaseName+".crt"),
		filepath.Join(pkiDir, base+".crt"), filepath.Join(pkiDir, base+".key"))
	if err != nil {
		return nil, err
	}
	return etcd.New(endpoints, tlsCfg, etcdDialTimeout)
}

// EtcdEndpointsFromAPI lists the client URLs that kubeadm annotates on the
// etcd static Pods, through the API server of the kubeconfig file.
func EtcdEndpointsFromAPI(ctx context.Context, kubeconfig string) ([]string, error) {
	c, err := apiclient.FromKubeconfig(kubeconfig)
	if err != nil {
		return nil, err
	}
	pods, err := c.CoreV1().Pods(constants.KubeSystemNamespace).List(ctx, metav1.ListOptions{LabelSelector: "component=etcd,tier=control-plane"})
	if err != nil {
		return nil, fmt.Errorf("list the etcd Pods in %s: %w", constants.KubeSystemNamespace, err)
	}
	var eps []string
	for _, p := range pods.Items {
		for _, u := range etcdpod.SplitURLs(p.Annotations[constants.AnnotationEtcdClientURL]) {
			if !etcdpod.ContainsURL(eps, u) {
				eps = append(eps, u)
			}
		}
	}
	if len(eps) == 0 {
		return nil, fmt.Errorf("no etcd Pod in %s carries the %s annotation", constants.KubeSystemNamespace, constants.AnnotationEtcdClientURL)
	}
	sort.Strings(eps)
	return eps, nil
}
