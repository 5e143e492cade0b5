package images

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

type fakePuller struct {
	present   map[string]bool
	statusErr error
	pullErr   map[string]error
	pulled    []string
}

func (f *fakePuller) ImagePresent(_ context.Context, image string) (bool, error) {
	return f.present[image], f.statusErr
}

func (f *fakePuller) PullImage(_ context.Context, image string) error {
	if err := f.pullErr[image]; err != nil {
		return fmt.Errorf("pull image %s: %w", image, err)
	}
	f.pulled = append(f.pulled, image)
	return nil
}

func TestPull(t *testing.T) {
	all := []string{"r/a:1", "r/b:1", "r/c:1"}
	cases := []struct {
		name       string
		puller     *fakePuller
		wantPulled []string
		wantOut    string
		wantErr    string
	}{
		{name: "all present", puller: &fakePuller{present: map[string]bool{"r/a:1": true, "r/b:1": true, "r/c:1": true}},
			wantOut: "[config/images] Image is present: r/a:1\n[config/images] Image is present: r/b:1\n[config/images] Image is present: r/c:1\n"},
		{name: "some missing", puller: &fakePuller{present: map[string]bool{"r/b:1": true}}, wantPulled: []string{"r/a:1", "r/c:1"},
			wantOut: "[config/images] Pulled r/a:1\n[config/images] Image is present: r/b:1\n[config/images] Pulled r/c:1\n"},
		{name: "status fails", puller: &fakePuller{statusErr: errors.New("Unavailable")}, wantPulled: all,
			wantOut: "[config/images] Pulled r/a:1\n[config/images] Pulled r/b:1\n[config/images] Pulled r/c:1\n"},
		{name: "pull fails", puller: &fakePuller{pullErr: map[string]error{"r/b:1": errors.New("connection refused")}}, wantPulled: []string{"r/a:1"},
			wantOut: "[config/images] Pulled r/a:1\n", wantErr: "pull image r/b:1: connection refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Pull(context.Background(), progress.Phase{R: &progress.Human{W: &buf}, Name: "config/images"}, c.puller, all)
			if (err == nil) != (c.wantErr == "") || (err != nil && err.Error() != c.wantErr) {
				t.Errorf("err = %v, want %q", err, c.wantErr)
			}
			if !slices.Equal(c.puller.pulled, c.wantPulled) {
				t.Errorf("pulled %v, want %v", c.puller.pulled, c.wantPulled)
			}
			if buf.String() != c.wantOut {
				t.Errorf("output %q, want %q", buf.String(), c.wantOut)
			}
		})
	}
}
