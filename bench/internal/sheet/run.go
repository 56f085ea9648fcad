package sheet

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"github.com/flatseg/flatseg/bench/internal/compare"
)

// Config says what Run measures.
type Config struct {
	Sizes   []Row // rows of each sheet
	Seed    uint64
	Rounds  int           // 0: NewSize's
	MinTime time.Duration // least time on one round's questions of one kind
	Mdds    bool          // build and run the C++ driver
	Command string        // for the report
	Log     io.Writer     // progress; nil for none
}

// Meta describes the machine and the run.
type Meta struct {
	Command   string   `json:"command"`
	Date      string   `json:"date"`
	CPU       string   `json:"cpu"`
	CPUs      int      `json:"cpus"`
	OS        string   `json:"os"`
	Go        string   `json:"go"`
	Toolchain string   `json:"toolchain,omitempty"`
	Seed      uint64   `json:"seed"`
	MinTime   string   `json:"min_time"`
	Scripts   []string `json:"scripts"` // one line per size
	Notes     []string `json:"notes,omitempty"`
}

// Cell is one way's time for one kind of question or edit at one size: the
// median over the rounds of the time per answer (or per edit, or per
// rebuild).
type Cell struct {
	Way    string  `json:"way"`
	Rows   Row     `json:"rows"`
	Kind   string  `json:"kind"`
	Ns     float64 `json:"ns"`
	Rounds int     `json:"rounds"`
}

// Results is what Run measured.
type Results struct {
	Meta  Meta     `json:"meta"`
	Ways  []string `json:"ways"` // IDs of the ways that ran
	Cells []Cell   `json:"cells"`
}

// ErrMismatch is returned by Run when two ways answered a question
// differently.
var ErrMismatch = errors.New("sheet: ways disagree")

// Run generates a script per size, runs it on every way and checks that
// all ways gave the same answers: a disagreement is an error wrapping
// ErrMismatch that names the first question of each pair of ways that
// differ. When the mdds driver cannot be built Run says so in the notes
// and measures the rest.
func Run(cfg Config) (*Results, error) {
	logf := func(format string, a ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", a...)
		}
	}
	cpu, osName := compare.Machine()
	res := &Results{Meta: Meta{
		Command: cfg.Command, Date: time.Now().UTC().Format("2006-01-02 15:04 MST"), CPU: cpu, CPUs: runtime.NumCPU(),
		OS: osName, Go: runtime.Version(), Seed: cfg.Seed, MinTime: cfg.MinTime.String(),
	}}
	driver := ""
	if cfg.Mdds {
		path, tc, err := BuildDriver()
		if err != nil {
			logf("mdds skipped: %v", err)
			res.Meta.Notes = append(res.Meta.Notes, "mdds was not measured: "+err.Error())
		} else {
			driver, res.Meta.Toolchain = path, tc
			res.Ways = append(res.Ways, MddsWay.ID)
		}
	}
	for _, w := range goWays {
		res.Ways = append(res.Ways, w.ID)
	}
	for _, rows := range cfg.Sizes {
		sz := NewSize(rows)
		if cfg.Rounds > 0 {
			sz.Rounds = cfg.Rounds
		}
		s, err := Generate(sz, cfg.Seed)
		if err != nil {
			return nil, err
		}
		res.Meta.Scripts = append(res.Meta.Scripts, fmt.Sprintf("%s; %d questions of each kind and %d edits of each kind per round", s, sz.Questions, sz.Edits))
		logf("%s", s)
		answers := map[string]Answers{}
		if driver != "" {
			t0 := time.Now()
			ans, samples, err := runMdds(driver, s, cfg.MinTime)
			if err != nil {
				return nil, err
			}
			answers[MddsWay.ID] = ans
			res.add(MddsWay.ID, rows, samples)
			logf("  %s: %s", MddsWay.Label, time.Since(t0).Round(time.Millisecond))
		}
		for _, w := range goWays {
			runtime.GC()
			t0 := time.Now()
			ans, samples := runGo(w, s, cfg.MinTime)
			answers[w.ID] = ans
			res.add(w.ID, rows, samples)
			logf("  %s: %s", w.Label, time.Since(t0).Round(time.Millisecond))
		}
		if err := agree(s, res.Ways, answers); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// add turns samples of one way and size into cells: the median per kind,
// over the rounds that have one.
func (r *Results) add(way string, rows Row, samples []sample) {
	var kinds []string
	byKind := map[string][]float64{}
	for _, s := range samples {
		if _, ok := byKind[s.kind]; !ok {
			kinds = append(kinds, s.kind)
		}
		byKind[s.kind] = append(byKind[s.kind], s.ns)
	}
	for _, k := range kinds {
		r.Cells = append(r.Cells, Cell{Way: way, Rows: rows, Kind: k, Ns: median(byKind[k]), Rounds: len(byKind[k])})
	}
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	if n := len(v); n%2 == 1 {
		return v[n/2]
	} else {
		return (v[n/2-1] + v[n/2]) / 2
	}
}

// agree checks every way's answers against the first way's, question by
// question, and returns an error naming the first difference of each way
// that differs.
func agree(s *Script, ways []string, answers map[string]Answers) error {
	var errs []error
	ref := ways[0]
	for _, w := range ways[1:] {
	check:
		for ri, r := range s.Rounds {
			for _, q := range Questions {
				want, got := answers[ref][ri][q], answers[w][ri][q]
				for i, x := range r.Questions[q] {
					if want[i] != got[i] {
						errs = append(errs, fmt.Errorf("%w: %d rows, round %d, %s question %d (a=%d b=%d): %s answers %d, %s answers %d",
							ErrMismatch, s.Rows, ri, q.ID(), i, x.A, x.B, ref, want[i], w, got[i]))
						break check
					}
				}
			}
		}
	}
	return errors.Join(errs...)
}
