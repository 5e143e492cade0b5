package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/printers"
)

// listOutput is the -o of kubeadm's listings (token list, upgrade plan,
// certs check-expiration, config images list), as upstream's: text, json
// and yaml as each listing prints them, and the template formats
// (go-template, go-template-file, template, templatefile, jsonpath,
// jsonpath-as-json, jsonpath-file, with the template after "="), printed by
// k8s.io/cli-runtime's printers, with --allow-missing-template-keys and
// --show-managed-fields.
type listOutput struct {
	format            string
	allowMissingKeys  bool
	showManagedFields bool
	printer           printers.ResourcePrinter // the template printer, once checked
}

var templateFormats = []string{"go-template", "go-template-file", "template", "templatefile", "jsonpath", "jsonpath-as-json", "jsonpath-file"}

// addListOutput registers the output flags on cmd.
func addListOutput(cmd *cobra.Command) *listOutput {
	o := &listOutput{format: "text"}
	cmd.Flags().BoolVar(&o.allowMissingKeys, "allow-missing-template-keys", true, "If true, ignore any errors in templates when a field or map key is missing in the template. Only applies to golang and jsonpath output formats.")
	cmd.Flags().BoolVar(&o.showManagedFields, "show-managed-fields", false, "If true, keep the managedFields when printing objects in JSON or YAML format.")
	cmd.Flags().StringVarP(&o.format, "output", "o", "text", "Output format. One of: "+strings.Join(o.allowed(), "|")+".")
	return o
}

func (o *listOutput) allowed() []string {
	return append([]string{"text", "json", "yaml"}, templateFormats...)
}

// check refuses an unknown format or a template that does not parse,
// before the command does anything.
func (o *listOutput) check() error {
	switch o.format {
	case "text", "", "json", "yaml":
		return nil
	}
	format, tmpl, _ := strings.Cut(o.format, "=")
	known := false
	for _, f := range templateFormats {
		known = known || f == format
	}
	if !known {
		return fmt.Errorf("invalid --output %q: use one of %s (a template format takes its template after '=')", o.format, strings.Join(o.allowed(), ", "))
	}
	if tmpl == "" {
		return fmt.Errorf("--output %s: no template given: write it after '=', e.g. -o %s='{.items}'", format, format)
	}
	if strings.HasSuffix(format, "file") {
		b, err := os.ReadFile(tmpl)
		if err != nil {
			return fmt.Errorf("--output %s: read the template: %w", format, err)
		}
		tmpl = string(b)
	}
	switch format {
	case "jsonpath", "jsonpath-as-json", "jsonpath-file":
		p, err := printers.NewJSONPathPrinter(tmpl)
		if err != nil {
			return fmt.Errorf("--output %s: the JSONPath %q does not parse: %w", format, tmpl, err)
		}
		p.AllowMissingKeys(o.allowMissingKeys)
		if format == "jsonpath-as-json" {
			p.EnableJSONOutput(true)
		}
		o.printer = p
	default:
		p, err := printers.NewGoTemplatePrinter([]byte(tmpl))
		if err != nil {
			return fmt.Errorf("--output %s: the template %q does not parse: %w", format, tmpl, err)
		}
		p.AllowMissingKeys(o.allowMissingKeys)
		o.printer = p
	}
	return nil
}

// templated reports whether the output is one of the template formats.
func (o *listOutput) templated() bool { return o.printer != nil }

// builtin is the format the listing prints itself ("text", "json", "yaml").
func (o *listOutput) builtin() string {
	if o.format == "" {
		return "text"
	}
	return o.format
}

// printJSON prints each JSON object of js (the listing's -o json output)
// through the template printer.
func (o *listOutput) printJSON(w io.Writer, js []byte) error {
	dec := json.NewDecoder(bytes.NewReader(js))
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("print the output as %s: %w", o.format, err)
		}
		if err := o.printer.PrintObj(&unstructured.Unstructured{Object: obj}, w); err != nil {
			return err
		}
	}
}
