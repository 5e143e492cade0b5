package upgrade

import (
	"strings"
	"testing"
)

func TestCheckVersion(t *testing.T) {
	const tool = "v1.37.1"
	tests := []struct {
		name                   string
		current, target, tool  string
		opts                   PolicyOptions
		wantErr                []string // substrings of the error; nil means success
		wantWarn               []string // substrings, one per expected warning
		mandatory, skippable   int      // counts from EvaluatePolicy
		forceDoesNotHelp       bool     // set for refusals with mandatory errors
		forceWarnsInsteadOfErr bool     // set for refusals --force lifts
	}{
		{name: "one minor up", current: "v1.36.3", target: "v1.37.1", tool: tool},
		{name: "patch up", current: "v1.37.0", target: "v1.37.1", tool: tool},
		{name: "same version", current: "v1.37.1", target: "v1.37.1", tool: tool},
		{
			name: "two minors up", current: "v1.35.2", target: "v1.37.1", tool: tool,
			wantErr:   []string{"v1.35.2", "v1.37.1", "more than 1 minor version above", "upgrade to v1.36 first", "cannot be bypassed"},
			mandatory: 1, forceDoesNotHelp: true,
		},
		{
			name: "newer minor than the tool", current: "v1.37.1", target: "v1.38.0", tool: tool,
			wantErr:   []string{"v1.38.0 is a newer minor than this kubeadm v1.37.1", "use a kubeadm of v1.38", "cannot be bypassed"},
			mandatory: 1, forceDoesNotHelp: true,
		},
		{
			name: "newer patch than the tool", current: "v1.37.0", target: "v1.37.5", tool: tool,
			wantErr:   []string{"v1.37.5 is newer than this kubeadm v1.37.1", "upgrade kubeadm to v1.37.5 first", "pass --force"},
			skippable: 1, forceWarnsInsteadOfErr: true,
		},
		{
			name: "one minor down", current: "v1.37.1", target: "v1.36.5", tool: tool,
			wantErr:   []string{"kubeadm v1.37.1 upgrades to v1.37 versions, not to v1.36.5", "pass --force"},
			skippable: 1, forceWarnsInsteadOfErr: true,
		},
		{
			name: "one minor down forced", current: "v1.37.1", target: "v1.36.5", tool: tool, opts: PolicyOptions{Force: true},
			wantWarn:  []string{"bypassed by --force", "this is a downgrade"},
			skippable: 1,
		},
		{
			name: "two minors down", current: "v1.37.1", target: "v1.35.0", tool: tool,
			wantErr:   []string{"older than v1.36.0", "more than 1 minor version below the cluster's v1.37.1", "cannot be bypassed"},
			mandatory: 2, skippable: 1, forceDoesNotHelp: true,
		},
		{
			name: "patch downgrade", current: "v1.37.1", target: "v1.37.0", tool: tool,
			wantWarn: []string{"v1.37.0 is older than the cluster's v1.37.1: this is a downgrade"},
		},
		{
			name: "rc without flags", current: "v1.37.1", target: "v1.38.0-rc.1", tool: "v1.38.0-rc.1",
			wantErr:   []string{"release candidate", "--allow-release-candidate-upgrades", "pass --force"},
			skippable: 1, forceWarnsInsteadOfErr: true,
		},
		{name: "rc allowed", current: "v1.37.1", target: "v1.38.0-rc.1", tool: "v1.38.0-rc.1", opts: PolicyOptions{AllowRC: true}},
		{name: "rc allowed as experimental", current: "v1.37.1", target: "v1.38.0-rc.1", tool: "v1.38.0-rc.1", opts: PolicyOptions{AllowExperimental: true}},
		{
			name: "beta with only rc allowed", current: "v1.37.1", target: "v1.38.0-beta.0", tool: "v1.38.0-beta.0", opts: PolicyOptions{AllowRC: true},
			wantErr:   []string{"v1.38.0-beta.0 is a pre-release", "--allow-experimental-upgrades"},
			skippable: 1, forceWarnsInsteadOfErr: true,
		},
		{name: "beta allowed", current: "v1.37.1", target: "v1.38.0-beta.0", tool: "v1.38.0-beta.0", opts: PolicyOptions{AllowExperimental: true}},
		{
			name: "pre-release two minors up", current: "v1.36.0", target: "v1.38.0-alpha.1", tool: "v1.38.0-alpha.1", opts: PolicyOptions{AllowExperimental: true},
			wantErr:   []string{"more than 1 minor version above", "pass --force"},
			skippable: 1, forceWarnsInsteadOfErr: true,
		},
		{
			name: "pre-release newer minor than the tool", current: "v1.37.1", target: "v1.38.0-alpha.1", tool: tool, opts: PolicyOptions{AllowExperimental: true},
			wantErr:   []string{"newer minor than this kubeadm", "pass --force"},
			skippable: 1, forceWarnsInsteadOfErr: true,
		},
		{
			name: "pre-release below the minimum", current: "v1.36.0", target: "v1.36.0-rc.1", tool: tool, opts: PolicyOptions{AllowRC: true},
			wantErr:   []string{"older than v1.36.0, the oldest control plane kubeadm v1.37.1 supports"},
			mandatory: 1, skippable: 1, forceDoesNotHelp: true,
		},
		{
			name: "kubelets too old", current: "v1.36.3", target: "v1.37.1", tool: tool,
			opts:      PolicyOptions{KubeletVersions: []string{"v1.36.3", "v1.33.9", "v1.33.9"}},
			wantErr:   []string{"kubelets at v1.33.9 are more than 3 minor versions behind v1.37.1", "pass --force"},
			skippable: 1, forceWarnsInsteadOfErr: true,
		},
		{
			name: "kubelets within skew", current: "v1.36.3", target: "v1.37.1", tool: tool,
			opts: PolicyOptions{KubeletVersions: []string{"v1.34.0", "v1.36.3"}},
		},
		{
			name: "unreadable kubelet", current: "v1.36.3", target: "v1.37.1", tool: tool,
			opts:      PolicyOptions{KubeletVersions: []string{"1.36.3"}},
			wantErr:   []string{`kubelet version "1.36.3"`, "pass --force"},
			skippable: 1, forceWarnsInsteadOfErr: true,
		},
		{
			name: "unreadable cluster version", current: "1.36.3", target: "v1.37.1", tool: tool,
			wantErr:   []string{"cannot read the cluster version", `"1.36.3" must start with 'v'`},
			mandatory: 1, forceDoesNotHelp: true,
		},
		{
			name: "unreadable target", current: "v1.36.3", target: "latest", tool: tool,
			wantErr:   []string{"cannot read the target version"},
			mandatory: 1, forceDoesNotHelp: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := EvaluatePolicy(tt.current, tt.target, tt.tool, tt.opts)
			if len(r.Mandatory) != tt.mandatory || len(r.Skippable) != tt.skippable {
				t.Errorf("EvaluatePolicy: %d mandatory %v, %d skippable %v; want %d and %d",
					len(r.Mandatory), r.Mandatory, len(r.Skippable), r.Skippable, tt.mandatory, tt.skippable)
			}
			warnings, err := CheckVersion(tt.current, tt.target, tt.tool, tt.opts)
			checkErr(t, err, tt.wantErr)
			if len(warnings) != len(tt.wantWarn) {
				t.Fatalf("warnings = %q, want %d like %q", warnings, len(tt.wantWarn), tt.wantWarn)
			}
			for i, w := range tt.wantWarn {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, warnings[i], w)
				}
			}

			forced := tt.opts
			forced.Force = true
			fw, ferr := CheckVersion(tt.current, tt.target, tt.tool, forced)
			switch {
			case tt.forceDoesNotHelp && ferr == nil:
				t.Errorf("with --force: no error, want the mandatory refusal to stand")
			case tt.forceWarnsInsteadOfErr && ferr != nil:
				t.Errorf("with --force: %v, want success", ferr)
			case tt.forceWarnsInsteadOfErr && len(fw) < tt.skippable:
				t.Errorf("with --force: warnings %q, want the %d bypassed errors", fw, tt.skippable)
			}
			if ferr != nil && strings.Contains(ferr.Error(), "\n") {
				t.Errorf("error spans lines: %q", ferr)
			}
		})
	}
}

func checkErr(t *testing.T, err error, want []string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans lines: %q", err)
	}
}

func TestCheckKubeletSkew(t *testing.T) {
	tests := []struct {
		target   string
		kubelets []string
		wantErr  []string
	}{
		{"v1.37.1", nil, nil},
		{"v1.37.1", []string{"v1.34.9"}, nil},
		{"v1.37.1", []string{"v1.33.0", "v1.32.1", "v1.33.0"}, []string{"kubelets at v1.32.1, v1.33.0 are more than 3 minor versions behind v1.37.1"}},
		{"v1.38.0-rc.1", []string{"v1.35.0-beta.2"}, nil},
		{"v1.37.1", []string{"oops"}, []string{`cannot read kubelet version "oops"`}},
		{"1.37.1", []string{"v1.37.1"}, []string{"cannot read the target version"}},
	}
	for _, tt := range tests {
		t.Run(tt.target+strings.Join(tt.kubelets, ","), func(t *testing.T) {
			checkErr(t, CheckKubeletSkew(tt.target, tt.kubelets), tt.wantErr)
		})
	}
}

func TestComponents(t *testing.T) {
	names := func(cs []Component) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.Name)
		}
		return strings.Join(s, ",")
	}
	if got, want := names(Components(true)), "etcd,kube-apiserver,kube-controller-manager,kube-scheduler"; got != want {
		t.Errorf("Components(true) = %s, want %s", got, want)
	}
	if got, want := names(Components(false)), "kube-apiserver,kube-controller-manager,kube-scheduler"; got != want {
		t.Errorf("Components(false) = %s, want %s", got, want)
	}
	if got, want := Components(false)[0].ManifestPath(DefaultManifestsDir), "/etc/kubernetes/manifests/kube-apiserver.yaml"; got != want {
		t.Errorf("ManifestPath = %s, want %s", got, want)
	}
}
