// Package host is what kubeadm reads from and does to the machine it runs
// on, behind interfaces that tests fake: Host answers the preflight
// checks' questions (user, CPUs, memory, files, executables, ports,
// cgroups) and InitSystem starts and stops the kubelet service. Local and
// Systemd are the real ones. Every method takes a context first, so that a
// command's cancellation and deadlines reach what it runs on the host.
package host
