package main

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/kubeadm-cleanroom/kubeadm/app/cri/crifake"
)

func TestImagesPull(t *testing.T) {
	const pause = "registry.k8s.io/pause:3.10.2"
	cases := []struct {
		name     string
		present  []string
		pullErr  error
		wantCode int
		wantOut  []string
		wantErr  string
	}{
		{name: "pulls the missing ones", present: []string{pause}, wantOut: []string{
			"[config/images] Pulled registry.k8s.io/kube-apiserver:v1.37.1\n", "[config/images] Image is present: " + pause + "\n",
			"[config/images] Pulled registry.k8s.io/etcd:3.7.0-0\n"}},
		{name: "no registry", present: []string{"registry.k8s.io/kube-apiserver:v1.37.1"}, wantCode: 1,
			pullErr: status.Error(codes.Unknown, "failed to pull and unpack image \"registry.k8s.io/kube-controller-manager:v1.37.1\": dial tcp 127.0.0.1:1: connect: connection refused"),
			wantOut: []string{"Image is present: registry.k8s.io/kube-apiserver:v1.37.1"},
			wantErr: "pull image registry.k8s.io/kube-controller-manager:v1.37.1 through unix://"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rt := &crifake.Runtime{Images: map[string]bool{}, PullErr: c.pullErr}
			for _, p := range c.present {
				rt.Images[p] = true
			}
			ep, stop, err := rt.Start()
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			code, out, errOut := runArgs("config", "images", "pull", "--cri-socket", ep, "--kubernetes-version", "v1.37.1")
			if code != c.wantCode {
				t.Fatalf("exit %d, want %d; stderr %q", code, c.wantCode, errOut)
			}
			for _, w := range c.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if c.wantErr != "" && (!strings.Contains(errOut, c.wantErr) || strings.Count(strings.TrimSpace(errOut), "\n") > 0) {
				t.Errorf("stderr %q: want one line with %q", errOut, c.wantErr)
			}
			if c.pullErr == nil && !rt.HasImage("registry.k8s.io/coredns/coredns:v1.14.6") {
				t.Error("coredns was not pulled")
			}
		})
	}
}
