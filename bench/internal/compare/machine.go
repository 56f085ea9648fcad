package compare

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Meta describes the machine and the run.
type Meta struct {
	Command    string   `json:"command"`
	Date       string   `json:"date"`
	CPU        string   `json:"cpu"`
	CPUs       int      `json:"cpus"`
	GOMAXPROCS int      `json:"gomaxprocs"`
	OS         string   `json:"os"`
	Go         string   `json:"go"`
	Toolchain  string   `json:"toolchain,omitempty"` // C++ compiler and mdds
	Seed       uint64   `json:"seed"`
	Stream     int      `json:"stream"`
	Budget     string   `json:"budget"`
	Batch      int      `json:"batch"`
	Readers    int      `json:"readers"`
	TputFor    string   `json:"throughput_duration"`
	WriteRate  float64  `json:"write_rate"`
	Notes      []string `json:"notes,omitempty"`
}

// collectMeta describes this machine and cfg.
func collectMeta(cfg Config) Meta {
	m := Meta{
		Command: cfg.Command, Date: time.Now().UTC().Format("2006-01-02 15:04 MST"),
		CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version(),
		Seed: cfg.Seed, Stream: cfg.Stream,
		Budget: cfg.Budget.String(), Batch: cfg.Batch, Readers: cfg.Readers, TputFor: cfg.TputDuration.String(), WriteRate: cfg.WriteRate,
	}
	m.CPU, m.OS = Machine()
	return m
}

// Machine returns the CPU's model name ("" when unknown) and the kernel and
// architecture.
func Machine() (cpu, osName string) {
	osName = runtime.GOOS + "/" + runtime.GOARCH
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if out, err := exec.Command("uname", "-sr").Output(); err == nil {
		osName = strings.TrimSpace(string(out)) + " " + runtime.GOARCH
	}
	return cpu, osName
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
