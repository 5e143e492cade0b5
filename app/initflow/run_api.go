package initflow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/addons"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/bootstraptoken"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/kubeletstart"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/markcontrolplane"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/showjoin"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadcerts"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	manifestaddons "github.com/kubeadm-cleanroom/kubeadm/manifests/addons"
)

// clusterAdminsBinding gives the kubeadm:cluster-admins group (admin.conf's)
// the cluster-admin role.
func clusterAdminsBinding() *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: constants.ClusterAdminsGroupAndClusterRoleBinding},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: constants.ClusterAdminsGroupAndClusterRoleBinding}},
	}
}

// ensureAdminBinding makes admin.conf useful: its group has no rights until
// this binding exists, which super-admin.conf (system:masters) creates when
// admin.conf is refused. Transient errors (the API server or its load
// balancer still starting) are retried.
func (d *Data) ensureAdminBinding(ctx context.Context, out progress.Phase) error {
	ctx, cancel := withTimeout(ctx, d.apiTimeout())
	defer cancel()
	client, err := d.Client(out)
	if err != nil {
		return err
	}
	var super clientset.Interface
	b := clusterAdminsBinding()
	err = apiclient.Retry(ctx, "create ClusterRoleBinding "+b.Name, func(ctx context.Context) error {
		c := client
		if super != nil {
			c = super
		}
		_, err := c.RbacV1().ClusterRoleBindings().Create(ctx, b, metav1.CreateOptions{})
		switch {
		case err == nil:
			if super != nil {
				out.Infof("granted group %s the cluster-admin role", constants.ClusterAdminsGroupAndClusterRoleBinding)
			}
			return nil
		case apierrors.IsAlreadyExists(err):
			return nil
		case apierrors.IsForbidden(err) && super == nil:
			if super, err = d.superAdminClient(); err != nil {
				return err
			}
			return fmt.Errorf("admin.conf is not allowed yet: retrying with super-admin.conf")
		}
		return err
	})
	if err != nil || super == nil {
		return err
	}
	return waitAdminAuthorized(ctx, client, b.Name)
}

// waitAdminAuthorized waits until admin.conf is authorized by the binding
// super-admin.conf just made: the API server's authorizer learns of a new
// binding through its informers, and the phases after this one would get
// 403 Forbidden until it has (seen on v1.36.3 right after the grant).
func waitAdminAuthorized(ctx context.Context, admin clientset.Interface, binding string) error {
	var last error
	err := wait.PollUntilContextCancel(ctx, apiclient.RetryInterval, true, func(ctx context.Context) (bool, error) {
		_, last = admin.RbacV1().ClusterRoleBindings().Get(ctx, binding, metav1.GetOptions{})
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("admin.conf is still not authorized by ClusterRoleBinding %s: %v", binding, last)
	}
	return nil
}

// apiPhase wraps a phase body with the client and the API call timeout.
func apiPhase(body func(ctx context.Context, out progress.Phase, d *Data, c clientset.Interface) error) func(context.Context, progress.Phase, *Data) error {
	return func(ctx context.Context, out progress.Phase, d *Data) error {
		if d.PrintManifest != nil { // the addons only print their objects
			return body(ctx, out, d, nil)
		}
		c, err := d.Client(out)
		if err != nil {
			return err
		}
		ctx, cancel := withTimeout(ctx, d.apiTimeout())
		defer cancel()
		return body(ctx, out, d, c)
	}
}

var runUploadKubeadmConfig = apiPhase(func(ctx context.Context, out progress.Phase, d *Data, c clientset.Interface) error {
	if err := uploadconfig.UploadKubeadmConfig(ctx, c, d.cfg.Cluster); err != nil {
		return err
	}
	out.Infof("stored the ClusterConfiguration in ConfigMap %s/%s", constants.KubeSystemNamespace, constants.KubeadmConfigConfigMap)
	return nil
})

var runUploadKubeletConfig = apiPhase(func(ctx context.Context, out progress.Phase, d *Data, c clientset.Interface) error {
	if err := d.clusterKubeletConfig(out); err != nil {
		return err
	}
	cm, err := kubeletstart.KubeletConfigMap(d.kubeletCfg, d.cfg.Kubelet != nil)
	if err != nil {
		return err
	}
	if err := kubeletstart.UploadConfigMap(ctx, c, cm); err != nil {
		return err
	}
	out.Infof("stored the kubelet configuration in ConfigMap %s/%s", cm.Namespace, cm.Name)
	return nil
})

var runUploadCerts = apiPhase(func(ctx context.Context, out progress.Phase, d *Data, c clientset.Interface) error {
	if d.CertificateKey == "" {
		key, err := uploadcerts.NewCertificateKey()
		if err != nil {
			return err
		}
		d.CertificateKey = key
	}
	dir := d.certsDirFor(constants.CACertAndKeyBaseName)
	if err := uploadcerts.Upload(ctx, c, dir, d.cfg.Cluster.Etcd, d.CertificateKey, d.Now()); err != nil {
		return err
	}
	out.Infof("stored the control-plane certificates, encrypted, in Secret %s/%s (deleted in 2h)", constants.KubeSystemNamespace, constants.KubeadmCertsSecret)
	if !d.SkipCertificateKeyPrint {
		out.Infof("certificate key: %s", d.CertificateKey)
	}
	return nil
})

var runMarkControlPlane = apiPhase(func(ctx context.Context, out progress.Phase, d *Data, c clientset.Interface) error {
	nr := d.cfg.Init.NodeRegistration
	if err := markcontrolplane.Mark(ctx, c, nr.Name, nr.Taints); err != nil {
		return err
	}
	out.Infof("node %s is labelled and tainted as a control plane", nr.Name)
	return nil
})

var runBootstrapToken = apiPhase(func(ctx context.Context, out progress.Phase, d *Data, c clientset.Interface) error {
	ca, err := os.ReadFile(pki.CertPath(d.certsDirFor(constants.CACertAndKeyBaseName), constants.CACertAndKeyBaseName))
	if err != nil {
		return fmt.Errorf("read the cluster CA: %w", err)
	}
	now := d.Now()
	if err := apiclient.Parallel(ctx,
		func(ctx context.Context) error {
			// The tokens first: a signature in cluster-info for a token
			// the bootstrap signer has not seen yet would be removed by it.
			if err := bootstraptoken.CreateTokens(ctx, c, d.cfg.Init.BootstrapTokens, now); err != nil {
				return err
			}
			return bootstraptoken.CreateClusterInfo(ctx, c, "https://"+d.endpoint(), ca, bootstraptoken.Secrets(d.cfg.Init.BootstrapTokens, now), now)
		},
		func(ctx context.Context) error { return bootstraptoken.CreateRBAC(ctx, c) },
	); err != nil {
		return err
	}
	out.Infof("created %d bootstrap token(s), their RBAC and ConfigMap kube-public/cluster-info, with the JWS signature of each signing token", len(d.cfg.Init.BootstrapTokens))
	return nil
})

var runCoreDNS = apiPhase(func(ctx context.Context, out progress.Phase, d *Data, c clientset.Interface) error {
	objs, err := manifestaddons.CoreDNS(d.cfg.Cluster, manifestaddons.DefaultCoreDNSReplicas)
	if err != nil {
		return err
	}
	if d.PrintManifest == nil {
		note, err := addons.MigrateKubeDNS(ctx, c, objs.ConfigMap, d.cfg.Cluster.Networking.DNSDomain, false)
		if err != nil {
			return err
		}
		if note != "" {
			out.Infof("%s", note)
		}
	}
	if err := addons.PatchCoreDNS(d.patches, objs.Deployment, out.Infof); err != nil {
		return err
	}
	if d.PrintManifest != nil {
		return addons.Print(d.PrintManifest, objs.All())
	}
	if err := d.ensureRootCA(ctx, c); err != nil {
		return err
	}
	if err := addons.Apply(ctx, c, objs.All()); err != nil {
		return err
	}
	out.Infof("applied the CoreDNS addon")
	return nil
})

var runKubeProxy = apiPhase(func(ctx context.Context, out progress.Phase, d *Data, c clientset.Interface) error {
	pc, warnings, err := manifestaddons.KubeProxyConfig(d.cfg.Cluster, d.cfg.Init.LocalAPIEndpoint.AdvertiseAddress, d.cfg.KubeProxyRaw)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		if isIPVSWarning(w) {
			continue // given with the configuration's warnings (ConfigWarnings)
		}
		out.Warnf("%s", w)
	}
	doc, err := manifestaddons.MarshalKubeProxyConfig(pc)
	if err != nil {
		return err
	}
	objs, err := manifestaddons.KubeProxy(d.cfg.Cluster, doc, "https://"+d.endpoint())
	if err != nil {
		return err
	}
	if err := addons.PatchKubeProxy(d.patches, objs.DaemonSet, out.Infof); err != nil {
		return err
	}
	if d.PrintManifest != nil {
		return addons.Print(d.PrintManifest, objs.All())
	}
	if !d.DryRun {
		objs.PrepareForApply(os.Environ(), d.cfg.KubeProxyRaw != nil)
	}
	if err := d.ensureRootCA(ctx, c); err != nil {
		return err
	}
	if err := addons.Apply(ctx, c, objs.All()); err != nil {
		return err
	}
	out.Infof("applied the kube-proxy addon")
	return nil
})

// ensureRootCA creates kube-system's kube-root-ca.crt, which the addons'
// Pods mount, as the controller manager would from its --root-ca-file
// (see addons.EnsureRootCA). Without that file to read, it is left to
// the controller manager.
func (d *Data) ensureRootCA(ctx context.Context, c clientset.Interface) error {
	if d.DryRun || d.rootCAMade {
		return nil
	}
	path := pki.CertPath(d.cfg.Cluster.CertificatesDir, constants.CACertAndKeyBaseName)
	for _, a := range d.cfg.Cluster.ControllerManager.ExtraArgs {
		if a.Name == "root-ca-file" {
			path = a.Value
		}
	}
	ca, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	if err := addons.EnsureRootCA(ctx, c, constants.KubeSystemNamespace, ca); err != nil {
		return err
	}
	d.rootCAMade = true // both addon phases need it; one request is enough
	return nil
}

func runShowJoinCommand(_ context.Context, out progress.Phase, d *Data) error {
	ca, err := d.caCert()
	if err != nil {
		return err
	}
	worker, cp := d.joinCommand(ca, false), d.joinCommand(ca, true)
	d.Result = &JoinResult{
		NodeName: d.cfg.Init.NodeRegistration.Name, APIServerEndpoint: d.endpoint(), CACertHash: showjoin.CACertHash(ca),
		AdminKubeconfig: filepath.Join(d.kubeDir, constants.AdminKubeConfig), DryRunDir: d.DryRunDir,
	}
	if !d.SkipTokenPrint {
		d.Result.WorkerJoinCommand, d.Result.Token = worker.String(), worker.Token
		if d.cfg.Cluster.ControlPlaneEndpoint != "" {
			d.Result.ControlPlaneJoinCommand = cp.String()
		}
	}
	if key := d.certificateKey(); key != "" && !d.SkipCertificateKeyPrint {
		d.Result.CertificateKey = key
	}
	out.Infof("join commands are ready")
	return nil
}
