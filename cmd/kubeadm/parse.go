package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// parseFeatureGates parses "A=true,B=false".
func parseFeatureGates(s string) (map[string]bool, error) {
	gates := map[string]bool{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return nil, fmt.Errorf("--feature-gates: %q is not key=value", kv)
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("--feature-gates: the value of %s must be true or false, not %q", k, v)
		}
		gates[k] = b
	}
	return gates, nil
}

func parseDuration(flag, s string) (*metav1.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %q is not a duration like 24h0m0s or 30m", flag, s)
	}
	if d < 0 {
		return nil, fmt.Errorf("%s: %s must not be negative (0 means never expires)", flag, s)
	}
	return &metav1.Duration{Duration: d}, nil
}
