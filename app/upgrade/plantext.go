package upgrade

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
)

const separator = "_____________________________________________________________________\n\n"

const configIntro = `
The table below shows the current state of component configs as understood by this version of kubeadm.
Configs that have a "yes" mark in the "MANUAL UPGRADE REQUIRED" column require manual config upgrade or
resetting to kubeadm defaults before a successful upgrade can be performed. The version to manually
upgrade to is denoted in the "PREFERRED VERSION" column.

`

// Text renders the plan as `kubeadm upgrade plan` prints it: for each
// available upgrade the kubelets to upgrade by hand, the components apply
// upgrades, the apply command and, when kubeadm itself is too old, a note;
// then the component config table. When the cluster is up to date it
// returns a single line saying so.
func (p *PlanOutput) Text() string {
	var b strings.Builder
	if p.UpToDate() {
		fmt.Fprintf(&b, "The cluster is up to date: it runs %s and there is no newer version to upgrade to.\n", p.ClusterVersion)
		return b.String()
	}
	for _, au := range p.Plan.AvailableUpgrades {
		writeAvailableUpgrade(&b, au)
	}
	writeConfigVersions(&b, p.Plan.ConfigVersions)
	return b.String()
}

func newTable(b *strings.Builder) *tabwriter.Writer {
	tw := tabwriter.NewWriter(b, 10, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tNODE\tCURRENT\tTARGET")
	return tw
}

func writeRow(tw *tabwriter.Writer, c ComponentUpgradePlan) {
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.NodeName, c.CurrentVersion, c.NewVersion)
}

func writeAvailableUpgrade(b *strings.Builder, au AvailableUpgrade) {
	var target, kubeadmBefore, kubeadmAfter string
	for _, c := range au.Components {
		switch c.Name {
		case constants.KubeAPIServer:
			target = c.NewVersion
		case kubeadmRow:
			kubeadmBefore, kubeadmAfter = c.CurrentVersion, c.NewVersion
		}
	}

	b.WriteString("Components that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':\n")
	tw := newTable(b)
	for _, c := range au.Components {
		if c.Name == kubeletRow {
			writeRow(tw, c)
		}
	}
	_ = tw.Flush()

	fmt.Fprintf(b, "\nUpgrade to the latest %s:\n\n", au.Description)
	tw = newTable(b)
	for _, c := range au.Components {
		if c.Name != kubeletRow && c.Name != kubeadmRow {
			writeRow(tw, c)
		}
	}
	_ = tw.Flush()

	cmd := "kubeadm upgrade apply " + target
	if v, err := versions.Parse(target); err == nil {
		cmd = applyCommand(target, v)
	}
	fmt.Fprintf(b, "\nYou can now apply the upgrade by executing the following command:\n\n\t%s\n\n", cmd)
	if kubeadmBefore != kubeadmAfter {
		fmt.Fprintf(b, "Note: Before you can perform this upgrade, you have to update kubeadm to %s.\n\n", kubeadmAfter)
	}
	b.WriteString(separator)
}

func writeConfigVersions(b *strings.Builder, states []ComponentConfigVersionState) {
	if len(states) == 0 {
		b.WriteString("No information available on component configs.\n")
		return
	}
	b.WriteString(configIntro)
	tw := tabwriter.NewWriter(b, 10, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "API GROUP\tCURRENT VERSION\tPREFERRED VERSION\tMANUAL UPGRADE REQUIRED")
	for _, s := range states {
		manual := "no"
		if s.ManualUpgradeRequired {
			manual = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Group, dash(s.CurrentVersion), dash(s.PreferredVersion), manual)
	}
	_ = tw.Flush()
	b.WriteString(separator)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
