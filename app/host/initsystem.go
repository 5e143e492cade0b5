package host

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
)

// InitSystem starts, restarts and stops the kubelet service.
type InitSystem interface {
	// Present reports whether this init system manages services here.
	Present(ctx context.Context) bool
	// RestartKubelet restarts (or starts) the kubelet service.
	RestartKubelet(ctx context.Context) error
	// StopKubelet stops the kubelet service.
	StopKubelet(ctx context.Context) error
	// ServiceActive reports whether the service name runs (the kubelet's
	// resolvConf default depends on systemd-resolved).
	ServiceActive(ctx context.Context, name string) bool
}

// Systemd is the systemd init system, present when systemd is PID 1.
type Systemd struct {
	// Exec runs a command and returns its combined output; nil runs it
	// for real, ended when ctx is (tests inject a fake).
	Exec func(ctx context.Context, name string, args ...string) ([]byte, error)
}

func (s Systemd) exec(ctx context.Context, name string, args ...string) ([]byte, error) {
	if s.Exec != nil {
		return s.Exec(ctx, name, args...)
	}
	return exec.CommandContext(ctx, name, args...).CombinedOutput()
}

// Present reports whether systemd runs this machine.
func (Systemd) Present(context.Context) bool {
	if _, err := os.Stat("/run/systemd/system"); err != nil {
		return false
	}
	_, err := exec.LookPath("systemctl")
	return err == nil
}

// RestartKubelet runs systemctl restart kubelet.
func (s Systemd) RestartKubelet(ctx context.Context) error {
	if out, err := s.exec(ctx, "systemctl", "restart", "kubelet"); err != nil {
		return fmt.Errorf("systemctl restart kubelet: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// ServiceActive runs systemctl is-active --quiet name.
func (s Systemd) ServiceActive(ctx context.Context, name string) bool {
	_, err := s.exec(ctx, "systemctl", "is-active", "--quiet", name)
	return err == nil
}

// StopKubelet runs systemctl stop kubelet.
func (s Systemd) StopKubelet(ctx context.Context) error {
	if out, err := s.exec(ctx, "systemctl", "stop", "kubelet"); err != nil {
		return fmt.Errorf("systemctl stop kubelet: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}
