package supervisor

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Timings of the supervisor; systemd's kubelet.service uses RestartSec=10,
// the bench restarts sooner to keep tests short.
const (
	restartDelay = 2 * time.Second
	pollInterval = 300 * time.Millisecond
	stopGrace    = 10 * time.Second
)

// service is one supervised process.
type service struct {
	name string
	log  string
	cmd  *exec.Cmd
	done chan struct{}
}

func (s *service) start(argv []string) error {
	f, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %w", s.name, err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(s.done)
	}()
	return nil
}

func (s *service) running() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

func (s *service) stop() {
	if !s.running() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(stopGrace):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// runtime is a supervised container runtime and the socket that tells it
// is serving.
type runtime struct {
	service
	argv   []string
	socket string
}

// runtimes lists the container runtimes cfg asks for, containerd first.
func runtimes(cfg Config) []*runtime {
	var rs []*runtime
	if cfg.ContainerdConfig != "" {
		rs = append(rs, &runtime{
			service: service{name: "containerd", log: filepath.Join(cfg.LogDir, "containerd.log")},
			argv:    []string{"/usr/local/bin/containerd", "--config", cfg.ContainerdConfig},
			socket:  ContainerdSocket,
		})
	}
	if cfg.CRIOConfig != "" {
		rs = append(rs, &runtime{
			service: service{name: "crio", log: filepath.Join(cfg.LogDir, "crio.log")},
			argv:    []string{CRIOBinary, "--config", cfg.CRIOConfig, "--config-dir", ""},
			socket:  CRIOSocket,
		})
	}
	return rs
}

// Run supervises the container runtimes (containerd, CRI-O or both) and
// the kubelet until ctx ends or SIGTERM.
func Run(ctx context.Context, cfg Config, out io.Writer) error {
	logf := func(format string, args ...any) {
		fmt.Fprintf(out, "%s %s\n", time.Now().Format(time.RFC3339Nano), fmt.Sprintf(format, args...))
	}
	if cfg.PIDFile != "" {
		if err := os.WriteFile(cfg.PIDFile, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)

	rts := runtimes(cfg)
	kubelet := &service{name: "kubelet", log: filepath.Join(cfg.LogDir, "kubelet.log")}
	defer func() {
		kubelet.stop()
		for i := len(rts) - 1; i >= 0; i-- {
			rts[i].stop()
		}
		logf("stopped")
	}()

	var seen kubeletFiles
	var exitedAt time.Time // when the kubelet was seen to exit; zero while running or never started
	startKubelet := func() {
		args, err := KubeletArgs(exists, readEnvFile, cfg.KubeletExtraArgs)
		if err != nil {
			logf("kubelet arguments: %v", err)
			return
		}
		logf("starting kubelet %v", args)
		if err := kubelet.start(append([]string{KubeletBinary}, args...)); err != nil {
			logf("%v", err)
		}
		exitedAt = time.Time{}
	}
	// ready: every runtime's socket has appeared since it (re)started. As
	// systemd's After=containerd.service (or crio.service), this orders the
	// kubelet's start only: a socket moved away later (a test serving the
	// CRI API elsewhere) does not hold the kubelet back.
	readySockets := map[string]bool{}
	for {
		ready := true
		for _, rt := range rts {
			if !rt.running() {
				if rt.cmd != nil {
					logf("%s exited: %v; restarting", rt.name, rt.cmd.ProcessState)
					time.Sleep(restartDelay)
				}
				if err := rt.start(rt.argv); err != nil {
					logf("%v", err)
				}
				readySockets[rt.socket] = false
			}
			if !readySockets[rt.socket] && exists(rt.socket) {
				readySockets[rt.socket] = true
			}
			ready = ready && readySockets[rt.socket]
		}
		changed := seen.update(fingerprint())
		switch {
		case !ready:
			// kubelet.service runs After=containerd.service.
		case !exists(KubeletConfig):
			if kubelet.running() {
				logf("%s is gone: stopping kubelet", KubeletConfig)
				kubelet.stop()
			}
		case kubelet.running():
			if changed {
				logf("kubelet configuration or binary changed: restarting kubelet")
				kubelet.stop()
				startKubelet()
			}
		case kubelet.cmd == nil || changed:
			startKubelet()
		case exitedAt.IsZero():
			exitedAt = time.Now()
			logf("kubelet exited: %v; restarting in %s", kubelet.cmd.ProcessState, restartDelay)
		case time.Since(exitedAt) >= restartDelay:
			startKubelet()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			logf("SIGHUP: restarting kubelet")
			kubelet.stop()
			if exists(KubeletConfig) && allReady(rts, readySockets) {
				startKubelet()
			}
		case <-time.After(pollInterval):
		}
	}
}

// allReady reports whether every runtime's socket has appeared.
func allReady(rts []*runtime, ready map[string]bool) bool {
	for _, rt := range rts {
		if !ready[rt.socket] {
			return false
		}
	}
	return true
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// kubeletFiles identifies the content of the files whose change makes the
// kubelet restart: its settings and binary, and apart its bootstrap
// kubeconfig.
type kubeletFiles struct {
	settings, bootstrap string
}

// update records now and reports whether the kubelet must restart: its
// settings or binary changed, or a bootstrap kubeconfig appeared or changed.
// The bootstrap kubeconfig's removal is no change: join removes it once the
// kubelet has its client certificate, the kubelet then runs on kubelet.conf,
// and systemd would not restart it.
func (k *kubeletFiles) update(now kubeletFiles) bool {
	changed := now.settings != k.settings || (now.bootstrap != "" && now.bootstrap != k.bootstrap)
	k.settings = now.settings
	if now.bootstrap != "" {
		k.bootstrap = now.bootstrap
	}
	return changed
}

// fingerprint reads the files of kubeletFiles; an absent bootstrap
// kubeconfig is "".
func fingerprint() kubeletFiles {
	var k kubeletFiles
	for _, p := range []string{KubeletConfig, KubeadmFlagsEnv, DefaultsEnv, KubeletBinary} {
		k.settings += fileStamp(p)
	}
	if exists(BootstrapKubeconfig) {
		k.bootstrap = fileStamp(BootstrapKubeconfig)
	}
	return k
}

// fileStamp names p's target, size and modification time, or its absence.
func fileStamp(p string) string {
	st, err := os.Stat(p)
	if err != nil {
		return p + ":absent;"
	}
	target, _ := filepath.EvalSymlinks(p)
	return fmt.Sprintf("%s:%s:%d:%d;", p, target, st.Size(), st.ModTime().UnixNano())
}
