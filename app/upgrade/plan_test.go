package upgrade

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// minorInput is a two-control-plane cluster on v1.36 with local etcd and a
// worker whose kubelet lags.
func minorInput() PlanInput {
	return PlanInput{
		APIServerVersions: map[string]string{"cp1": "v1.36.4", "cp2": "v1.36.4"},
		KubeletVersions:   map[string]string{"cp1": "v1.36.4", "cp2": "v1.36.4", "worker1": "v1.36.2"},
		EtcdVersions:      map[string]string{"cp1": "3.6.8-0", "cp2": "3.6.8-0"},
		LocalEtcd:         true,
		CoreDNSVersion:    "v1.14.2",
		Tool:              "v1.37.1",
		ConfigVersions: []ComponentConfigVersionState{
			{Group: "kubeproxy.config.k8s.io", CurrentVersion: "v1alpha1", PreferredVersion: "v1alpha1"},
			{Group: "kubelet.config.k8s.io", PreferredVersion: "v1beta1", ManualUpgradeRequired: true},
		},
	}
}

func TestPlanText(t *testing.T) {
	tests := []struct {
		golden      string
		in          PlanInput
		wantCommand string
		wantWarn    []string
	}{
		{golden: "plan_minor.golden", in: minorInput(), wantCommand: "kubeadm upgrade apply v1.37.1"},
		{
			golden: "plan_patch.golden",
			in: PlanInput{
				APIServerVersions: map[string]string{"node1": "v1.37.0"},
				KubeletVersions:   map[string]string{"node1": "v1.37.0"},
				EtcdVersions:      map[string]string{"node1": "3.7.0-0"}, // ignored: etcd is external
				CoreDNSVersion:    "v1.14.6",
				KubeProxyVersion:  "v1.36.9",
				Target:            "v1.37.3",
				Tool:              "v1.37.1",
			},
			wantCommand: "kubeadm upgrade apply v1.37.3",
			wantWarn:    []string{"v1.37.3 is newer than this kubeadm v1.37.1, so upgrade kubeadm to v1.37.3 first (kubeadm upgrade apply will need --force)"},
		},
		{
			golden: "plan_rc.golden",
			in: PlanInput{
				APIServerVersions: map[string]string{"node1": "v1.37.1"},
				KubeletVersions:   map[string]string{"node1": "v1.38.0-rc.1"},
				EtcdVersions:      map[string]string{"node1": "3.7.0-0"},
				LocalEtcd:         true,
				CoreDNSVersion:    "v1.14.6",
				Tool:              "v1.38.0-rc.1",
				Policy:            PolicyOptions{AllowRC: true},
			},
			wantCommand: "kubeadm upgrade apply v1.38.0-rc.1 --allow-release-candidate-upgrades",
		},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			p, err := Plan(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if p.ApplyCommand != tt.wantCommand {
				t.Errorf("ApplyCommand = %q, want %q", p.ApplyCommand, tt.wantCommand)
			}
			if !reflect.DeepEqual(p.Warnings, tt.wantWarn) {
				t.Errorf("Warnings = %q, want %q", p.Warnings, tt.wantWarn)
			}
			compareGolden(t, tt.golden, p.Text())
		})
	}
}

func compareGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (got -, want +):\n%s", name, Diff("got", []byte(got), want, 2))
	}
}

func TestPlanCases(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(*PlanInput)
		wantErr    []string
		upToDate   bool
		wantTarget string
		wantWarn   []string // substrings, one per warning
		wantRows   map[string]int
	}{
		{name: "default target is the tool", edit: func(*PlanInput) {}, wantTarget: "v1.37.1",
			wantRows: map[string]int{"kubelet": 3, "kube-apiserver": 2, "etcd": 2, "kubeadm": 1, "CoreDNS": 1, "kube-proxy": 1}},
		{name: "kubelets already at target are not listed", wantTarget: "v1.37.1",
			edit:     func(in *PlanInput) { in.KubeletVersions = map[string]string{"cp1": "v1.37.1", "cp2": "v1.37.1"} },
			wantRows: map[string]int{"kubelet": 0}},
		{name: "kubelets at mixed versions are all listed", wantTarget: "v1.37.1",
			edit:     func(in *PlanInput) { in.KubeletVersions = map[string]string{"cp1": "v1.37.1", "cp2": "v1.36.4"} },
			wantRows: map[string]int{"kubelet": 2}},
		{name: "external etcd has no etcd rows", wantTarget: "v1.37.1",
			edit:     func(in *PlanInput) { in.LocalEtcd = false },
			wantRows: map[string]int{"etcd": 0}},
		{name: "no CoreDNS row when the table has none either", wantTarget: "v1.38.0-rc.1",
			edit: func(in *PlanInput) {
				in.CoreDNSVersion, in.Tool, in.Policy.AllowRC = "", "v1.38.0-rc.1", true
				in.APIServerVersions = map[string]string{"cp1": "v1.37.1"}
			},
			wantRows: map[string]int{"CoreDNS": 0}},
		{name: "up to date", upToDate: true,
			edit:     func(in *PlanInput) { in.APIServerVersions = map[string]string{"cp1": "v1.37.1"} },
			wantWarn: []string{"offers nothing newer"}},
		{name: "cluster newer than the tool", upToDate: true,
			edit:     func(in *PlanInput) { in.APIServerVersions = map[string]string{"cp1": "v1.37.4"} },
			wantWarn: []string{"the cluster runs v1.37.4 and this kubeadm v1.37.1 offers nothing newer"}},
		{name: "explicit older target", upToDate: true,
			edit:     func(in *PlanInput) { in.Target = "v1.36.1" },
			wantWarn: []string{"v1.36.1 is not newer than the cluster's v1.36.4"}},
		{name: "mixed API servers plan from the newest", wantTarget: "v1.37.1",
			edit:     func(in *PlanInput) { in.APIServerVersions = map[string]string{"cp1": "v1.36.4", "cp2": "v1.36.10"} },
			wantWarn: []string{"different kube-apiserver versions (v1.36.10, v1.36.4): upgrade them all to v1.36.10"},
			wantRows: map[string]int{"kube-apiserver": 2}},
		{name: "two minors behind",
			edit:    func(in *PlanInput) { in.APIServerVersions = map[string]string{"cp1": "v1.35.3"} },
			wantErr: []string{"no upgrade from v1.35.3 to v1.37.1 is possible", "upgrade to v1.36 first"}},
		{name: "old kubelets warn", wantTarget: "v1.37.1",
			edit:     func(in *PlanInput) { in.KubeletVersions["worker1"] = "v1.33.0" },
			wantWarn: []string{"kubelets at v1.33.0 are more than 3 minor versions behind v1.37.1, so upgrade them first (kubeadm upgrade apply will need --force)"}},
		{name: "no API servers", edit: func(in *PlanInput) { in.APIServerVersions = nil },
			wantErr: []string{"no kube-apiserver versions given"}},
		{name: "unreadable API server version", edit: func(in *PlanInput) { in.APIServerVersions = map[string]string{"cp1": "1.36"} },
			wantErr: []string{"kube-apiserver version of cp1"}},
		{name: "unreadable target", edit: func(in *PlanInput) { in.Target = "stable" },
			wantErr: []string{`"stable" must start with 'v'`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := minorInput()
			tt.edit(&in)
			p, err := Plan(in)
			checkErr(t, err, tt.wantErr)
			if err != nil {
				return
			}
			if p.UpToDate() != tt.upToDate || p.Target != tt.wantTarget {
				t.Errorf("UpToDate = %v, Target = %q; want %v, %q", p.UpToDate(), p.Target, tt.upToDate, tt.wantTarget)
			}
			if len(p.Warnings) != len(tt.wantWarn) {
				t.Fatalf("warnings = %q, want %d like %q", p.Warnings, len(tt.wantWarn), tt.wantWarn)
			}
			for i, w := range tt.wantWarn {
				if !strings.Contains(p.Warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, p.Warnings[i], w)
				}
			}
			rows := map[string]int{}
			for _, au := range p.Plan.AvailableUpgrades {
				for _, c := range au.Components {
					rows[c.Name]++
				}
			}
			for name, n := range tt.wantRows {
				if rows[name] != n {
					t.Errorf("%d %s rows, want %d", rows[name], name, n)
				}
			}
			if tt.upToDate && !strings.Contains(p.Text(), "up to date") {
				t.Errorf("Text() = %q, want an up-to-date note", p.Text())
			}
		})
	}
}
