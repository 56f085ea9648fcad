package compare

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

//go:embed driver/mdds_driver.cpp
var driverSource []byte

// InstallHint says how to get what the mdds driver needs.
const InstallHint = "install them with: apt-get install -y g++ libmdds-dev (Debian/Ubuntu; needs mdds 2.x headers)"

// ErrNoDriver is returned when the mdds driver cannot be built.
var ErrNoDriver = errors.New("mdds driver unavailable")

// mddsIncludes returns the compiler flags for the mdds 2.x headers.
func mddsIncludes() ([]string, string, error) {
	if out, err := exec.Command("pkg-config", "--cflags", "--modversion", "mdds-2.0").Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) == 2 {
			return strings.Fields(lines[1]), lines[0], nil
		}
	}
	for _, dir := range []string{"/usr/include/mdds-2.0", "/usr/local/include/mdds-2.0"} {
		if _, err := os.Stat(filepath.Join(dir, "mdds", "flat_segment_tree.hpp")); err == nil {
			return []string{"-I" + dir}, "2.x (" + dir + ")", nil
		}
	}
	return nil, "", fmt.Errorf("%w: mdds headers (mdds/flat_segment_tree.hpp) not found; %s", ErrNoDriver, InstallHint)
}

// BuildDriver compiles the driver with g++ into the user cache directory,
// reusing an earlier build of the same source with the same compiler. It
// returns the binary's path and a description of the toolchain.
func BuildDriver() (path, toolchain string, err error) {
	return BuildCxx("mdds_driver", driverSource)
}

// BuildCxx compiles the C++ program source, which includes mdds 2.x
// headers, with g++ -O2 into the user cache directory
// ($XDG_CACHE_HOME/flatseg-bench), under name and a hash of the source, the
// compiler and the flags, reusing an earlier build of the same three. It
// returns the binary's path and a description of the toolchain; an error
// wraps ErrNoDriver when g++ or the headers are missing or the build fails.
func BuildCxx(name string, source []byte) (path, toolchain string, err error) {
	if _, err := exec.LookPath("g++"); err != nil {
		return "", "", fmt.Errorf("%w: g++ not found; %s", ErrNoDriver, InstallHint)
	}
	flags, mddsVersion, err := mddsIncludes()
	if err != nil {
		return "", "", err
	}
	return BuildCxxFlags(name, source, flags, "mdds "+mddsVersion, InstallHint)
}

// BuildCxxFlags is BuildCxx for a program that needs the include flags
// flags (none for headers on the compiler's default path, as Boost's are);
// headers describes them in the toolchain, and hint, in an error, says
// how to install what is missing.
func BuildCxxFlags(name string, source []byte, flags []string, headers, hint string) (path, toolchain string, err error) {
	cxx, err := exec.LookPath("g++")
	if err != nil {
		return "", "", fmt.Errorf("%w: g++ not found; %s", ErrNoDriver, hint)
	}
	ver, err := exec.Command(cxx, "--version").Output()
	if err != nil {
		return "", "", fmt.Errorf("%w: %s --version: %w", ErrNoDriver, cxx, err)
	}
	cxxVersion, _, _ := strings.Cut(string(ver), "\n")
	args := append([]string{"-O2", "-std=c++17"}, flags...)
	toolchain = fmt.Sprintf("%s, g++ %s, %s", cxxVersion, strings.Join(args, " "), headers)

	sum := sha256.Sum256(bytes.Join([][]byte{source, ver, []byte(strings.Join(args, " "))}, []byte{0}))
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "flatseg-bench")
	path = filepath.Join(dir, name+"-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(path); err == nil {
		return path, toolchain, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	src := path + ".cpp"
	if err := os.WriteFile(src, source, 0o644); err != nil {
		return "", "", err
	}
	tmp := path + ".tmp"
	cmd := exec.Command(cxx, append(args, src, "-o", tmp, "-pthread")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("%w: %s failed: %w (%s)\n%s", ErrNoDriver, strings.Join(cmd.Args, " "), err, hint, out)
	}
	return path, toolchain, os.Rename(tmp, path)
}

// opWriter writes the op file the driver reads (format in mdds_driver.cpp).
type opWriter struct {
	w   *bufio.Writer
	buf [8]byte
	err error
}

func (o *opWriter) i64(v int64) {
	binary.LittleEndian.PutUint64(o.buf[:], uint64(v))
	if _, err := o.w.Write(o.buf[:]); err != nil && o.err == nil {
		o.err = err
	}
}

func (o *opWriter) str(s string) {
	o.i64(int64(len(s)))
	if _, err := o.w.WriteString(s); err != nil && o.err == nil {
		o.err = err
	}
}

func (o *opWriter) ops(ops []Op) {
	o.i64(int64(len(ops)))
	for _, op := range ops {
		o.i64(int64(op.Kind))
		o.i64(op.A)
		o.i64(op.B)
		o.i64(op.C)
	}
}

// setup writes base as setup id (its size).
func (o *opWriter) setup(base []Segment) {
	o.i64(1)
	o.i64(int64(len(base)))
	o.i64(0)
	o.i64(Stride * int64(len(base)))
	o.i64(0)
	o.i64(int64(len(base)))
	for _, s := range base {
		o.i64(s.Start)
		o.i64(s.End)
		o.i64(s.Value)
	}
}

func (o *opWriter) task(name, impl string, n int, empty bool, budget time.Duration, ops []Op) {
	o.i64(2)
	o.str(name)
	o.str(impl)
	o.i64(int64(n))
	o.i64(b2i(empty))
	o.i64(int64(budget))
	o.ops(ops)
}

func (o *opWriter) mem(n int) {
	o.i64(3)
	o.i64(int64(n))
}

func (o *opWriter) tput(n, readers int, d time.Duration, rate float64, writer bool, keys []Key, ops []Op) {
	o.i64(4)
	o.i64(int64(n))
	o.i64(int64(readers))
	o.i64(int64(d))
	o.i64(int64(rate))
	o.i64(b2i(writer))
	o.i64(int64(len(keys)))
	for _, k := range keys {
		o.i64(k)
	}
	o.ops(ops)
}

func newOpWriter(w io.Writer) *opWriter {
	o := &opWriter{w: bufio.NewWriterSize(w, 1<<20)}
	o.w.WriteString("FSEGOPS1")
	return o
}

func (o *opWriter) flush() error {
	if err := o.w.Flush(); err != nil && o.err == nil {
		o.err = err
	}
	return o.err
}

// runDriver runs the driver on the op file and hands every output line to
// line as it arrives.
func runDriver(path, opFile string, line func(fields []string) error) error {
	cmd := exec.Command(path, opFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	sc := bufio.NewScanner(out)
	var lineErr error
	for sc.Scan() {
		if lineErr == nil {
			lineErr = line(strings.Split(sc.Text(), "\t"))
		}
	}
	io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("mdds driver: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return lineErr
}

// errDriverOutput is returned for a line of the driver's output that
// [parseDriverLine] cannot read.
var errDriverOutput = errors.New("mdds driver: unexpected output")

// driverLine is one line of the driver's output, parsed: exactly one of its
// fields is set.
type driverLine struct {
	cell *Cell
	mem  *Memory
	tput *Throughput
}

// parseDriverLine parses the tab-separated fields of one line of the
// driver's output (see mdds_driver.cpp):
//
//	RESULT workload n impl calls ns checksum state   a timed task (ns in all)
//	MEM n impl bytes                                  the heap of a structure
//	TPUT n impl writer reader_ops writer_ops ns       a throughput case
//
// streams gives the length of each workload's op stream, readers the number
// of reader threads of the throughput test. A line it cannot read is an
// error wrapping errDriverOutput.
func parseDriverLine(fields []string, streams map[string]int, readers int) (driverLine, error) {
	want := map[string]int{"RESULT": 8, "MEM": 4, "TPUT": 7}
	r := &fieldReader{fields: fields}
	var line driverLine
	switch {
	case len(fields) == 0 || want[fields[0]] == 0:
		r.fail("unknown record")
	case len(fields) != want[fields[0]]:
		r.fail(fmt.Sprintf("%d fields, want %d", len(fields), want[fields[0]]))
	case fields[0] == "RESULT":
		line.cell = r.result(streams)
	case fields[0] == "MEM":
		line.mem = r.memory()
	default:
		line.tput = r.throughput(readers)
	}
	if r.err != nil {
		return driverLine{}, fmt.Errorf("%w: %q: %v", errDriverOutput, strings.Join(fields, "\t"), r.err)
	}
	return line, nil
}

// fieldReader reads the fields of one line of the driver's output, keeping
// the first error.
type fieldReader struct {
	fields []string
	err    error
}

func (r *fieldReader) fail(why string) {
	if r.err == nil {
		r.err = errors.New(why)
	}
}

// int returns field j as an integer.
func (r *fieldReader) int(j int) int64 {
	v, err := strconv.ParseInt(r.fields[j], 10, 64)
	if err != nil {
		r.fail(fmt.Sprintf("field %d: %v", j+1, err))
	}
	return v
}

// uint returns field j as an unsigned integer.
func (r *fieldReader) uint(j int) uint64 {
	v, err := strconv.ParseUint(r.fields[j], 10, 64)
	if err != nil {
		r.fail(fmt.Sprintf("field %d: %v", j+1, err))
	}
	return v
}

// result reads RESULT workload n impl calls ns checksum state.
func (r *fieldReader) result(streams map[string]int) *Cell {
	c := &Cell{Workload: r.fields[1], N: int(r.int(2)), Impl: r.fields[3], Calls: int(r.int(4)),
		Stream: streams[r.fields[1]], Checksum: r.uint(6), State: r.uint(7)}
	ns := r.int(5)
	if c.N < 1 || c.Calls < 0 || ns < 0 {
		r.fail("n below 1, or a negative count or time")
	}
	per := 1
	if w, ok := workload(c.Workload); ok && w.Unit == "segment" {
		per = max(c.N, 1)
	}
	c.Ns = float64(ns) / float64(max(c.Calls, 1)*per)
	return c
}

// memory reads MEM n impl bytes.
func (r *fieldReader) memory() *Memory {
	m := &Memory{N: int(r.int(1)), Impl: r.fields[2], Bytes: r.int(3)}
	if m.N < 1 {
		r.fail("n below 1")
	}
	m.PerSegment = float64(m.Bytes) / float64(max(m.N, 1))
	return m
}

// throughput reads TPUT n impl writer reader_ops writer_ops ns.
func (r *fieldReader) throughput(readers int) *Throughput {
	t := &Throughput{Impl: r.fields[2], N: int(r.int(1)), Writer: r.fields[3] == "1", Readers: readers}
	reads, writes, ns := r.int(4), r.int(5), r.int(6)
	if r.fields[3] != "0" && r.fields[3] != "1" {
		r.fail("writer is neither 0 nor 1")
	}
	if t.N < 1 || reads < 0 || writes < 0 || ns <= 0 {
		r.fail("n below 1, a negative count or a time not above 0")
	}
	sec := float64(max(ns, 1)) / 1e9
	t.Reads, t.Writes = float64(reads)/sec, float64(writes)/sec
	return t
}
