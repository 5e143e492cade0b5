package upgrade

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// The group, version and kind `kubeadm upgrade plan -o json|yaml` prints.
const (
	OutputAPIVersion = "output.kubeadm.k8s.io/v1alpha3"
	UpgradePlanKind  = "UpgradePlan"
)

// UpgradePlan is the machine-readable plan, field for field the shape of
// upstream's output.kubeadm.k8s.io/v1alpha3 UpgradePlan.
type UpgradePlan struct {
	metav1.TypeMeta `json:",inline"`

	AvailableUpgrades []AvailableUpgrade            `json:"availableUpgrades,omitempty"`
	ConfigVersions    []ComponentConfigVersionState `json:"configVersions,omitempty"`
}

// AvailableUpgrade is one version the cluster can move to, with every
// component's current and new version.
type AvailableUpgrade struct {
	Description string                 `json:"description"`
	Components  []ComponentUpgradePlan `json:"components"`
}

// ComponentUpgradePlan is one row of the plan. NodeName is empty for
// cluster-wide components (kube-proxy, CoreDNS, kubeadm).
type ComponentUpgradePlan struct {
	Name           string `json:"name"`
	CurrentVersion string `json:"currentVersion"`
	NewVersion     string `json:"newVersion"`
	NodeName       string `json:"nodeName,omitempty"`
}

// ComponentConfigVersionState tells whether a component config (kubelet,
// kube-proxy) stored in the cluster is in a version kubeadm still reads.
// CurrentVersion is empty when the config is missing or unsupported.
type ComponentConfigVersionState struct {
	Group                 string `json:"group"`
	CurrentVersion        string `json:"currentVersion"`
	PreferredVersion      string `json:"preferredVersion"`
	ManualUpgradeRequired bool   `json:"manualUpgradeRequired"`
}

// withTypeMeta returns the plan with its kind and apiVersion filled in.
func (u UpgradePlan) withTypeMeta() UpgradePlan {
	u.TypeMeta = metav1.TypeMeta{Kind: UpgradePlanKind, APIVersion: OutputAPIVersion}
	return u
}

// JSON renders the plan as `-o json` does: indented by four spaces, with a
// trailing newline.
func (p *PlanOutput) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(p.Plan.withTypeMeta(), "", "    ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// YAML renders the plan as `-o yaml` does.
func (p *PlanOutput) YAML() ([]byte, error) {
	return yaml.Marshal(p.Plan.withTypeMeta())
}
