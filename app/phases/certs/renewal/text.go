package renewal

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
)

// expiryLayout is how upstream prints an expiration date.
const expiryLayout = "Jan 02, 2006 15:04 MST"

// Text renders the report as `kubeadm certs check-expiration` prints it:
// the certificates table (name, expiry, residual time, CA, externally
// managed), a blank line, then the CA table. A missing file is one
// "!MISSING! <name>" row. Residual times are upstream's human durations
// ("364d", "9y", "<invalid>" once expired).
func (info *ExpirationInfo) Text() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 10, 4, 3, ' ', 0)
	fmt.Fprintln(w, "CERTIFICATE\tEXPIRES\tRESIDUAL TIME\tCERTIFICATE AUTHORITY\tEXTERNALLY MANAGED")
	for _, c := range info.Certificates {
		if c.Missing {
			fmt.Fprintf(w, "!MISSING! %s\t\t\t\t\n", c.Name)
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%-8s\n", c.Name, expires(c), residual(c), c.CAName, yesNo(c.ExternallyManaged))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "CERTIFICATE AUTHORITY\tEXPIRES\tRESIDUAL TIME\tEXTERNALLY MANAGED")
	for _, c := range info.CertificateAuthorities {
		if c.Missing {
			fmt.Fprintf(w, "!MISSING! %s\t\t\t\n", c.Name)
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%-8s\n", c.Name, expires(c), residual(c), yesNo(c.ExternallyManaged))
	}
	w.Flush()
	return b.String()
}

func expires(c CertificateExpiration) string {
	return c.ExpirationDate.UTC().Format(expiryLayout)
}

func residual(c CertificateExpiration) string {
	return duration.HumanDuration(time.Duration(c.ResidualTimeSeconds) * time.Second)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
