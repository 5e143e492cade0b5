package upgrade

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestPlanJSONGolden(t *testing.T) {
	p := &PlanOutput{Plan: UpgradePlan{
		AvailableUpgrades: []AvailableUpgrade{{
			Description: "stable version",
			Components: []ComponentUpgradePlan{
				{Name: "kube-apiserver", CurrentVersion: "v1.36.4", NewVersion: "v1.37.1", NodeName: "cp1"},
				{Name: "kube-proxy", CurrentVersion: "v1.36.4", NewVersion: "v1.37.1"},
			},
		}},
		ConfigVersions: []ComponentConfigVersionState{
			{Group: "kubelet.config.k8s.io", CurrentVersion: "v1beta1", PreferredVersion: "v1beta1"},
		},
	}}
	got, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{
    "kind": "UpgradePlan",
    "apiVersion": "output.kubeadm.k8s.io/v1alpha3",
    "availableUpgrades": [
        {
            "description": "stable version",
            "components": [
                {
                    "name": "kube-apiserver",
                    "currentVersion": "v1.36.4",
                    "newVersion": "v1.37.1",
                    "nodeName": "cp1"
                },
                {
                    "name": "kube-proxy",
                    "currentVersion": "v1.36.4",
                    "newVersion": "v1.37.1"
                }
            ]
        }
    ],
    "configVersions": [
        {
            "group": "kubelet.config.k8s.io",
            "currentVersion": "v1beta1",
            "preferredVersion": "v1beta1",
            "manualUpgradeRequired": false
        }
    ]
}
`
	if string(got) != want {
		t.Errorf("JSON differs:\n%s", Diff("got", got, []byte(want), 2))
	}
	y, err := p.YAML()
	if err != nil {
		t.Fatal(err)
	}
	wantYAML := `apiVersion: output.kubeadm.k8s.io/v1alpha3
availableUpgrades:
- components:
  - currentVersion: v1.36.4
    name: kube-apiserver
    newVersion: v1.37.1
    nodeName: cp1
  - currentVersion: v1.36.4
    name: kube-proxy
    newVersion: v1.37.1
  description: stable version
configVersions:
- currentVersion: v1beta1
  group: kubelet.config.k8s.io
  manualUpgradeRequired: false
  preferredVersion: v1beta1
kind: UpgradePlan
`
	if string(y) != wantYAML {
		t.Errorf("YAML differs:\n%s", Diff("got", y, []byte(wantYAML), 2))
	}
}

func TestPlanRoundTrip(t *testing.T) {
	p, err := Plan(minorInput())
	if err != nil {
		t.Fatal(err)
	}
	want := p.Plan.withTypeMeta()
	for _, format := range []string{"json", "yaml"} {
		t.Run(format, func(t *testing.T) {
			var data []byte
			var back UpgradePlan
			if format == "json" {
				data, err = p.JSON()
				if err == nil {
					err = json.Unmarshal(data, &back)
				}
			} else {
				data, err = p.YAML()
				if err == nil {
					err = yaml.UnmarshalStrict(data, &back)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, want) {
				t.Errorf("round trip changed the plan:\n got %+v\nwant %+v", back, want)
			}
			// The text rendered from the decoded object is the same.
			again := &PlanOutput{ClusterVersion: p.ClusterVersion, Plan: back}
			if again.Text() != p.Text() {
				t.Errorf("text from the decoded plan differs:\n%s", Diff("decoded", []byte(again.Text()), []byte(p.Text()), 1))
			}
			if !strings.Contains(string(data), "v1.37.1") {
				t.Errorf("encoded plan lacks the target: %s", data)
			}
		})
	}
}

func TestUpToDateJSON(t *testing.T) {
	in := minorInput()
	in.APIServerVersions = map[string]string{"cp1": "v1.37.1"}
	in.ConfigVersions = nil
	p, err := Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n    \"kind\": \"UpgradePlan\",\n    \"apiVersion\": \"output.kubeadm.k8s.io/v1alpha3\"\n}\n"
	if string(got) != want {
		t.Errorf("JSON = %q, want %q", got, want)
	}
}
