// Package progress reports what a command is doing: one line per phase
// with its elapsed time for people, or one JSON event per line for
// machines. Phases never print; they report through a Reporter.
package progress

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Reporter receives a command's progress.
type Reporter interface {
	PhaseStart(phase string)
	PhaseEnd(phase string, elapsed time.Duration, err error)
	PhaseSkipped(phase, reason string)
	// Info and Warn carry messages of a phase ("" outside any phase).
	Info(phase, msg string)
	Warn(phase, msg string)
	// Result ends the command with its machine-readable outcome.
	Result(v any)
}

// DetailLevel is the -v level from which details (what each phase reads
// and writes) are shown, as upstream's klog V(5).
const DetailLevel = 5

// Detailer is a Reporter that can show details at a verbosity.
type Detailer interface {
	// Detail carries a message shown only at DetailLevel and above.
	Detail(phase, msg string)
}

// Human writes lines like "[certs] done in 0.21s" to w.
type Human struct {
	mu sync.Mutex
	W  io.Writer
	// Verbose also prints phase starts.
	Verbose bool
	// Verbosity is the -v level; details are printed from DetailLevel on.
	Verbosity int
	running   runningPhase
}

// runningPhase remembers the phase that started last, for details reported
// outside one (the file observer knows no phase).
type runningPhase struct {
	mu   sync.Mutex
	name string
}

func (r *runningPhase) set(phase string) {
	r.mu.Lock()
	r.name = phase
	r.mu.Unlock()
}

// or returns phase, or the running one when phase is "".
func (r *runningPhase) or(phase string) string {
	if phase != "" {
		return phase
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.name
}

// Detail prints a detail line at DetailLevel and above; "" is the running
// phase.
func (h *Human) Detail(phase, msg string) {
	if h.Verbosity >= DetailLevel {
		h.printf("%s%s\n", prefix(h.running.or(phase)), msg)
	}
}

func prefix(phase string) string {
	if phase == "" {
		return ""
	}
	return "[" + phase + "] "
}

// PhaseStart prints nothing unless verbose: the end line carries the time.
func (h *Human) PhaseStart(phase string) {
	h.running.set(phase)
	if h.Verbose {
		h.printf("%sstarting\n", prefix(phase))
	}
}

// PhaseEnd prints the phase's outcome and elapsed time.
func (h *Human) PhaseEnd(phase string, elapsed time.Duration, err error) {
	if err != nil {
		h.printf("%sfailed after %s\n", prefix(phase), round(elapsed))
		return
	}
	h.printf("%sdone in %s\n", prefix(phase), round(elapsed))
}

// PhaseSkipped prints why the phase did not run.
func (h *Human) PhaseSkipped(phase, reason string) {
	h.printf("%sskipped: %s\n", prefix(phase), reason)
}

// Info prints a message.
func (h *Human) Info(phase, msg string) { h.printf("%s%s\n", prefix(phase), msg) }

// Warn prints a warning.
func (h *Human) Warn(phase, msg string) { h.printf("%sWARNING: %s\n", prefix(phase), msg) }

// Result prints nothing: the command prints its own summary for people.
func (h *Human) Result(any) {}

func (h *Human) printf(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fmt.Fprintf(h.W, format, args...)
}

func round(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Millisecond)
}

// Event is one line of JSON output.
type Event struct {
	Event    string   `json:"event"` // phase-start, phase-end, phase-skipped, info, warning, detail, result
	Phase    string   `json:"phase,omitempty"`
	Time     string   `json:"time"`
	Duration *float64 `json:"durationSeconds,omitempty"`
	Error    *string  `json:"error,omitempty"`
	Message  string   `json:"message,omitempty"`
	Result   any      `json:"result,omitempty"`
}

// JSON writes one Event per line to W.
type JSON struct {
	mu  sync.Mutex
	W   io.Writer
	Now func() time.Time
	// Verbosity is the -v level; detail events are emitted from DetailLevel on.
	Verbosity int
	running   runningPhase
}

// Detail emits a detail event at DetailLevel and above; "" is the running
// phase.
func (j *JSON) Detail(phase, msg string) {
	if j.Verbosity >= DetailLevel {
		j.emit(Event{Event: "detail", Phase: j.running.or(phase), Message: msg})
	}
}

func (j *JSON) emit(e Event) {
	now := time.Now
	if j.Now != nil {
		now = j.Now
	}
	e.Time = now().UTC().Format(time.RFC3339Nano)
	b, _ := json.Marshal(e)
	j.mu.Lock()
	defer j.mu.Unlock()
	j.W.Write(append(b, '\n')) //nolint:errcheck // progress output is best effort
}

// PhaseStart emits a phase-start event.
func (j *JSON) PhaseStart(phase string) {
	j.running.set(phase)
	j.emit(Event{Event: "phase-start", Phase: phase})
}

// PhaseEnd emits a phase-end event with the duration and the error (or "").
func (j *JSON) PhaseEnd(phase string, elapsed time.Duration, err error) {
	secs := elapsed.Seconds()
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	j.emit(Event{Event: "phase-end", Phase: phase, Duration: &secs, Error: &msg})
}

// PhaseSkipped emits a phase-skipped event.
func (j *JSON) PhaseSkipped(phase, reason string) {
	j.emit(Event{Event: "phase-skipped", Phase: phase, Message: reason})
}

// Info emits an info event.
func (j *JSON) Info(phase, msg string) { j.emit(Event{Event: "info", Phase: phase, Message: msg}) }

// Warn emits a warning event.
func (j *JSON) Warn(phase, msg string) { j.emit(Event{Event: "warning", Phase: phase, Message: msg}) }

// Result emits the final result event.
func (j *JSON) Result(v any) { j.emit(Event{Event: "result", Result: v}) }

// Phase is a Reporter bound to one phase, handed to the phase's code.
type Phase struct {
	R    Reporter
	Name string
}

// Infof reports a message of the phase.
func (p Phase) Infof(format string, args ...any) { p.R.Info(p.Name, fmt.Sprintf(format, args...)) }

// Detailf reports a detail of the phase (what it reads or writes), shown
// only at DetailLevel and above.
func (p Phase) Detailf(format string, args ...any) { Detail(p.R, p.Name, fmt.Sprintf(format, args...)) }

// Detail hands msg to r when r shows details.
func Detail(r Reporter, phase, msg string) {
	if d, ok := r.(Detailer); ok {
		d.Detail(phase, msg)
	}
}

// Warnf reports a warning of the phase.
func (p Phase) Warnf(format string, args ...any) { p.R.Warn(p.Name, fmt.Sprintf(format, args...)) }
