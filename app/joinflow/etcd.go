package joinflow

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/etcdjoin"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// etcdEndpoints lists the client URLs of the cluster's etcd members, from
// the annotation kubeadm puts on each etcd static Pod. Right after init the
// first member's mirror Pod may not be there yet, so it waits for one.
func (d *Data) etcdEndpoints(ctx context.Context) ([]string, error) {
	c, err := d.adminClient()
	if err != nil {
		return nil, err
	}
	var eps []string
	err = apiclient.Retry(ctx, "find the etcd members' client URLs", func(ctx context.Context) error {
		pods, err := c.CoreV1().Pods(constants.KubeSystemNamespace).List(ctx, metav1.ListOptions{LabelSelector: "component=etcd,tier=control-plane"})
		if err != nil {
			return err
		}
		eps = nil
		for _, p := range pods.Items {
			if u := p.Annotations[constants.AnnotationEtcdClientURL]; u != "" {
				eps = append(eps, strings.Split(u, ",")...)
			}
		}
		if len(eps) == 0 {
			return fmt.Errorf("no etcd Pod in kube-system carries the %s annotation yet", constants.AnnotationEtcdClientURL)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(eps)
	return eps, nil
}

// etcdClient connects to the cluster's etcd with the API server's client
// certificate.
func (d *Data) etcdClient(ctx context.Context) (EtcdClient, error) {
	eps, err := d.etcdEndpoints(ctx)
	if err != nil {
		return nil, err
	}
	return d.Etcd(ctx, eps, d.certsDirOut())
}

func runCheckEtcd(ctx context.Context, out progress.Phase, d *Data) error {
	if d.DryRun {
		out.Infof("would check that etcd is healthy")
		return nil
	}
	ctx, cancel := withTimeout(ctx, d.join().Timeouts.EtcdAPICall.Duration)
	defer cancel()
	c, err := d.etcdClient(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Healthy(ctx); err != nil {
		return fmt.Errorf("etcd is not healthy, so adding a member could put its quorum at risk: %w", err)
	}
	out.Infof("etcd is healthy")
	return nil
}

// runEtcdJoin adds this node's etcd member as a learner, writes its static
// Pod (initial-cluster-state existing), waits until it has started and
// promotes it once in sync, holding the join lease so that concurrent joins
// take turns. A failure after the learner was added removes it again.
func runEtcdJoin(ctx context.Context, out progress.Phase, d *Data) error {
	j := d.join()
	node := manifests.EtcdNode{Name: j.NodeRegistration.Name, AdvertiseAddress: d.localEndpoint().AdvertiseAddress, InitialClusterState: manifests.EtcdClusterExisting}
	if d.DryRun {
		out.Infof("would add etcd member %s (%s) as a learner and promote it", node.Name, node.PeerURL())
		return nil
	}
	admin, err := d.adminClient()
	if err != nil {
		return err
	}
	timeout := d.join().Timeouts.EtcdAPICall.Duration
	lease, err := etcdjoin.Acquire(ctx, admin, node.Name, 60*time.Second, func(other string) {
		out.Infof("waiting for %s to finish its etcd join", other)
	})
	if err != nil {
		return err
	}
	defer func() { _ = lease.Release(context.Background()) }()
	c, err := d.etcdClient(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := d.clearStaleMember(ctx, out, c, lease.TakenFrom, node.PeerURL()); err != nil {
		return err
	}
	if err := os.MkdirAll(d.cluster.Etcd.Local.DataDir, 0o700); err != nil {
		return fmt.Errorf("create etcd data directory: %w", err)
	}
	start := func(members []etcd.Member) error {
		for _, m := range members {
			if len(m.PeerURLs) > 0 {
				name := m.Name
				if name == "" {
					name = node.Name
				}
				node.InitialCluster = append(node.InitialCluster, manifests.EtcdMember{Name: name, PeerURL: m.PeerURLs[0]})
			}
		}
		opts, err := d.manifestOptions(ctx, out, constants.Etcd)
		if err != nil {
			return err
		}
		pod, err := opts.Etcd(d.cluster, node)
		if err != nil {
			return err
		}
		return d.writeManifest(out, constants.Etcd, pod)
	}
	startAt := d.Now()
	if err := etcd.JoinAsLearner(ctx, c, node.Name, node.PeerURL(), start, timeout); err != nil {
		return err
	}
	out.Infof("etcd member %s joined as a learner and was promoted to voter after %s", node.Name, d.Now().Sub(startAt).Round(10*time.Millisecond))
	return nil
}
