// Package users keeps the host users and groups that the RootlessControlPlane
// feature gate runs the control-plane components as (kubeadm-etcd,
// kubeadm-kas, kubeadm-kcm, kubeadm-ks, each with its own group, and the
// kubeadm-sa-key-readers group), and hands each component the files it
// reads.
//
// The users database is read and rewritten as upstream kubeadm does it:
// each file is locked with fcntl and rewritten in place, never replaced by
// a rename, so that it also works where /etc/passwd and /etc/group are
// bind-mounted files (containers, the e2e bench's nodes). IDs come from the
// system ranges of /etc/login.defs (SYS_UID_MIN..SYS_UID_MAX,
// SYS_GID_MIN..SYS_GID_MAX; 100-999 when unset), lowest free first.
package users
