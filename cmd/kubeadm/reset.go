package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/reset"
)

// resetFlags are reset's command-line options.
type resetFlags struct {
	configPath            string
	kubeconfig            string
	certDir               string
	criSocket             string
	force                 bool
	dryRun                bool
	cleanupTmpDir         bool
	ignorePreflightErrors []string
	skipPhases            []string
}

func (f *resetFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.configPath, "config", "", "Path to a kubeadm configuration file.")
	fs.StringVar(&f.kubeconfig, "kubeconfig", "/etc/kubernetes/admin.conf", "The kubeconfig file to use when talking to the cluster: used to find the etcd members when the local one does not answer.")
	fs.StringVar(&f.certDir, "cert-dir", constants.DefaultCertsDir, "The path to the directory where the certificates are stored. If specified, clean this directory.")
	fs.StringVar(&f.criSocket, "cri-socket", "", "Path to the CRI socket to connect. If empty kubeadm will try to auto-detect this value; use this option only if you have more than one CRI installed or if you have non-standard CRI socket.")
	fs.BoolVarP(&f.force, "force", "f", false, "Reset the node without prompting for confirmation, and remove its etcd member even when the quorum is at risk.")
	fs.BoolVar(&f.dryRun, "dry-run", false, "Don't apply any changes; just output what would be done.")
	fs.BoolVar(&f.cleanupTmpDir, "cleanup-tmp-dir", false, fmt.Sprintf("Cleanup the %q directory", constants.TempDir))
	fs.StringSliceVar(&f.ignorePreflightErrors, "ignore-preflight-errors", nil, "A list of checks whose errors will be shown as warnings. Example: 'IsPrivilegedUser,Swap'. Value 'all' ignores errors from all checks.")
	fs.StringSliceVar(&f.skipPhases, "skip-phases", nil, "List of phases to be skipped")
}

// load builds the validated ResetConfiguration from the file or the flags;
// --dry-run, --ignore-preflight-errors and --skip-phases apply to both.
func (f *resetFlags) load(fs *pflag.FlagSet) (*config.Reset, error) {
	runner := reset.Runner(nil)
	if err := runner.CheckNames(f.skipPhases); err != nil {
		return nil, fmt.Errorf("--skip-phases: %w", err)
	}
	var cfg *config.Reset
	if f.configPath != "" {
		if bad := mixedWithConfig(fs); len(bad) > 0 {
			return nil, fmt.Errorf("can not mix '--config' with arguments %v: put them in the ResetConfiguration", bad)
		}
		var err error
		if cfg, err = config.LoadResetFile(f.configPath); err != nil {
			return nil, err
		}
		if err := runner.CheckNames(cfg.Reset.SkipPhases); err != nil {
			return nil, fmt.Errorf("%s: skipPhases: %w", f.configPath, err)
		}
	} else {
		cfg = config.NewReset()
		r := cfg.Reset
		r.CertificatesDir, r.CRISocket, r.Force, r.CleanupTmpDir = f.certDir, f.criSocket, f.force, f.cleanupTmpDir
	}
	r := cfg.Reset
	if fs.Changed("dry-run") {
		r.DryRun = f.dryRun
	}
	r.IgnorePreflightErrors = append(r.IgnorePreflightErrors, f.ignorePreflightErrors...)
	if len(f.skipPhases) > 0 {
		r.SkipPhases = f.skipPhases
	}
	cfg.Default(localHost)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func newReset(s streams) *cobra.Command { return newResetWith(s, reset.Deps{}) }

// newResetWith is newReset acting on the machine deps describes (tests
// pass temporary directories and fakes).
func newResetWith(s streams, deps reset.Deps) *cobra.Command {
	f := &resetFlags{}
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Performs a best effort revert of changes made to this host by 'kubeadm init' or 'kubeadm join'",
		Long: `Performs a best effort revert of changes made to this host by 'kubeadm init' or 'kubeadm join'

The "reset" command executes the following phases:
` + phaseList(reset.Phases()) + `
A control-plane node's etcd member is found by the name and peer URL in its
etcd manifest and removed from the cluster; if that would lose the etcd
quorum, reset refuses unless --force is given. Running reset on a node that
is already clean does nothing and succeeds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runReset(cmd, s, f, deps, "") },
	}
	f.register(cmd.Flags())
	cmd.AddCommand(newPhaseCommandFor(reset.Phases(), "reset", f.register, func(cmd *cobra.Command, path string, _ []string) error {
		return runReset(cmd, s, f, deps, path)
	}))
	return cmd
}

func runReset(cmd *cobra.Command, s streams, f *resetFlags, deps reset.Deps, phase string) error {
	cfg, err := f.load(cmd.Flags())
	if err != nil {
		return err
	}
	out := &progress.Human{W: s.out}
	for _, w := range cfg.Warnings {
		out.Warn("", w)
	}
	if deps.Confirm == nil {
		deps.Confirm = confirmer(s)
	}
	opts := reset.Options{Config: cfg.Reset, KubeconfigPath: f.kubeconfig, Out: out, Deps: deps}
	if phase != "" {
		return reset.RunPhase(cmd.Context(), opts, phase)
	}
	if err := reset.Run(cmd.Context(), opts); err != nil {
		return err
	}
	fmt.Fprint(s.out, reset.ManualCleanup)
	return nil
}

// confirmer asks a yes/no question on the command's streams; only "y" or
// "yes" (any case) is a yes, and the end of the input is a no.
func confirmer(s streams) func(string) (bool, error) {
	r := bufio.NewReader(s.in)
	return func(q string) (bool, error) {
		fmt.Fprintf(s.out, "[reset] %s [y/N]: ", q)
		line, err := r.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return false, err
		}
		if !strings.HasSuffix(line, "\n") {
			fmt.Fprintln(s.out)
		}
		a := strings.ToLower(strings.TrimSpace(line))
		return a == "y" || a == "yes", nil
	}
}
