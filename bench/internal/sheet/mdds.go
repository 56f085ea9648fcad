package sheet

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/flatseg/flatseg/bench/internal/compare"
)

//go:embed driver/sheet_driver.cpp
var driverSource []byte

// BuildDriver compiles the sheet driver (see compare.BuildCxx), returning
// its path and the toolchain; the error wraps compare.ErrNoDriver when g++
// or the mdds headers are missing.
func BuildDriver() (path, toolchain string, err error) {
	return compare.BuildCxx("sheet_driver", driverSource)
}

// WriteTo writes the script in the driver's format (see sheet_driver.cpp).
func (s *Script) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	var n int64
	var buf [8]byte
	i64 := func(v int64) {
		binary.LittleEndian.PutUint64(buf[:], uint64(v))
		bw.Write(buf[:]) // a bufio.Writer keeps its first error for Flush
		n += 8
	}
	args := func(xs []Args) {
		i64(int64(len(xs)))
		for _, x := range xs {
			i64(x.A)
			i64(x.B)
			i64(x.C)
		}
	}
	runs := func(rs []Span) {
		i64(int64(len(rs)))
		for _, r := range rs {
			i64(r.Start)
			i64(r.End)
			i64(r.Value)
		}
	}
	bw.WriteString("FSHEET01")
	n += 8
	i64(int64(s.Rows))
	runs(s.Heights)
	runs(s.Hidden)
	i64(int64(len(s.Rounds)))
	for _, r := range s.Rounds {
		for _, e := range Edits {
			args(r.Edits[e])
		}
		for _, q := range Questions {
			args(r.Questions[q])
		}
	}
	return n, bw.Flush()
}

// errDriverOutput is returned for a line of the driver's output that
// parseLine cannot read.
var errDriverOutput = errors.New("sheet driver: unexpected output")

// parseLine parses one line of the driver's output (see sheet_driver.cpp)
// into a sample: ns per edit, per build of both trees, or per answer.
func parseLine(line string) (sample, error) {
	f := strings.Split(line, "\t")
	want := map[string]int{"EDIT": 5, "BUILD": 3, "ASK": 6}
	if len(f) == 0 || want[f[0]] == 0 || len(f) != want[f[0]] {
		return sample{}, fmt.Errorf("%w: %q", errDriverOutput, line)
	}
	nums := make([]int64, len(f)-1)
	for i, s := range f[1:] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return sample{}, fmt.Errorf("%w: %q: field %d", errDriverOutput, line, i+2)
		}
		nums[i] = v
	}
	round, ns := int(nums[0]), float64(nums[len(nums)-1])
	switch f[0] {
	case "EDIT":
		if nums[1] >= int64(numEdits) {
			return sample{}, fmt.Errorf("%w: %q: no edit kind %d", errDriverOutput, line, nums[1])
		}
		return sample{round, Edit(nums[1]).ID(), ns / float64(max(nums[2], 1))}, nil
	case "BUILD":
		return sample{round, rebuildID, ns}, nil
	}
	if nums[1] >= int64(numQuestions) {
		return sample{}, fmt.Errorf("%w: %q: no question kind %d", errDriverOutput, line, nums[1])
	}
	return sample{round, Question(nums[1]).ID(), ns / float64(max(nums[2]*nums[3], 1))}, nil
}

// runMdds runs s in the driver at path, in a temporary directory.
func runMdds(path string, s *Script, minTime time.Duration) (Answers, []sample, error) {
	dir, err := os.MkdirTemp("", "flatseg-sheet-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	scriptFile, ansFile := filepath.Join(dir, "script"), filepath.Join(dir, "answers")
	f, err := os.Create(scriptFile)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.WriteTo(f); err != nil {
		f.Close()
		return nil, nil, err
	}
	if err := f.Close(); err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(path, scriptFile, ansFile, strconv.FormatInt(minTime.Nanoseconds(), 10))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, nil, fmt.Errorf("sheet driver: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var samples []sample
	for line := range strings.Lines(stdout.String()) {
		sm, err := parseLine(strings.TrimRight(line, "\n"))
		if err != nil {
			return nil, nil, err
		}
		samples = append(samples, sm)
	}
	raw, err := os.ReadFile(ansFile)
	if err != nil {
		return nil, nil, err
	}
	ans := make(Answers, len(s.Rounds))
	for ri, r := range s.Rounds {
		for _, q := range Questions {
			n := len(r.Questions[q])
			if len(raw) < 8*n {
				return nil, nil, fmt.Errorf("%w: the answers file ends in round %d", errDriverOutput, ri)
			}
			a := make([]int64, n)
			for i := range a {
				a[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
			}
			ans[ri][q], raw = a, raw[8*n:]
		}
	}
	if len(raw) != 0 {
		return nil, nil, fmt.Errorf("%w: %d bytes past the last answer", errDriverOutput, len(raw))
	}
	return ans, samples, nil
}
