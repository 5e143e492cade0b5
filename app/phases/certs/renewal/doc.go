// Package renewal renews the certificates kubeadm manages after init and
// reports when they expire: the leaf certificates under the certificates
// directory (`kubeadm certs renew apiserver`, ...), the client
// certificates embedded in admin.conf, super-admin.conf,
// controller-manager.conf and scheduler.conf, and the three CAs for the
// expiration report (`kubeadm certs check-expiration`). kubelet.conf is
// left to the kubelet, which rotates its own client certificate.
//
// A renewal keeps what the certificate says (subject common name and
// organizations, DNS and IP SANs, extended key usages) and the private key
// it certifies, and signs a new validity window with the CA that signs it
// (ca, front-proxy-ca or etcd-ca); nothing is read from the cluster
// configuration but the validity period. Files are replaced atomically.
// A file that is absent is reported as missing rather than created, and a
// CA whose key is absent (external CA mode) is reported instead of used.
//
// `kubeadm upgrade apply` is meant to call Renew with the names of each
// component it is about to restart (ComponentNames); the certs command
// calls it with one name or all of them. Nothing here prints.
package renewal
