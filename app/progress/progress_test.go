package progress

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestJSONEvents(t *testing.T) {
	var buf bytes.Buffer
	j := &JSON{W: &buf, Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }}
	j.PhaseStart("certs")
	j.Info("certs", "generated ca")
	j.PhaseEnd("certs", 1500*time.Millisecond, nil)
	j.PhaseEnd("etcd", time.Second, errors.New("boom"))
	j.Result(map[string]string{"joinCommand": "kubeadm join ..."})
	var events []Event
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		events = append(events, e)
	}
	if len(events) != 5 {
		t.Fatalf("%d events", len(events))
	}
	if events[0].Event != "phase-start" || events[0].Phase != "certs" || events[0].Time != "2026-01-02T03:04:05Z" {
		t.Errorf("start event %+v", events[0])
	}
	if events[2].Event != "phase-end" || *events[2].Duration != 1.5 || *events[2].Error != "" {
		t.Errorf("end event %+v", events[2])
	}
	if *events[3].Error != "boom" {
		t.Errorf("failed end event %+v", events[3])
	}
	if r, ok := events[4].Result.(map[string]any); !ok || r["joinCommand"] != "kubeadm join ..." {
		t.Errorf("result event %+v", events[4])
	}
}

func TestHuman(t *testing.T) {
	var buf bytes.Buffer
	h := &Human{W: &buf}
	p := Phase{R: h, Name: "kubelet-start"}
	p.Infof("writing %s", "/var/lib/kubelet/config.yaml")
	p.Warnf("the kubelet is not running")
	h.PhaseEnd("kubelet-start", 250*time.Millisecond, nil)
	h.PhaseEnd("wait-control-plane", 2*time.Second, errors.New("x"))
	want := "[kubelet-start] writing /var/lib/kubelet/config.yaml\n[kubelet-start] WARNING: the kubelet is not running\n[kubelet-start] done in 250ms\n[wait-control-plane] failed after 2s\n"
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
	if strings.Count(buf.String(), "\n") != 4 {
		t.Error("one line per call")
	}
}
