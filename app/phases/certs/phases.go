package certs

import "fmt"

// SubPhase is one step of the certs phase.
type SubPhase struct {
	// Name is the sub-phase name, as in `kubeadm init phase certs <name>`.
	Name string
	// Short is the one-line description.
	Short string
	// Run performs the step.
	Run func(Inputs) (Result, error)
}

// SubPhases returns the certs sub-phases in the order init runs them:
// ca, apiserver, apiserver-kubelet-client, front-proxy-ca,
// front-proxy-client, etcd-ca, etcd-server, etcd-peer,
// etcd-healthcheck-client, apiserver-etcd-client, sa. The etcd ones are
// always listed and report Skipped when etcd is external, as upstream's
// do.
func SubPhases() []SubPhase {
	var out []SubPhase
	for _, s := range Specs() {
		run := runLeaf
		if s.IsCA() {
			run = runCA
		}
		out = append(out, SubPhase{
			Name:  s.Name,
			Short: "Generate the " + s.LongName,
			Run:   func(in Inputs) (Result, error) { return run(s, in) },
		})
	}
	return append(out, SubPhase{
		Name:  "sa",
		Short: "Generate a private key for signing service account tokens along with its public key",
		Run:   runSA,
	})
}

// Run runs every sub-phase in order and returns their results; it stops at
// the first error, returning the results so far.
func Run(in Inputs) ([]Result, error) {
	var results []Result
	for _, p := range SubPhases() {
		r, err := p.Run(in)
		if err != nil {
			return results, fmt.Errorf("certs: %w", err)
		}
		results = append(results, r)
	}
	return results, nil
}
