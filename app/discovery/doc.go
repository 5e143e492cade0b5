// Package discovery finds and authenticates the cluster a node joins.
//
// Token discovery reads the kube-public/cluster-info ConfigMap from an API
// server endpoint without trusting it yet, checks that the kubeconfig it
// carries is signed (detached JWS) with the bootstrap token, checks the
// cluster CA it names against the public key pins the user gave, and then
// reads the ConfigMap again over TLS verified with that CA, requiring the
// same content. File discovery reads a kubeconfig from disk or from an
// https URL and checks that its API server can be talked to over TLS.
//
// Both return a kubeconfig whose cluster entry (server and CA) the join
// uses for TLS bootstrap. Failures are one-line errors naming the cause
// and what to do about it; nothing is printed.
package discovery
