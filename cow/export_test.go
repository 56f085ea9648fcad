package cow

import "github.com/flatseg/flatseg/internal/tune"

// SetFanout lowers the logical node capacity for the duration of a test, so
// that a few dozen keys build a tree several levels deep.
var SetFanout = tune.SetFanout
