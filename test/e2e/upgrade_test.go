//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/images"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

const (
	fromVersion = "v1.36.3"
	toVersion   = "v1.37.1"
)

// newUpgradeCluster creates nodes whose kubelets run fromVersion and that
// hold the images of both versions.
func newUpgradeCluster(t *testing.T, names ...string) *sandbox.Cluster {
	var opts []sandbox.NodeOptions
	for _, n := range names {
		opts = append(opts, sandbox.NodeOptions{Name: n, Version: fromVersion})
	}
	return newClusterWith(t, []string{fromVersion, toVersion}, opts...)
}

// initOld makes the cluster a real user's v1.36.3 cluster would be: upstream
// kubeadm v1.36.3 (kubeadm-upstream on the nodes, which run v1.36.3) runs
// init at fromVersion on the first node, behind the load balancer when
// there are several control planes, with the certificates uploaded.
func initOld(t *testing.T, c *sandbox.Cluster, cpNames []string) initResult {
	t.Helper()
	extra := ""
	if len(cpNames) > 1 {
		must(t, c.StartLB(context.Background(), 6443, cpNames), "start the load balancer")
		extra = "controlPlaneEndpoint: " + c.LB.Endpoint() + "\n"
	}
	cfg := strings.Replace(initConfig(fromVersion, extra), "kind: InitConfiguration\n", "kind: InitConfiguration\ncertificateKey: "+e2eCertificateKey+"\n", 1)
	installKubeadm(t, c.Nodes[0], cfg)
	out, err := runKubeadm(t, c.Nodes[0], context.Background(), upstreamKubeadm, "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification", "--upload-certs")
	if err != nil {
		t.Fatalf("upstream kubeadm %s init failed: %v\n%s", fromVersion, err, out)
	}
	ca, err := c.Nodes[0].ReadFile(context.Background(), "/etc/kubernetes/pki/ca.crt")
	must(t, err, "read ca.crt")
	return initResult{CACertHash: caHashOf(t, ca)}
}

// controlPlaneAt waits until every control-plane mirror Pod of node runs
// the images of version (etcd: etcdTag) and is Ready.
func controlPlaneAt(t *testing.T, client clientset.Interface, node, version, etcdTag string) {
	t.Helper()
	want := map[string]string{"kube-apiserver": version, "kube-controller-manager": version, "kube-scheduler": version, "etcd": etcdTag}
	eventually(t, 3*time.Minute, fmt.Sprintf("the control plane of %s at %s (etcd %s) and Ready", node, version, etcdTag), func(ctx context.Context) error {
		for comp, tag := range want {
			p, err := client.CoreV1().Pods("kube-system").Get(ctx, comp+"-"+node, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if img := p.Spec.Containers[0].Image; !strings.HasSuffix(img, ":"+tag) {
				return fmt.Errorf("%s runs %s", p.Name, img)
			}
			if !podReady(p) {
				return fmt.Errorf("%s not Ready", p.Name)
			}
		}
		return nil
	})
}

// TestUpgradeRollsBackABrokenAPIServer upgrades a single control plane
// whose new kube-apiserver cannot start (an unknown flag through
// --patches): the upgrade puts etcd and the API server back by itself,
// restoring etcd's data from its snapshot, and the objects created before
// are all there.
func TestUpgradeRollsBackABrokenAPIServer(t *testing.T) {
	c := newUpgradeCluster(t, "cp1")
	cp1 := c.Nodes[0]
	initOld(t, c, []string{"cp1"})
	client := adminClient(t, cp1)
	controlPlaneAt(t, client, "cp1", fromVersion, "3.6.8-0")
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("before-upgrade-%d", i), Namespace: "default"}, Data: map[string]string{"i": strconv.Itoa(i)}}
		_, err := client.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{})
		must(t, err, "create ConfigMap %d", i)
	}
	checkPlanDiffAndDryRun(t, cp1)
	out := upgradeWithBrokenAPIServer(t, cp1, "upgrade", "apply", toVersion, "--yes")
	if !strings.Contains(out, "etcd data restored from the backup") {
		t.Errorf("the failure does not say %q", "etcd data restored from the backup")
	}
	snap := regexp.MustCompile(`/etc/kubernetes/tmp/kubeadm-backup-etcd-[0-9-]+/snapshot.db`).FindString(out)
	if snap == "" {
		t.Errorf("no etcd snapshot path printed")
	} else if _, err := cp1.ReadFile(ctx, snap); err != nil {
		t.Errorf("the printed snapshot %s is not there: %v", snap, err)
	}
	controlPlaneAt(t, client, "cp1", fromVersion, "3.6.8-0")
	eventually(t, time.Minute, "node cp1 Ready", func(ctx context.Context) error { return nodeReady(ctx, client, "cp1") })
	cms, err := client.CoreV1().ConfigMaps("default").List(ctx, metav1.ListOptions{})
	must(t, err, "list ConfigMaps")
	found := 0
	for _, cm := range cms.Items {
		if strings.HasPrefix(cm.Name, "before-upgrade-") {
			found++
		}
	}
	if found != 20 {
		t.Fatalf("%d of the 20 ConfigMaps created before the upgrade are there", found)
	}
	cfg, err := client.CoreV1().ConfigMaps("kube-system").Get(ctx, "kubeadm-config", metav1.GetOptions{})
	must(t, err, "read kubeadm-config")
	if !strings.Contains(cfg.Data["ClusterConfiguration"], "kubernetesVersion: "+fromVersion) {
		t.Errorf("kubeadm-config no longer says %s:\n%s", fromVersion, cfg.Data["ClusterConfiguration"])
	}
	// The API server serves writes again.
	_, err = client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after-rollback", Namespace: "default"}}, metav1.CreateOptions{})
	must(t, err, "write after the rollback")
}

// upgradeWithBrokenAPIServer runs the upgrade command args on n with a
// kube-apiserver patch the new version refuses (an unknown flag) and a 45 s
// manifest timeout, requires it to fail and to say that it rolled etcd and
// kube-apiserver back, and returns its output.
func upgradeWithBrokenAPIServer(t *testing.T, n *sandbox.Node, args ...string) string {
	t.Helper()
	ctx := context.Background()
	must(t, n.WriteFile(ctx, "/root/patches/kube-apiserver+json.yaml",
		[]byte(`[{"op": "add", "path": "/spec/containers/0/command/-", "value": "--this-flag-does-not-exist=1"}]`), 0o600), "write patch")
	must(t, n.WriteFile(ctx, "/root/upgrade.yaml", []byte("apiVersion: kubeadm.k8s.io/v1beta4\nkind: UpgradeConfiguration\ntimeouts:\n  upgradeManifests: 45s\n"), 0o600), "write config")
	start := time.Now()
	out, err := kubeadm(t, n, ctx, append(args, "--config", "/root/upgrade.yaml", "--patches", "/root/patches")...)
	t.Logf("%s on %s with a broken kube-apiserver returned after %s:\n%s", strings.Join(args[:2], " "), n.Name, time.Since(start).Round(time.Second), out)
	if err == nil {
		t.Fatalf("%s succeeded with a kube-apiserver that cannot start", strings.Join(args[:2], " "))
	}
	for _, want := range []string{"upgrade of kube-apiserver failed", "rolled back etcd, kube-apiserver", "previous control plane is healthy again"} {
		if !strings.Contains(out, want) {
			t.Errorf("the failure does not say %q", want)
		}
	}
	return out
}

// apiProber lists nodes through the endpoint every 200 ms and counts.
// Each failure is recorded with what the test was doing then (Doing).
type apiProber struct {
	ok, failed atomic.Int64
	stop       chan struct{}
	done       sync.WaitGroup
	mu         sync.Mutex
	doing      string
	errors     []probeFailure
}

// probeFailure is one failed request: when, during what, and its error.
type probeFailure struct{ at, doing, err string }

func (f probeFailure) String() string { return f.at + " (" + f.doing + ") " + f.err }

func startAPIProber(client clientset.Interface) *apiProber {
	p := &apiProber{stop: make(chan struct{}), doing: "kubeadm"}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
			cancel()
			if err != nil {
				p.failed.Add(1)
				p.mu.Lock()
				p.errors = append(p.errors, probeFailure{time.Now().UTC().Format("15:04:05.000"), p.doing, err.Error()})
				p.mu.Unlock()
			} else {
				p.ok.Add(1)
			}
			select {
			case <-p.stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	return p
}

// Doing names what the test does from now on, for the failures that follow.
func (p *apiProber) Doing(what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.doing = what
}

func (p *apiProber) Stop() { close(p.stop); p.done.Wait() }

// startWorkload runs a two-replica echo Deployment behind a Service and a
// Pod probing the Service once a second; it returns the probe Pod's name.
func startWorkload(t *testing.T, client clientset.Interface, probeNode *sandbox.Node) string {
	ctx := context.Background()
	labels := map[string]string{"app": "echo"}
	replicas := int32(2)
	tolerate := []corev1.Toleration{{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "echo", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{
				Tolerations: tolerate,
				Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
					LabelSelector: &metav1.LabelSelector{MatchLabels: labels}, TopologyKey: "kubernetes.io/hostname"}}}},
				Containers: []corev1.Container{{Name: "echo", Image: images.ToolsRef, ImagePullPolicy: corev1.PullNever,
					Command: []string{"/bench", "serve", "--listen", ":8080"}, Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
					ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(8080)}}, PeriodSeconds: 1}}},
			}}},
	}
	_, err := client.AppsV1().Deployments("default").Create(ctx, dep, metav1.CreateOptions{})
	must(t, err, "create Deployment")
	svc, err := client.CoreV1().Services("default").Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "echo", Namespace: "default"},
		Spec: corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}}}, metav1.CreateOptions{})
	must(t, err, "create Service")
	eventually(t, 3*time.Minute, "the echo Deployment available on two nodes", func(ctx context.Context) error {
		d, err := client.AppsV1().Deployments("default").Get(ctx, "echo", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if d.Status.AvailableReplicas != 2 {
			return fmt.Errorf("%d of 2 replicas available", d.Status.AvailableReplicas)
		}
		return nil
	})
	// kube-proxy on the probe's node must have the Service's rules first.
	url := "http://" + svc.Spec.ClusterIP + "/"
	eventually(t, 2*time.Minute, "the Service answers on "+probeNode.Name, func(ctx context.Context) error {
		_, err := probeNode.Run(ctx, env.benchBinary, "http-get", url)
		return err
	})
	probe := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "probe", Namespace: "default"}, Spec: corev1.PodSpec{
		NodeName: probeNode.Name, Containers: []corev1.Container{{Name: "probe", Image: images.ToolsRef, ImagePullPolicy: corev1.PullNever,
			Command: []string{"/bench", "probe", "--url", url, "--interval", "1s"}}}}}
	_, err = client.CoreV1().Pods("default").Create(ctx, probe, metav1.CreateOptions{})
	must(t, err, "create probe Pod")
	eventually(t, 3*time.Minute, "the probe counting answers from the Service", func(ctx context.Context) error {
		ok, failed, err := probeCounts(ctx, client)
		if err != nil {
			return err
		}
		if ok < 10 || failed > 0 {
			return fmt.Errorf("ok=%d failed=%d", ok, failed)
		}
		return nil
	})
	return probe.Name
}

var countLine = regexp.MustCompile(`COUNT ok=(\d+) failed=(\d+)`)

// probeCounts reads the probe Pod's last count; it fails when the probe's
// container restarted (its counts would have started over).
func probeCounts(ctx context.Context, client clientset.Interface) (ok, failed int, err error) {
	p, err := client.CoreV1().Pods("default").Get(ctx, "probe", metav1.GetOptions{})
	if err != nil {
		return 0, 0, err
	}
	if len(p.Status.ContainerStatuses) > 0 && p.Status.ContainerStatuses[0].RestartCount > 0 {
		return 0, 0, fmt.Errorf("the probe container restarted %d times", p.Status.ContainerStatuses[0].RestartCount)
	}
	b, err := client.CoreV1().Pods("default").GetLogs("probe", &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		return 0, 0, err
	}
	m := countLine.FindAllStringSubmatch(string(b), -1)
	if len(m) == 0 {
		return 0, 0, fmt.Errorf("no count in the probe's log yet")
	}
	last := m[len(m)-1]
	ok, _ = strconv.Atoi(last[1])
	failed, _ = strconv.Atoi(last[2])
	if failed > 0 {
		var fails []string
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, " FAIL ") {
				fails = append(fails, l)
			}
		}
		return ok, failed, fmt.Errorf("%d failed requests: %s", failed, strings.Join(fails, "; "))
	}
	return ok, failed, nil
}

// checkPlanDiffAndDryRun checks upgrade plan (text and JSON), upgrade diff
// and that upgrade apply --dry-run changes no file of the node and nothing
// in the cluster.
func checkPlanDiffAndDryRun(t *testing.T, n *sandbox.Node) {
	t.Helper()
	ctx := context.Background()
	out, err := stdout(t, n, "upgrade", "plan", "-o", "json")
	must(t, err, "upgrade plan: %s", out)
	var plan struct {
		Kind              string `json:"kind"`
		AvailableUpgrades []struct {
			Components []struct {
				Name, CurrentVersion, NewVersion string
			} `json:"components"`
		} `json:"availableUpgrades"`
	}
	must(t, json.Unmarshal([]byte(out), &plan), "parse the plan:\n%s", out)
	if plan.Kind != "UpgradePlan" || len(plan.AvailableUpgrades) != 1 || !strings.Contains(out, `"newVersion": "`+toVersion+`"`) && !strings.Contains(out, `"newVersion":"`+toVersion+`"`) {
		t.Errorf("upgrade plan does not offer %s:\n%s", toVersion, out)
	}
	text, err := kubeadm(t, n, ctx, "upgrade", "plan")
	must(t, err, "upgrade plan: %s", text)
	if !strings.Contains(text, "kubeadm upgrade apply "+toVersion) {
		t.Errorf("the plan does not name the apply command:\n%s", text)
	}
	diff, err := stdout(t, n, "upgrade", "diff", toVersion)
	must(t, err, "upgrade diff: %s", diff)
	for _, want := range []string{"--- /etc/kubernetes/manifests/kube-apiserver.yaml", "-    image: registry.k8s.io/kube-apiserver:" + fromVersion, "+    image: registry.k8s.io/kube-apiserver:" + toVersion, "+    image: registry.k8s.io/etcd:3.7.0-0"} {
		if !strings.Contains(diff, want) {
			t.Errorf("upgrade diff lacks %q:\n%s", want, diff)
		}
	}
	hashFiles := "find /etc/kubernetes /var/lib/kubelet/config.yaml -type f -not -path '/etc/kubernetes/tmp/kubeadm-upgrade-apply-dryrun*' | sort | xargs md5sum"
	before, err := n.Run(ctx, "sh", "-c", hashFiles)
	must(t, err, "hash the node's files")
	out, err = kubeadm(t, n, ctx, "upgrade", "apply", toVersion, "--dry-run")
	must(t, err, "upgrade apply --dry-run: %s", out)
	if !strings.Contains(out, "would upgrade kube-apiserver") {
		t.Errorf("the dry run does not say what it would do:\n%s", out)
	}
	after, err := n.Run(ctx, "sh", "-c", hashFiles)
	must(t, err, "hash the node's files")
	if before != after {
		t.Errorf("upgrade apply --dry-run changed files:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// upstream's dry-run directory holds the manifests it would write
	written, err := n.Run(ctx, "sh", "-c", "ls /etc/kubernetes/tmp/kubeadm-upgrade-apply-dryrun*/manifests")
	if err != nil || !strings.Contains(written, "kube-apiserver.yaml") {
		t.Errorf("the dry run left no kube-apiserver.yaml in /etc/kubernetes/tmp/kubeadm-upgrade-apply-dryrun*/manifests: %v %s", err, written)
	}
}
