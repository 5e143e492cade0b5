package supervisor

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// capabilityNames are Linux's capabilities in bit order
// (include/uapi/linux/capability.h).
var capabilityNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// capabilitySets are the members of an OCI process's "capabilities".
var capabilitySets = []string{"bounding", "effective", "permitted", "inheritable", "ambient"}

// ownBoundingSet reads this process's capability bounding set (CapBnd).
func ownBoundingSet() (uint64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("read own capabilities: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return 0, fmt.Errorf("read own capabilities: CapBnd %q: %w", v, err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("read own capabilities: no CapBnd in /proc/self/status")
}

// capsWithin keeps, in every capability set of the process at field (the
// spec's "process", or the whole document for exec's --process), only the
// capabilities in bounding. A privileged CRI-O container asks for every
// capability the runtime knows, while containerd asks only for those it
// holds itself; runc cannot grant what it lacks ("unable to apply caps").
// Names this table does not know are kept.
func capsWithin(doc []byte, field []string, bounding uint64) ([]byte, bool, error) {
	var root map[string]json.RawMessage
	if err := json.Unmarshal(doc, &root); err != nil {
		return nil, false, err
	}
	var parents []map[string]json.RawMessage
	obj := root
	for _, k := range field {
		raw, ok := obj[k]
		if !ok {
			return doc, false, nil
		}
		var next map[string]json.RawMessage
		if err := json.Unmarshal(raw, &next); err != nil {
			return nil, false, fmt.Errorf("%s: %w", k, err)
		}
		parents = append(parents, obj)
		obj = next
	}
	raw, ok := obj["capabilities"]
	if !ok {
		return doc, false, nil
	}
	var sets map[string][]string
	if err := json.Unmarshal(raw, &sets); err != nil {
		return nil, false, fmt.Errorf("capabilities: %w", err)
	}
	changed := false
	for _, set := range capabilitySets {
		names, ok := sets[set]
		if !ok {
			continue
		}
		kept := make([]string, 0, len(names))
		for _, n := range names {
			if bit := capabilityBit(n); bit >= 0 && bounding&(1<<uint(bit)) == 0 {
				changed = true
				continue
			}
			kept = append(kept, n)
		}
		sets[set] = kept
	}
	if !changed {
		return doc, false, nil
	}
	var err error
	if obj["capabilities"], err = json.Marshal(sets); err != nil {
		return nil, false, err
	}
	for i := len(parents) - 1; i >= 0; i-- {
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, false, err
		}
		parents[i][field[i]] = b
		obj = parents[i]
	}
	out, err := json.Marshal(obj)
	return out, true, err
}

// capabilityBit is the bit of a capability name, or -1 when unknown.
func capabilityBit(name string) int {
	for i, n := range capabilityNames {
		if strings.EqualFold(n, name) {
			return i
		}
	}
	return -1
}
