//go:build e2e

package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/images"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// e2eCertificateKey is the certificate key the HA configurations upload with.
const e2eCertificateKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// haInit initialises cp1 behind the cluster's load balancer with uploaded
// certificates and returns the join command's CA hash.
func haInit(t *testing.T, c *sandbox.Cluster, cpNames []string) initResult {
	t.Helper()
	return haInitWith(t, c, cpNames, "")
}

// haInitWith is haInit with more ClusterConfiguration fields.
func haInitWith(t *testing.T, c *sandbox.Cluster, cpNames []string, extraCluster string) initResult {
	t.Helper()
	must(t, c.StartLB(context.Background(), 6443, cpNames), "start the load balancer")
	cp1 := c.Nodes[0]
	cfg := strings.Replace(initConfig("v1.37.1", "controlPlaneEndpoint: "+c.LB.Endpoint()+"\n"+extraCluster),
		"kind: InitConfiguration\n", "kind: InitConfiguration\ncertificateKey: "+e2eCertificateKey+"\n", 1)
	installKubeadm(t, cp1, cfg)
	out, err := kubeadm(t, cp1, context.Background(), "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification", "--upload-certs", "-o", "json")
	if err != nil {
		t.Fatalf("init failed: %v\n%s", err, out)
	}
	return parseInitResult(t, out)
}

// joinArgs returns the join command line for a worker or a control plane.
func joinArgs(c *sandbox.Cluster, r initResult, controlPlane bool) []string {
	args := []string{"join", c.LB.Endpoint(), "--token", e2eToken, "--discovery-token-ca-cert-hash", r.CACertHash, "--ignore-preflight-errors=SystemVerification"}
	if controlPlane {
		args = append(args, "--control-plane", "--certificate-key", e2eCertificateKey)
	}
	return args
}

func joinNode(t *testing.T, n *sandbox.Node, c *sandbox.Cluster, r initResult, controlPlane bool) {
	t.Helper()
	installKubeadm(t, n, "")
	out, err := kubeadm(t, n, context.Background(), joinArgs(c, r, controlPlane)...)
	if err != nil {
		t.Fatalf("join of %s failed: %v\n%s", n.Name, err, out)
	}
}

// etcdMembers lists the members through the given etcd endpoints with the
// API server's etcd client certificate of control plane cp.
func etcdMembers(ctx context.Context, t *testing.T, cp *sandbox.Node, endpoints []string) (*clientv3.MemberListResponse, error) {
	read := func(p string) []byte {
		b, err := cp.ReadFile(ctx, p)
		must(t, err, "read %s", p)
		return b
	}
	cert, err := tls.X509KeyPair(read("/etc/kubernetes/pki/apiserver-etcd-client.crt"), read("/etc/kubernetes/pki/apiserver-etcd-client.key"))
	must(t, err, "etcd client certificate")
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(read("/etc/kubernetes/pki/etcd/ca.crt"))
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 3 * time.Second, Logger: zap.NewNop(),
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool}})
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	return cli.MemberList(ctx)
}

func checkEtcdVoters(t *testing.T, cp1 *sandbox.Node, endpoints []string, voters int) {
	t.Helper()
	eventually(t, 2*time.Minute, fmt.Sprintf("etcd has %d voting members and no learner", voters), func(ctx context.Context) error {
		resp, err := etcdMembers(ctx, t, cp1, endpoints)
		if err != nil {
			return err
		}
		n := 0
		for _, m := range resp.Members {
			if m.IsLearner {
				return fmt.Errorf("member %s is still a learner", m.Name)
			}
			n++
		}
		if n != voters {
			return fmt.Errorf("%d members", n)
		}
		return nil
	})
}

func etcdEndpoints(nodes ...*sandbox.Node) []string {
	var eps []string
	for _, n := range nodes {
		eps = append(eps, "https://"+n.Address+":2379")
	}
	return eps
}

// TestHAClusterSurvivesLosingAControlPlane builds 3 control planes behind
// haproxy and 2 workers, checks the cluster and a Service from every node,
// then stops the first control plane.
func TestHAClusterSurvivesLosingAControlPlane(t *testing.T) {
	var opts []sandbox.NodeOptions
	for _, n := range []string{"cp1", "cp2", "cp3", "w1", "w2"} {
		opts = append(opts, sandbox.NodeOptions{Name: n, Version: "v1.37.1"})
	}
	c := newCluster(t, opts...)
	cps, workers := c.Nodes[:3], c.Nodes[3:]
	r := haInit(t, c, []string{"cp1", "cp2", "cp3"})
	for _, n := range cps[1:] {
		joinNode(t, n, c, r, true)
	}
	for _, n := range workers {
		joinNode(t, n, c, r, false)
	}
	client := adminClient(t, cps[0]) // admin.conf points at the load balancer
	for _, n := range c.Nodes {
		eventually(t, 3*time.Minute, "node "+n.Name+" Ready", func(ctx context.Context) error { return nodeReady(ctx, client, n.Name) })
	}
	checkEtcdVoters(t, cps[0], etcdEndpoints(cps...), 3)
	checkServiceFromEveryNode(t, client, c.Nodes)

	must(t, cps[0].Stop(context.Background()), "stop cp1")
	t.Logf("stopped cp1")
	eventually(t, 2*time.Minute, "the API through the endpoint serves reads and writes without cp1", func(ctx context.Context) error {
		if _, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err != nil {
			return err
		}
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "after-cp1-", Namespace: "default"}, Data: map[string]string{"k": "v"}}
		_, err := client.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{})
		return err
	})
	eventually(t, time.Minute, "etcd keeps quorum on cp2 and cp3", func(ctx context.Context) error {
		resp, err := etcdMembers(ctx, t, cps[1], etcdEndpoints(cps[1:]...))
		if err != nil {
			return err
		}
		if len(resp.Members) != 3 {
			return fmt.Errorf("%d members", len(resp.Members))
		}
		// A linearizable write needs a quorum of the voters.
		_, err = client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "quorum-", Namespace: "default"}}, metav1.CreateOptions{})
		return err
	})
}

// TestParallelControlPlaneJoins joins two control planes at the same moment.
func TestParallelControlPlaneJoins(t *testing.T) {
	var opts []sandbox.NodeOptions
	for _, n := range []string{"cp1", "cp2", "cp3"} {
		opts = append(opts, sandbox.NodeOptions{Name: n, Version: "v1.37.1"})
	}
	c := newCluster(t, opts...)
	r := haInit(t, c, []string{"cp1", "cp2", "cp3"})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	outs := make([]string, 2)
	for i, n := range c.Nodes[1:] {
		installKubeadm(t, n, "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = kubeadm(t, n, context.Background(), joinArgs(c, r, true)...)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("parallel join of %s failed: %v\n%s", c.Nodes[i+1].Name, err, outs[i])
		}
	}
	if !strings.Contains(outs[0]+outs[1], "waiting for") {
		t.Logf("the joins did not overlap in their etcd phase (no wait was reported)")
	}
	client := adminClient(t, c.Nodes[0])
	for _, n := range c.Nodes {
		eventually(t, 3*time.Minute, "node "+n.Name+" Ready", func(ctx context.Context) error { return nodeReady(ctx, client, n.Name) })
	}
	checkEtcdVoters(t, c.Nodes[0], etcdEndpoints(c.Nodes...), 3)
}

// checkServiceFromEveryNode runs a two-replica Deployment spread over the
// workers behind a Service and fetches it through the Service from every node.
func checkServiceFromEveryNode(t *testing.T, client clientset.Interface, nodes []*sandbox.Node) {
	ctx := context.Background()
	labels := map[string]string{"app": "echo"}
	replicas := int32(2)
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "echo", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
						LabelSelector: &metav1.LabelSelector{MatchLabels: labels}, TopologyKey: "kubernetes.io/hostname",
					}}}},
					Containers: []corev1.Container{{Name: "echo", Image: images.ToolsRef, ImagePullPolicy: corev1.PullNever,
						Command: []string{"/bench", "serve", "--listen", ":8080"}, Ports: []corev1.ContainerPort{{ContainerPort: 8080}}}},
				},
			},
		},
	}
	_, err := client.AppsV1().Deployments("default").Create(ctx, dep, metav1.CreateOptions{})
	must(t, err, "create Deployment")
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "echo", Namespace: "default"},
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	}
	created, err := client.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{})
	must(t, err, "create Service")
	eventually(t, 3*time.Minute, "the Deployment's two Pods Ready on the two workers", func(ctx context.Context) error {
		pods, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=echo"})
		if err != nil {
			return err
		}
		hosts := map[string]bool{}
		for _, p := range pods.Items {
			if podReady(&p) {
				hosts[p.Spec.NodeName] = true
			}
		}
		if len(hosts) != 2 || !hosts["w1"] || !hosts["w2"] {
			return fmt.Errorf("ready on %v", hosts)
		}
		return nil
	})
	url := "http://" + created.Spec.ClusterIP + ":80/"
	for _, n := range nodes {
		eventually(t, 2*time.Minute, "the Service answers from "+n.Name, func(ctx context.Context) error {
			out, err := n.Run(ctx, env.benchBinary, "http-get", url)
			if err != nil {
				return err
			}
			if !strings.Contains(out, "echo-") {
				return fmt.Errorf("unexpected answer %q", out)
			}
			return nil
		})
	}
}
