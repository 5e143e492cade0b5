//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/artifacts"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// standaloneKubelet is a KubeletConfiguration for a kubelet without a
// cluster: static Pods only, cgroupfs, cgroup v1 allowed.
const standaloneKubelet = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
staticPodPath: /etc/kubernetes/manifests
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: false
authorization:
  mode: AlwaysAllow
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
`

// etcdPod is a static Pod running one member of a cluster of all nodes, on
// the host network, from the locally built image.
func etcdPod(n *sandbox.Node, all []*sandbox.Node, image string) *corev1.Pod {
	var initial []string
	for _, m := range all {
		initial = append(initial, fmt.Sprintf("%s=http://%s:2380", m.Name, m.Address))
	}
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "etcd", Namespace: "kube-system"},
		Spec: corev1.PodSpec{
			HostNetwork: true,
			Containers: []corev1.Container{{
				Name:            "etcd",
				Image:           image,
				ImagePullPolicy: corev1.PullNever,
				Command: []string{"etcd",
					"--name=" + n.Name,
					"--data-dir=/var/lib/etcd",
					"--listen-peer-urls=http://" + n.Address + ":2380",
					"--initial-advertise-peer-urls=http://" + n.Address + ":2380",
					"--listen-client-urls=http://" + n.Address + ":2379,http://127.0.0.1:2379",
					"--advertise-client-urls=http://" + n.Address + ":2379",
					"--initial-cluster=" + strings.Join(initial, ","),
					"--initial-cluster-state=new",
					"--initial-cluster-token=bench",
				},
				VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/var/lib/etcd"}},
			}},
			Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: "/var/lib/etcd", Type: ptr(corev1.HostPathDirectoryOrCreate)},
			}}},
		},
	}
}

// podNetworkPod is a static Pod on the pod network: a single-member etcd
// whose /health answers on the pod's own address.
func podNetworkPod(image string) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "podnet", Namespace: "default"},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name:            "etcd",
				Image:           image,
				ImagePullPolicy: corev1.PullNever,
				Command:         []string{"etcd", "--data-dir=/tmp/etcd", "--listen-client-urls=http://0.0.0.0:2379", "--advertise-client-urls=http://127.0.0.1:2379"},
			}},
		},
	}
}

func ptr[T any](v T) *T { return &v }

func writePod(t *testing.T, n *sandbox.Node, name string, pod *corev1.Pod) {
	t.Helper()
	b, err := yaml.Marshal(pod)
	must(t, err, "marshal pod %s", pod.Name)
	must(t, n.WriteFile(context.Background(), "/etc/kubernetes/manifests/"+name+".yaml", b, 0o600), "write manifest on %s", n.Name)
}

// podIP returns the address host-local IPAM gave the node's only pod.
func podIP(n *sandbox.Node) (string, error) {
	entries, err := os.ReadDir(filepath.Join(n.Dir(), "var-lib-cni", "networks", "bench"))
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "10.244.") {
			return e.Name(), nil
		}
	}
	return "", fmt.Errorf("node %s has no pod address yet", n.Name)
}

func etcdClient(t *testing.T, endpoint string) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	must(t, err, "etcd client for %s", endpoint)
	t.Cleanup(func() { cli.Close() })
	return cli
}

// TestSandboxNodesRunStaticPods proves the bench without the bootstrapper:
// two nodes, each a standalone kubelet running an etcd member as a static
// Pod, form one etcd cluster across the nodes; pods on the pod network reach
// each other across nodes; stop/start, cut/heal and a kubelet swap behave;
// and deleting the cluster leaves the host as it was.
func TestSandboxNodesRunStaticPods(t *testing.T) {
	ctx := context.Background()
	before, err := sandbox.HostSnapshot(ctx)
	must(t, err, "host snapshot before")

	t.Run("cluster", func(t *testing.T) {
		start := time.Now()
		c := newCluster(t, sandbox.NodeOptions{Name: "node1"}, sandbox.NodeOptions{Name: "node2"})
		t.Logf("two nodes created in %s", time.Since(start).Round(100*time.Millisecond))
		r, _ := artifacts.Lookup(artifacts.DefaultVersion)
		etcdImage := "registry.k8s.io/etcd:" + r.EtcdImage
		for _, n := range c.Nodes {
			must(t, n.WriteFile(ctx, "/var/lib/kubelet/config.yaml", []byte(standaloneKubelet), 0o644), "kubelet config on %s", n.Name)
			writePod(t, n, "etcd", etcdPod(n, c.Nodes, etcdImage))
			writePod(t, n, "podnet", podNetworkPod(etcdImage))
		}
		n1, n2 := c.Nodes[0], c.Nodes[1]
		ep1, ep2 := "http://"+n1.Address+":2379", "http://"+n2.Address+":2379"
		cli1, cli2 := etcdClient(t, ep1), etcdClient(t, ep2)

		eventually(t, 3*time.Minute, "etcd cluster of two members across the nodes", func(ctx context.Context) error {
			members, err := cli1.MemberList(ctx)
			if err != nil {
				return err
			}
			if len(members.Members) != 2 {
				return fmt.Errorf("%d members", len(members.Members))
			}
			for _, m := range members.Members {
				if m.Name == "" || m.IsLearner {
					return fmt.Errorf("member %x not started as a voter", m.ID)
				}
			}
			if _, err := cli1.Put(ctx, "/bench/hello", "from node1"); err != nil {
				return err
			}
			got, err := cli2.Get(ctx, "/bench/hello")
			if err != nil {
				return err
			}
			if len(got.Kvs) != 1 || string(got.Kvs[0].Value) != "from node1" {
				return fmt.Errorf("node2 reads %v", got.Kvs)
			}
			return nil
		})
		for _, n := range c.Nodes {
			logs, err := filepath.Glob(filepath.Join(n.Dir(), "var-log-pods", "kube-system_etcd-"+n.Name+"_*", "etcd", "*.log"))
			if err != nil || len(logs) == 0 {
				t.Errorf("node %s: no etcd container log under /var/log/pods: the kubelet did not run it", n.Name)
			}
		}

		t.Run("pod network across nodes", func(t *testing.T) {
			var ip2 string
			eventually(t, 2*time.Minute, "pod on node2 answers from a pod on node1", func(ctx context.Context) error {
				var err error
				if ip2, err = podIP(n2); err != nil {
					return err
				}
				if _, err := podIP(n1); err != nil {
					return err
				}
				// Run the check inside node1's pod network namespace.
				out, err := n1.Run(ctx, "/bin/sh", "-c", `ns=$(ip netns list | awk '{print $1}' | head -n1); [ -n "$ns" ] || exit 3; ip netns exec "$ns" `+env.benchBinary+` http-get http://`+ip2+`:2379/health`)
				if err != nil {
					return err
				}
				if !strings.Contains(out, `"health":"true"`) {
					return fmt.Errorf("unexpected answer %q", out)
				}
				return nil
			})
			if _, err := n1.Run(ctx, env.benchBinary, "http-get", "http://"+ip2+":2379/health"); err != nil {
				t.Errorf("node1 itself cannot reach a pod on node2: %v", err)
			}
		})

		t.Run("a missing image fails at once and names the image", func(t *testing.T) {
			missing := podNetworkPod("registry.k8s.io/bench-missing:v0")
			missing.Name = "missing"
			missing.Spec.Containers[0].ImagePullPolicy = corev1.PullIfNotPresent
			writePod(t, n1, "missing", missing)
			eventually(t, time.Minute, "kubelet reports the failed pull", func(ctx context.Context) error {
				log := sandbox.LastLines(filepath.Join(n1.LogDir(), "kubelet.log"), 400)
				for _, line := range strings.Split(log, "\n") {
					if strings.Contains(line, "registry.k8s.io/bench-missing:v0") && strings.Contains(line, "127.0.0.1:1") {
						return nil
					}
				}
				return fmt.Errorf("no pull error naming the image and the dead registry in kubelet.log yet")
			})
			_, err := n1.Run(ctx, "rm", "/etc/kubernetes/manifests/missing.yaml")
			must(t, err, "remove the missing-image pod")
		})

		t.Run("stop and start a node", func(t *testing.T) {
			must(t, n2.Stop(ctx), "stop node2")
			if n2.Running() {
				t.Fatalf("node2 still running after stop")
			}
			short, cancel := context.WithTimeout(ctx, 3*time.Second)
			_, err := cli1.Get(short, "/bench/hello") // linearizable: needs quorum, which is gone
			cancel()
			if err == nil {
				t.Fatalf("etcd on node1 served a quorum read while node2 was stopped")
			}
			must(t, n2.Start(ctx), "start node2")
			eventually(t, 2*time.Minute, "etcd quorum back after node2 restarted", func(ctx context.Context) error {
				got, err := cli2.Get(ctx, "/bench/hello")
				if err == nil && len(got.Kvs) != 1 {
					err = fmt.Errorf("key lost across the restart")
				}
				return err
			})
		})

		t.Run("cut and heal the network", func(t *testing.T) {
			must(t, n2.CutNetwork(ctx), "cut node2")
			short, cancel := context.WithTimeout(ctx, 3*time.Second)
			_, err := cli1.Put(short, "/bench/cut", "x")
			cancel()
			if err == nil {
				t.Fatalf("etcd on node1 accepted a write while node2 was cut off")
			}
			must(t, n2.HealNetwork(ctx), "heal node2")
			eventually(t, time.Minute, "etcd writes again after the network healed", func(ctx context.Context) error {
				_, err := cli1.Put(ctx, "/bench/healed", "yes")
				return err
			})
		})

		t.Run("swap the kubelet", func(t *testing.T) {
			other := artifacts.KnownVersions()[0]
			must(t, n1.SwapKubelet(ctx, other), "swap kubelet of node1 to %s", other)
			want, _ := filepath.EvalSymlinks(filepath.Join(env.cache.KubernetesDir(other), "kubelet"))
			eventually(t, time.Minute, "node1 runs the kubelet of "+other, func(ctx context.Context) error {
				pids, err := n1.Processes("kubelet")
				if err != nil {
					return err
				}
				if len(pids) != 1 {
					return fmt.Errorf("%d kubelet processes", len(pids))
				}
				exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pids[0]))
				if err != nil {
					return err
				}
				if exe != want {
					return fmt.Errorf("kubelet %d runs %s, want %s", pids[0], exe, want)
				}
				return nil
			})
			eventually(t, 2*time.Minute, "etcd still served after the kubelet swap", func(ctx context.Context) error {
				_, err := cli1.Put(ctx, "/bench/swapped", "yes")
				return err
			})
		})
	})

	after, err := sandbox.HostSnapshot(ctx)
	must(t, err, "host snapshot after")
	if diff := sandbox.DiffSnapshots(before, after); len(diff) > 0 {
		t.Errorf("the host is not as it was after delete:\n%s", strings.Join(diff, "\n"))
	}
}
