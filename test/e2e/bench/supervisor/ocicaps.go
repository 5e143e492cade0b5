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
	return editObject(doc, field, func(obj map[string]json.RawMessage) (bool, error) {
		raw, ok := obj["capabilities"]
		if !ok {
			return false, nil
		}
		var sets map[string][]string
		if err := json.Unmarshal(raw, &sets); err != nil {
			return false, fmt.Errorf("capabilities: %w", err)
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
			return false, nil
		}
		b, err := json.Marshal(sets)
		obj["capabilities"] = b
		return true, err
	})
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
