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
	cxx, err := exec.LookPath("g++")
	if err != nil {
		return "", "", fmt.Errorf("%w: g++ not found; %s", ErrNoDriver, InstallHint)
	}
	flags, mddsVersion, err := mddsIncludes()
	if err != nil {
		return "", "", err
	}
	ver, err := exec.Command(cxx, "--version").Output()
	if err != nil {
		return "", "", fmt.Errorf("%w: %s --version: %w", ErrNoDriver, cxx, err)
	}
	cxxVersion, _, _ := strings.Cut(string(ver), "\n")
	args := append([]string{"-O2", "-std=c++17"}, flags...)
	toolchain = fmt.Sprintf("%s, g++ %s, mdds %s", cxxVersion, strings.Join(args, " "), mddsVersion)

	sum := sha256.Sum256(bytes.Join([][]byte{driverSource, ver, []byte(strings.Join(args, " "))}, []byte{0}))
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "flatseg-bench")
	path = filepath.Join(dir, "mdds_driver-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(path); err == nil {
		return path, toolchain, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	src := path + ".cpp"
	if err := os.WriteFile(src, driverSource, 0o644); err != nil {
		return "", "", err
	}
	tmp := path + ".tmp"
	cmd := exec.Command(cxx, append(args, src, "-o", tmp, "-pthread")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("%w: %s failed: %w\n%s", ErrNoDriver, strings.Join(cmd.Args, " "), err, out)
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

func atoi(s string) int64 {
	v, _ := strconv.ParseInt(s, 10, 64)
	return v
}
