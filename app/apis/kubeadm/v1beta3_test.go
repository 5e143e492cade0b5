package kubeadm

import (
	"reflect"
	"strings"
	"testing"
)

// TestV1beta3PublicKeysECDSA: v1beta3 chose ECDSA keys with the
// PublicKeysECDSA feature gate, which is gone; reading such a file moves
// the gate to encryptionAlgorithm, unless that is set, drops it and warns.
func TestV1beta3PublicKeysECDSA(t *testing.T) {
	const head = "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n"
	tests := []struct {
		name      string
		body      string
		wantAlgo  EncryptionAlgorithmType
		wantGates map[string]bool
		warning   string // part of the warning; "" for none
		wantErr   string
	}{
		{name: "true", body: "featureGates:\n  PublicKeysECDSA: true\n", wantAlgo: EncryptionAlgorithmECDSAP256,
			warning: "featureGates.PublicKeysECDSA: the feature gate was removed; PublicKeysECDSA: true is converted to encryptionAlgorithm: ECDSA-P256"},
		{name: "false", body: "featureGates:\n  PublicKeysECDSA: false\n", wantAlgo: EncryptionAlgorithmRSA2048,
			warning: "PublicKeysECDSA: false is converted to encryptionAlgorithm: RSA-2048"},
		{name: "other gates kept", body: "featureGates:\n  PublicKeysECDSA: true\n  RootlessControlPlane: true\n", wantAlgo: EncryptionAlgorithmECDSAP256,
			wantGates: map[string]bool{"RootlessControlPlane": true}, warning: "converted to encryptionAlgorithm: ECDSA-P256"},
		{name: "encryptionAlgorithm set wins", body: "encryptionAlgorithm: RSA-4096\nfeatureGates:\n  PublicKeysECDSA: true\n", wantAlgo: EncryptionAlgorithmRSA4096,
			warning: "featureGates.PublicKeysECDSA: the feature gate was removed; it is dropped and encryptionAlgorithm RSA-4096 is used"},
		{name: "no gate", body: "clusterName: c\n"},
		{name: "other gates only", body: "featureGates:\n  RootlessControlPlane: false\n", wantGates: map[string]bool{"RootlessControlPlane": false}},
		{name: "not a boolean", body: "featureGates:\n  PublicKeysECDSA: yes-please\n", wantErr: "featureGates"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Decode("old.yaml", []byte(head+tc.body))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := d.Cluster
			if c.EncryptionAlgorithm != tc.wantAlgo {
				t.Errorf("encryptionAlgorithm %q, want %q", c.EncryptionAlgorithm, tc.wantAlgo)
			}
			if len(c.FeatureGates) != 0 || len(tc.wantGates) != 0 {
				if !reflect.DeepEqual(c.FeatureGates, tc.wantGates) {
					t.Errorf("featureGates %v, want %v", c.FeatureGates, tc.wantGates)
				}
			}
			var found []string
			for _, w := range d.Warnings {
				if strings.Contains(w, "PublicKeysECDSA") {
					found = append(found, w)
				}
			}
			switch {
			case tc.warning == "" && len(found) > 0:
				t.Errorf("unexpected warnings %q", found)
			case tc.warning != "" && (len(found) != 1 || !strings.Contains(found[0], tc.warning) || !strings.HasPrefix(found[0], "old.yaml")):
				t.Errorf("warnings %q, want one from old.yaml with %q", d.Warnings, tc.warning)
			}
			SetClusterDefaults(c)
			if errs := ValidateCluster(c); len(errs) != 0 {
				t.Errorf("the converted configuration does not validate: %v", errs)
			}
		})
	}
}
