package sheet

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWays_Agree runs small scripts on the dense model (the oracle), every
// Go way and, in subtest mdds, mdds with Calc's loops, and checks every
// answer of every round against the model.
func TestWays_Agree(t *testing.T) {
	for _, rows := range []Row{2, 97, 10_000} {
		t.Run(fmt.Sprintf("rows=%d", rows), func(t *testing.T) {
			sz := NewSize(rows)
			sz.Rounds, sz.Questions = 4, 64
			s, err := Generate(sz, 7)
			require.NoError(t, err)

			oracle := Way{ID: "model", New: func(s *Script) Sheet { return s.Model() }}
			ids := []string{oracle.ID}
			want, _ := runGo(oracle, s, 0)
			answers := map[string]Answers{oracle.ID: want}
			for _, w := range GoWays() {
				answers[w.ID], _ = runGo(w, s, 0)
				ids = append(ids, w.ID)
			}
			require.NoError(t, agree(s, ids, answers))

			t.Run("mdds", func(t *testing.T) {
				path := mddsDriver(t)
				ans, samples, err := runMdds(path, s, 0)
				require.NoError(t, err)
				answers[MddsWay.ID] = ans
				assert.Len(t, samples, len(s.Rounds)*len(Questions)+(len(s.Rounds)-1)*(len(Edits)+1), "one line per batch")
				require.NoError(t, agree(s, []string{oracle.ID, MddsWay.ID}, answers))
			})
		})
	}
}

// mddsDriver builds the driver, or skips the test when g++ or the mdds
// headers are missing (fails instead with FLATSEG_REQUIRE_MDDS=1, as CI
// sets).
func mddsDriver(t *testing.T) string {
	path, _, err := BuildDriver()
	if err == nil {
		return path
	}
	if os.Getenv("FLATSEG_REQUIRE_MDDS") == "1" {
		t.Fatalf("FLATSEG_REQUIRE_MDDS=1 and the mdds driver cannot be built: %v", err)
	}
	t.Skipf("mdds left out (the Go ways were still compared with the model): the driver needs g++ and libmdds-dev: %v", err)
	return ""
}

// TestAgree_Mismatch checks that a wrong answer is reported with its
// question.
func TestAgree_Mismatch(t *testing.T) {
	sz := NewSize(100)
	sz.Rounds, sz.Questions = 2, 4
	s, err := Generate(sz, 1)
	require.NoError(t, err)
	oracle := Way{ID: "model", New: func(s *Script) Sheet { return s.Model() }}
	good, _ := runGo(oracle, s, 0)
	bad, _ := runGo(oracle, s, 0)
	bad[1][VisibleCount][2]++
	err = agree(s, []string{"model", "bad"}, map[string]Answers{"model": good, "bad": bad})
	require.ErrorIs(t, err, ErrMismatch)
	assert.ErrorContains(t, err, "round 1, visible-count question 2")
}

func TestGenerate_Deterministic(t *testing.T) {
	a, err := Generate(NewSize(1000), 3)
	require.NoError(t, err)
	b, err := Generate(NewSize(1000), 3)
	require.NoError(t, err)
	var ba, bb bytes.Buffer
	_, err = a.WriteTo(&ba)
	require.NoError(t, err)
	_, err = b.WriteTo(&bb)
	require.NoError(t, err)
	assert.Equal(t, ba.Bytes(), bb.Bytes())
	c, err := Generate(NewSize(1000), 4)
	require.NoError(t, err)
	assert.NotEqual(t, a.Heights, c.Heights, "another seed, another sheet")

	_, err = Generate(Size{Rows: 1, Rounds: 1, Questions: 1}, 1)
	assert.Error(t, err)
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		line string
		want sample
	}{
		{"EDIT\t2\t1\t16\t3200", sample{2, DeleteRows.ID(), 200}},
		{"BUILD\t3\t5000", sample{3, rebuildID, 5000}},
		{"ASK\t0\t4\t256\t4\t1024000", sample{0, PrevVisible.ID(), 1000}},
	}
	for _, tc := range tests {
		got, err := parseLine(tc.line)
		require.NoError(t, err, "%q", tc.line)
		assert.Equal(t, tc.want, got, "%q", tc.line)
	}
	for _, line := range []string{"", "EDIT\t1\t2\t3", "ASK\t0\t6\t1\t1\t1", "EDIT\t0\t5\t1\t1", "BUILD\t1\tx", "BUILD\t-1\t2", "HELLO\t1\t2"} {
		_, err := parseLine(line)
		assert.ErrorIs(t, err, errDriverOutput, "%q", strings.ReplaceAll(line, "\t", " "))
	}
}
