// Package cri finds the node's container runtime endpoint and talks to it
// through the CRI API.
package cri

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// KnownEndpoints are probed, in this order, when no socket is configured.
var KnownEndpoints = []string{
	"unix:///var/run/containerd/containerd.sock",
	"unix:///var/run/crio/crio.sock",
	"unix:///var/run/cri-dockerd.sock",
}

// Answers reports whether something accepts connections on a unix socket.
func Answers(path string) bool {
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// ErrNoRuntime is Detect's error when no known endpoint answers.
var ErrNoRuntime = errors.New("no container runtime found")

// Detect probes the known endpoints with answers (Answers in production) and
// returns the one that answers. Several or none is an error that names them
// and says what to do.
func Detect(answers func(path string) bool) (string, error) {
	var found []string
	for _, ep := range KnownEndpoints {
		if answers(strings.TrimPrefix(ep, "unix://")) {
			found = append(found, ep)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", fmt.Errorf("%w: tried %s; start one or pass --cri-socket", ErrNoRuntime, strings.Join(KnownEndpoints, ", "))
	}
	return "", fmt.Errorf("found several container runtimes: %s; choose one with --cri-socket or nodeRegistration.criSocket", strings.Join(found, ", "))
}

// Normalize adds the unix:// scheme to a bare socket path and says so in
// the returned warning.
func Normalize(socket string) (string, string) {
	if socket == "" || strings.Contains(socket, "://") {
		return socket, ""
	}
	return "unix://" + socket, fmt.Sprintf("the CRI socket %q has no URL scheme; using %q", socket, "unix://"+socket)
}

// RecordedSocket reads the containerRuntimeEndpoint of the kubelet
// instance configuration at path (instance-config.yaml, as init and join
// write it); "" when the file or the field is missing or unreadable.
func RecordedSocket(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var ic struct {
		ContainerRuntimeEndpoint string `json:"containerRuntimeEndpoint"`
	}
	if yaml.Unmarshal(b, &ic) != nil {
		return ""
	}
	return ic.ContainerRuntimeEndpoint
}
