package cow

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNode_Size pins the node sizes: storing the kind took struct{} of them
// over what they were with an int count (768 bytes for 8-byte keys and
// values is a malloc size class), and head is a true prefix of node.
func TestNode_Size(t *testing.T) {
	assert.EqualValues(t, 16, unsafe.Sizeof(header{}))
	assert.EqualValues(t, 768, unsafe.Sizeof(node[int64, int64]{}))
	assert.EqualValues(t, 768, unsafe.Sizeof(node[int64, slot[struct{}]]{}))
	assert.EqualValues(t, 392, unsafe.Sizeof(node[int32, int32]{}))
	assert.EqualValues(t, 584, unsafe.Sizeof(node[int32, ptr]{}))
	assert.EqualValues(t, 112, unsafe.Sizeof(node[int8, int8]{}))
	assert.EqualValues(t, 160, unsafe.Sizeof(node[int16, bool]{}))
	assert.EqualValues(t, 1144, unsafe.Sizeof(node[float64, string]{}))
	assert.Equal(t, unsafe.Offsetof(node[int8, string]{}.keys), unsafe.Offsetof(head[int8]{}.keys))
	assert.Equal(t, unsafe.Offsetof(node[float64, int8]{}.keys), unsafe.Offsetof(head[float64]{}.keys))
	assert.Equal(t, unsafe.Offsetof(node[int32, ptr]{}.keys), unsafe.Offsetof(head[int32]{}.keys))
}

// TestNode_KindVerified checks that Verify reports a node whose stored
// kind does not match its height (in every build; the typed views check
// the kind too when built with -tags flatseg_kindcheck: kindcheck_test.go).
func TestNode_KindVerified(t *testing.T) {
	tr := NewFanout[int, int](4)
	for k := range 40 {
		tr.Set(k, k)
	}
	require.Positive(t, tr.Height())
	require.NoError(t, tr.Verify(nil))
	leaf := asInner[int, struct{}](tr.root).p[0].p
	for kindOf(leaf) != leafKind {
		leaf = asInner[int, struct{}](leaf).p[0].p
	}
	c := tr.Clone()
	(*header)(leaf).kind = innerKind // corrupt the leaf shared by both trees
	assert.ErrorIs(t, c.Verify(nil), ErrCorrupt)
	assert.ErrorContains(t, c.Verify(nil), "stored as inner, not leaf")
	(*header)(leaf).kind = leafKind
	assert.NoError(t, c.Verify(nil))
}

// TestOwner_Size pins the writer tokens, one allocation per writer: a
// token that marks holds its undo log, one that does not the last leaf it
// keeps for appends (a pointer and an origin); neither grew the other.
func TestOwner_Size(t *testing.T) {
	assert.EqualValues(t, 16, unsafe.Sizeof(owner{}))
	assert.EqualValues(t, 24, unsafe.Sizeof(markingOwner{}))
	assert.EqualValues(t, 32, unsafe.Sizeof(plainOwner{}))
}
