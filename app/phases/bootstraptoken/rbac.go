package bootstraptoken

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// Names of the RBAC objects, as upstream kubeadm names them.
const (
	NodeKubeletBootstrap        = "kubeadm:kubelet-bootstrap"
	GetNodesClusterRole         = "kubeadm:get-nodes"
	NodeAutoApproveBootstrap    = "kubeadm:node-autoapprove-bootstrap"
	NodeAutoApproveCertRotation = "kubeadm:node-autoapprove-certificate-rotation"
	APIServerKubeletClient      = "kubeadm:apiserver-kubelet-client"
	ClusterInfoRole             = "kubeadm:bootstrap-signer-clusterinfo"
	nodeBootstrapperClusterRole = "system:node-bootstrapper"
	csrAutoApprovalClusterRole  = "system:certificates.k8s.io:certificatesigningrequests:nodeclient"
	nodeSelfCSRAutoApprovalRole = "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient"
	kubeletAPIAdminClusterRole  = "system:kubelet-api-admin"
	anonymousUser               = "system:anonymous"
)

func clusterRoleBinding(name, role string, subject rbacv1.Subject) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   []rbacv1.Subject{subject},
	}
}

func group(name string) rbacv1.Subject { return rbacv1.Subject{Kind: rbacv1.GroupKind, Name: name} }

// ClusterRoles returns the ClusterRoles this phase creates.
func ClusterRoles() []*rbacv1.ClusterRole {
	return []*rbacv1.ClusterRole{{
		ObjectMeta: metav1.ObjectMeta{Name: GetNodesClusterRole},
		Rules:      []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"nodes"}}},
	}}
}

// ClusterRoleBindings returns the ClusterRoleBindings this phase creates:
// token holders may post CSRs and get nodes, their CSRs are auto-approved,
// nodes' renewal CSRs are auto-approved, and the API server's kubelet client
// may use the kubelet API.
func ClusterRoleBindings() []*rbacv1.ClusterRoleBinding {
	return []*rbacv1.ClusterRoleBinding{
		clusterRoleBinding(NodeKubeletBootstrap, nodeBootstrapperClusterRole, group(constants.NodeBootstrapTokenAuthGroup)),
		clusterRoleBinding(GetNodesClusterRole, GetNodesClusterRole, group(constants.NodeBootstrapTokenAuthGroup)),
		clusterRoleBinding(NodeAutoApproveBootstrap, csrAutoApprovalClusterRole, group(constants.NodeBootstrapTokenAuthGroup)),
		clusterRoleBinding(NodeAutoApproveCertRotation, nodeSelfCSRAutoApprovalRole, group(constants.NodesGroup)),
		clusterRoleBinding(APIServerKubeletClient, kubeletAPIAdminClusterRole, rbacv1.Subject{Kind: rbacv1.UserKind, Name: constants.APIServerKubeletClientCN}),
	}
}

// ClusterInfoRBAC returns the kube-public Role and RoleBinding that let
// anyone, unauthenticated, read cluster-info.
func ClusterInfoRBAC() (*rbacv1.Role, *rbacv1.RoleBinding) {
	meta := metav1.ObjectMeta{Name: ClusterInfoRole, Namespace: metav1.NamespacePublic}
	role := &rbacv1.Role{ObjectMeta: meta, Rules: []rbacv1.PolicyRule{{
		Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{bootstrapapi.ConfigMapClusterInfo},
	}}}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: meta,
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: ClusterInfoRole},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: anonymousUser}},
	}
	return role, binding
}

// CreateRBAC creates or updates every RBAC object of the phase, at once.
func CreateRBAC(ctx context.Context, client clientset.Interface) error {
	var ops []func(context.Context) error
	for _, r := range ClusterRoles() {
		ops = append(ops, func(ctx context.Context) error {
			return apiclient.CreateOrUpdate(ctx, client.RbacV1().ClusterRoles(), "ClusterRole", r)
		})
	}
	for _, b := range ClusterRoleBindings() {
		ops = append(ops, func(ctx context.Context) error {
			return apiclient.CreateOrUpdate(ctx, client.RbacV1().ClusterRoleBindings(), "ClusterRoleBinding", b)
		})
	}
	role, binding := ClusterInfoRBAC()
	ops = append(ops,
		func(ctx context.Context) error {
			return apiclient.CreateOrUpdate(ctx, client.RbacV1().Roles(role.Namespace), "Role", role)
		},
		func(ctx context.Context) error {
			return apiclient.CreateOrUpdate(ctx, client.RbacV1().RoleBindings(binding.Namespace), "RoleBinding", binding)
		})
	return apiclient.Parallel(ctx, ops...)
}
