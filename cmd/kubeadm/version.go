package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
)

// versionInfo has upstream's version.Info fields.
type versionInfo struct {
	Major        string `json:"major"`
	Minor        string `json:"minor"`
	GitVersion   string `json:"gitVersion"`
	GitCommit    string `json:"gitCommit"`
	GitTreeState string `json:"gitTreeState"`
	BuildDate    string `json:"buildDate"`
	GoVersion    string `json:"goVersion"`
	Compiler     string `json:"compiler"`
	Platform     string `json:"platform"`
}

// gitCommit and buildDate are stamped by the Makefile.
var gitCommit, buildDate = "", ""

func currentVersion() versionInfo {
	parts := strings.Split(strings.TrimPrefix(versions.Tool, "v"), ".")
	return versionInfo{
		Major: parts[0], Minor: parts[1], GitVersion: versions.Tool, GitCommit: gitCommit, GitTreeState: "clean",
		BuildDate: buildDate, GoVersion: runtime.Version(), Compiler: runtime.Compiler, Platform: runtime.GOOS + "/" + runtime.GOARCH,
	}
}

func newVersion(s streams) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of kubeadm",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := currentVersion()
			switch output {
			case "":
				fmt.Fprintf(s.out, "kubeadm version: &version.Info{Major:%q, Minor:%q, GitVersion:%q, GitCommit:%q, GitTreeState:%q, BuildDate:%q, GoVersion:%q, Compiler:%q, Platform:%q}\n",
					v.Major, v.Minor, v.GitVersion, v.GitCommit, v.GitTreeState, v.BuildDate, v.GoVersion, v.Compiler, v.Platform)
			case "short":
				fmt.Fprintln(s.out, v.GitVersion)
			case "json":
				b, err := json.MarshalIndent(map[string]versionInfo{"clientVersion": v}, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintln(s.out, string(b))
			case "yaml":
				b, err := yaml.Marshal(map[string]versionInfo{"clientVersion": v})
				if err != nil {
					return err
				}
				fmt.Fprint(s.out, string(b))
			default:
				return fmt.Errorf("invalid --output %q: use short, json or yaml", output)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Output format; available options are 'yaml', 'json' and 'short'")
	return cmd
}
