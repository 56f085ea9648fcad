//go:build flatseg_kindcheck

package cow

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNode_KindChecked: built with -tags flatseg_kindcheck, a typed view
// of a node of the other kind panics, naming both kinds.
func TestNode_KindChecked(t *testing.T) {
	tr := NewFanout[int, int](4)
	for k := range 40 {
		tr.Set(k, k)
	}
	require.Positive(t, tr.Height())
	root := tr.root
	assert.PanicsWithValue(t, "cow: node "+ptrString(root)+" viewed as leaf but stored as inner", func() { asLeaf[int, int](root) })
	leaf := asInner[int, struct{}](root).p[0].p
	for kindOf(leaf) != leafKind {
		leaf = asInner[int, struct{}](leaf).p[0].p
	}
	assert.Panics(t, func() { asInner[int, struct{}](leaf) })
	assert.NotPanics(t, func() { asLeaf[int, int](leaf) })
}

func ptrString(p ptr) string { return fmt.Sprintf("%p", p) }
