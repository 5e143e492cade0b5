package etcd

import (
	"os"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	// Fast retries keep the join tests short.
	joinRetryInterval = 100 * time.Millisecond
	os.Exit(m.Run())
}
