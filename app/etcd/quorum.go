package etcd

import (
	"fmt"
	"strings"
)

// CheckRemoval reports whether member id can be removed while keeping a
// quorum among the remaining voters. answering holds the IDs of the voters
// that answer. Removing a learner or an absent member never affects quorum.
// Otherwise it returns an error wrapping ErrQuorumAtRisk when fewer than a
// majority of the remaining voters answer, or when no voter would remain.
func CheckRemoval(members []Member, answering map[uint64]bool, id uint64) error {
	target, ok := findByID(members, id)
	if !ok || target.IsLearner {
		return nil
	}
	remaining, up := 0, 0
	var down []string
	for _, m := range members {
		if m.IsLearner || m.ID == id {
			continue
		}
		remaining++
		if answering[m.ID] {
			up++
		} else {
			down = append(down, m.String())
		}
	}
	if remaining == 0 {
		return fmt.Errorf("%w: member %s is the last voter", ErrQuorumAtRisk, target)
	}
	if need := remaining/2 + 1; up < need {
		return fmt.Errorf("%w: removing member %s leaves %d of %d voters answering, %d needed; not answering: %s",
			ErrQuorumAtRisk, target, up, remaining, need, strings.Join(down, ", "))
	}
	return nil
}
