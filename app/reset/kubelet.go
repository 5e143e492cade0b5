package reset

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// kubeletPollInterval is how often a stopping kubelet is probed.
const kubeletPollInterval = 250 * time.Millisecond

// stopKubelet stops the kubelet service. Without an init system it
// removes the kubelet's config.yaml, which the kubelet unit passes with
// --config: a supervisor that follows kubelet.service then stops the
// kubelet and cannot start it again. It waits, bounded, until the
// kubelet's health endpoint goes quiet. Failures are warnings: reset goes
// on, as upstream's does.
func (d *Data) stopKubelet(ctx context.Context, out progress.Phase) {
	if d.cfg.DryRun {
		out.Infof("would stop the kubelet service")
		return
	}
	if d.InitSystem.Present(ctx) {
		out.Infof("stopping the kubelet service")
		if err := d.InitSystem.StopKubelet(ctx); err != nil {
			out.Warnf("the kubelet service could not be stopped: %v; make sure the kubelet is stopped", err)
		}
		return
	}
	out.Warnf("no supported init system (systemd) on this host: kubeadm cannot stop the kubelet service; make sure the kubelet is stopped")
	config := filepath.Join(d.KubeletDir, constants.KubeletConfigFile)
	url := kubeletHealthzURL(config)
	if err := os.Remove(config); err == nil {
		out.Infof("removed %s so that the kubelet is not started again", config)
	} else if !errors.Is(err, fs.ErrNotExist) {
		out.Warnf("remove %s: %v", config, err)
	}
	if url == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, d.KubeletStopWait)
	defer cancel()
	for d.KubeletAnswers(ctx, url) {
		select {
		case <-ctx.Done():
			out.Warnf("a kubelet still answers on %s after %s: stop it, or it may start the pods being removed again", url, d.KubeletStopWait)
			return
		case <-time.After(kubeletPollInterval):
		}
	}
	out.Infof("no kubelet answers on %s", url)
}

// kubeletHealthzURL is the kubelet's health URL from its configuration
// file (defaults when it is unreadable), or "" when health is disabled.
func kubeletHealthzURL(path string) string {
	cfg := kubeletv1beta1.KubeletConfiguration{}
	if b, err := os.ReadFile(path); err == nil {
		_ = yaml.Unmarshal(b, &cfg) // a broken file: probe the defaults
	}
	port, host := int32(constants.KubeletHealthzPort), "127.0.0.1"
	if cfg.HealthzPort != nil {
		port = *cfg.HealthzPort
	}
	if cfg.HealthzBindAddress != "" && cfg.HealthzBindAddress != "0.0.0.0" && cfg.HealthzBindAddress != "::" {
		host = cfg.HealthzBindAddress
	}
	if port == 0 {
		return ""
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(int(port))) + "/healthz"
}

// httpAnswers reports whether anything answers an HTTP GET of url.
func httpAnswers(ctx context.Context, url string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}
