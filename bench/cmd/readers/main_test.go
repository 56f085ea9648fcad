package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/bench/internal/readers"
)

var (
	rateCell = regexp.MustCompile(`^[0-9]{1,3}(,[0-9]{3})*$|^[0-9.]+ M$`)
	durCell  = regexp.MustCompile(`^[0-9.]+ (ns|µs|ms|s)$`)
)

// TestRun_Quick runs the command's quick mode and checks that its table is
// well formed and has one row per case, and that every case ran every run.
// It asserts nothing about the figures: they are timings on whatever
// machine runs the test.
func TestRun_Quick(t *testing.T) {
	var out, log bytes.Buffer
	require.NoError(t, run([]string{"-quick"}, &out, &log), "stderr:\n%s", log.String())
	quick := readers.Quick()

	rows := map[string][]string{}
	var order []string
	for line := range strings.Lines(out.String()) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		id := strings.Trim(cells[0], "`")
		require.NotContains(t, rows, id, "case %s has two rows", id)
		rows[id] = cells[1:]
		order = append(order, id)
	}
	assert.Contains(t, out.String(), "| case | configuration | "+strings.Join(readers.Columns, " | ")+" |")
	assert.Contains(t, out.String(), "`go -C bench run ./cmd/readers -quick`")
	assert.Contains(t, out.String(), fmt.Sprintf("Each case ran %d times", quick.Runs))

	var want []string
	for _, c := range readers.Cases {
		want = append(want, c.ID)
	}
	require.Equal(t, want, order, "one row per case, in order")
	for _, id := range want {
		cells := rows[id]
		require.Len(t, cells, 1+len(readers.Columns), "case %s", id)
		assert.NotEmpty(t, cells[0], "case %s: label", id)
		assert.Regexp(t, rateCell, cells[1], "case %s: commits/s", id)
		commits, err := strconv.ParseFloat(strings.ReplaceAll(cells[1], ",", ""), 64)
		if err == nil { // the " M" form is above any pace the quick mode sets
			assert.Positive(t, commits, "case %s: commits/s", id)
		}
		for i, col := range readers.Columns[1:7] {
			assert.Regexp(t, durCell, cells[2+i], "case %s: %s", id, col)
		}
		if id == "none" {
			assert.Equal(t, "–", cells[8], "the baseline has no readers")
		} else {
			assert.Regexp(t, rateCell, cells[8], "case %s: searches/s", id)
		}
		runs := regexp.MustCompile(`(?m)^run [0-9]+/` + strconv.Itoa(quick.Runs) + ` ` + regexp.QuoteMeta(id) + ` +[0-9]+ commits/s`)
		assert.Len(t, runs.FindAllString(log.String(), -1), quick.Runs, "case %s: one log line per run", id)
	}
}

func TestRun_Flags(t *testing.T) {
	var out, log bytes.Buffer
	err := run([]string{"-quick", "-runs", "1", "-duration", "20ms", "-readers", "3", "-rate", "500", "-cases", "busy, none"}, &out, &log)
	require.NoError(t, err, "stderr:\n%s", log.String())
	assert.Contains(t, out.String(), "| `busy` | 3 busy readers, unbounded |")
	assert.Contains(t, out.String(), "| `none` |")
	assert.NotContains(t, out.String(), "| `sem-p-1` |")
	assert.Contains(t, out.String(), "500 commits/s")
	assert.Less(t, strings.Index(out.String(), "`busy`"), strings.Index(out.String(), "`none`"), "the order of -cases")

	out.Reset()
	require.NoError(t, run([]string{"-h"}, &out, &log), "-h prints the usage and runs nothing")
	assert.Empty(t, out.String())

	for _, args := range [][]string{
		{"-cases", "nope"},
		{"-runs", "0"},
		{"-rate", "0"},
		{"-readers", "0"},
		{"-duration", "-1s"},
		{"-hold", "0"},
		{"extra"},
	} {
		out.Reset()
		assert.Error(t, run(args, &out, &log), "%q", args)
		assert.Empty(t, out.String(), "%q", args)
	}
}
