package tokens

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/yaml"
)

// Formats are the output formats of `kubeadm token list`.
var Formats = []string{"text", "json", "yaml"}

// CheckFormat returns an error naming the allowed formats unless format is
// one of Formats.
func CheckFormat(format string) error {
	for _, f := range Formats {
		if format == f {
			return nil
		}
	}
	return fmt.Errorf("invalid --output %q: allowed formats are %s (upstream's templates are not supported)", format, strings.Join(Formats, ", "))
}

// Format renders listed tokens as upstream's `token list` does: "text" is
// one table row per token under a header (nothing at all without tokens),
// with the time left measured from now; "json" is one indented object per
// token; "yaml" is one document per token.
func Format(list []Info, format string, now time.Time) ([]byte, error) {
	if err := CheckFormat(format); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	for i := range list {
		switch format {
		case "json":
			b, err := json.MarshalIndent(list[i], "", "    ")
			if err != nil {
				return nil, err
			}
			buf.Write(b)
			buf.WriteByte('\n')
		case "yaml":
			b, err := yaml.Marshal(list[i])
			if err != nil {
				return nil, err
			}
			if i > 0 {
				buf.WriteString("---\n")
			}
			buf.Write(b)
		default:
			// Upstream's layout, byte for byte: the header is aligned with
			// the first row only, each later row on its own, and fixed
			// padding keeps the columns mostly straight (not after a
			// "<never>" expiry, as in upstream).
			w := tabwriter.NewWriter(&buf, 10, 4, 3, ' ', 0)
			if i == 0 {
				fmt.Fprintln(w, "TOKEN\tTTL\tEXPIRES\tUSAGES\tDESCRIPTION\tEXTRA GROUPS")
			}
			fmt.Fprintln(w, textRow(list[i], now))
			if err := w.Flush(); err != nil {
				return nil, err
			}
		}
	}
	return buf.Bytes(), nil
}

// textRow is one tab-separated row of the text table.
func textRow(t Info, now time.Time) string {
	ttl, expires := "<forever>", "<never>"
	if t.Expires != nil {
		ttl = duration.ShortHumanDuration(t.Expires.Time.Sub(now))
		expires = t.Expires.Time.Format(time.RFC3339)
	}
	orNone := func(s string) string {
		if s == "" {
			return "<none>"
		}
		return s
	}
	return fmt.Sprintf("%s\t%-9s\t%s\t%-22s\t%-56s\t%s", t.Token, ttl, expires,
		orNone(strings.Join(t.Usages, ",")), orNone(t.Description), orNone(strings.Join(t.Groups, ",")))
}
