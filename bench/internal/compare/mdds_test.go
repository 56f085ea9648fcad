package compare

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDriverLine(t *testing.T) {
	streams := map[string]int{"search-random": 4096, "iterate": 16}
	tests := []struct {
		name string
		line string
		want driverLine
	}{
		{
			name: "result per op",
			line: "RESULT\tsearch-random\t1000\tmdds\t2048\t1024000\t18446744073709551615\t7",
			want: driverLine{cell: &Cell{Workload: "search-random", Impl: "mdds", N: 1000, Calls: 2048, Stream: 4096,
				Ns: 500, Checksum: 1<<64 - 1, State: 7}},
		},
		{
			name: "result per segment: iteration divides by n",
			line: "RESULT\titerate\t1000\tmdds\t4\t20000\t1\t2",
			want: driverLine{cell: &Cell{Workload: "iterate", Impl: "mdds", N: 1000, Calls: 4, Stream: 16,
				Ns: 5, Checksum: 1, State: 2}},
		},
		{
			name: "result of an unknown workload: per op, stream unknown",
			line: "RESULT\tsearch\t10\tmdds\t0\t300\t0\t0",
			want: driverLine{cell: &Cell{Workload: "search", Impl: "mdds", N: 10, Ns: 300}},
		},
		{
			name: "memory",
			line: "MEM\t1000\tmdds-leaves\t80000",
			want: driverLine{mem: &Memory{Impl: "mdds-leaves", N: 1000, Bytes: 80000, PerSegment: 80}},
		},
		{
			name: "memory may shrink",
			line: "MEM\t1000\tmdds\t-4000",
			want: driverLine{mem: &Memory{Impl: "mdds", N: 1000, Bytes: -4000, PerSegment: -4}},
		},
		{
			name: "throughput with a writer",
			line: "TPUT\t1000\tmdds\t1\t3000000\t500\t500000000",
			want: driverLine{tput: &Throughput{Impl: "mdds", N: 1000, Writer: true, Readers: 3, Reads: 6e6, Writes: 1000}},
		},
		{
			name: "throughput, readers only",
			line: "TPUT\t10\tmdds\t0\t100\t0\t1000000000",
			want: driverLine{tput: &Throughput{Impl: "mdds", N: 10, Readers: 3, Reads: 100}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseDriverLine(strings.Split(tc.line, "\t"), streams, 3)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseDriverLine_Bad(t *testing.T) {
	tests := []struct{ line, why string }{
		{"", "unknown record"},
		{"HELLO\t1", "unknown record"},
		{"RESULT\tsearch-random\t1000\tmdds\t2048\t1024000\t1", "7 fields, want 8"},
		{"MEM\t1000\tmdds\t1\t2", "5 fields, want 4"},
		{"TPUT\t1000\tmdds\t1\t3\t4", "6 fields, want 7"},
		{"RESULT\tsearch-random\t1e3\tmdds\t2048\t1024000\t1\t2", "field 3"},
		{"RESULT\tsearch-random\t1000\tmdds\t2048\t1024000\t-1\t2", "field 7"},
		{"RESULT\tsearch-random\t1000\tmdds\t2048\t-5\t1\t2", "negative count or time"},
		{"RESULT\tsearch-random\t0\tmdds\t2048\t5\t1\t2", "n below 1"},
		{"MEM\t0\tmdds\t100", "n below 1"},
		{"MEM\t10\tmdds\tlots", "field 4"},
		{"TPUT\t1000\tmdds\tyes\t3\t4\t5", "writer is neither 0 nor 1"},
		{"TPUT\t1000\tmdds\t1\t3\t4\t0", "a time not above 0"},
		{"TPUT\t1000\tmdds\t1\t3\tx\t10", "field 6"},
	}
	for _, tc := range tests {
		got, err := parseDriverLine(strings.Split(tc.line, "\t"), nil, 1)
		require.ErrorIs(t, err, errDriverOutput, "%q", tc.line)
		assert.ErrorContains(t, err, tc.why, "%q", tc.line)
		assert.Equal(t, driverLine{}, got, "%q: nothing parsed on error", tc.line)
	}
}
