package merge

import (
	"strings"
	"testing"
)

// TestRun runs every way on small trees: Run fails when two disagree
// (ICL's too, where g++ and the Boost headers are installed).
func TestRun(t *testing.T) {
	res, err := Run(Config{N: 1000, Versions: 10_000, Inserts: 10, Rounds: 1, ICL: true})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := res.WriteMarkdown(&b, "test"); err != nil {
		t.Fatal(err)
	}
	for _, way := range []string{"fst.Merge", "fst.Build", "loop of Overlapping + Insert", "fst.MergeSame", "fst.Zip"} {
		if !strings.Contains(b.String(), way) {
			t.Errorf("no row for %s in\n%s", way, b.String())
		}
	}
	t.Log("\n" + b.String())
}
