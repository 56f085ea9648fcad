package readers

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDist(t *testing.T) {
	assert.Equal(t, Dist{}, dist(nil))
	ds := make([]time.Duration, 100)
	for i := range ds {
		ds[len(ds)-1-i] = time.Duration(i+1) * time.Microsecond
	}
	d := dist(ds)
	assert.Equal(t, Dist{P50: 51 * time.Microsecond, P99: 99 * time.Microsecond, Max: 100 * time.Microsecond}, d)
	assert.Equal(t, Dist{P50: 7, P99: 7, Max: 7}, dist([]time.Duration{7}))
}

func TestMedianSample(t *testing.T) {
	ss := []Sample{
		{Commits: 30, CommitsPS: 3, Late: Dist{Max: 9}, SearchesPS: 1},
		{Commits: 10, CommitsPS: 1, Late: Dist{Max: 1}, SearchesPS: 3},
		{Commits: 20, CommitsPS: 2, Late: Dist{Max: 5}, SearchesPS: 2},
	}
	m := medianSample(ss)
	assert.Equal(t, 20, m.Commits)
	assert.Equal(t, 2.0, m.CommitsPS)
	assert.Equal(t, time.Duration(5), m.Late.Max)
	assert.Equal(t, 2.0, m.SearchesPS, "each figure on its own")
	assert.Equal(t, 2.5, median([]float64{4, 1, 2, 3}))
}

func TestBaseTree(t *testing.T) {
	tr, err := baseTree(1000, 1)
	require.NoError(t, err)
	assert.Equal(t, 1000, tr.Len())
	assert.Equal(t, Key(0), tr.MinKey())
	assert.Equal(t, Key(Stride*1000), tr.MaxKey())
	require.NoError(t, tr.Verify())
}

func TestRun_ConfigErrors(t *testing.T) {
	for name, edit := range map[string]func(*Config){
		"segments": func(c *Config) { c.Segments = 1 },
		"duration": func(c *Config) { c.Duration = 0 },
		"runs":     func(c *Config) { c.Runs = 0 },
		"readers":  func(c *Config) { c.Readers = 0 },
		"rate":     func(c *Config) { c.Rate = 0 },
		"batch":    func(c *Config) { c.Batch = 0 },
		"hold":     func(c *Config) { c.Hold = 0 },
		"yield":    func(c *Config) { c.YieldEvery = 0 },
		"case":     func(c *Config) { c.Cases = []string{"busy", "nope"} },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := Quick()
			edit(&cfg)
			_, err := Run(cfg)
			assert.True(t, errors.Is(err, ErrConfig), "%v", err)
		})
	}
}

// TestRun_Cases runs each case once, briefly, and checks the bookkeeping:
// the counts, not the timings.
func TestRun_Cases(t *testing.T) {
	cfg := Quick()
	cfg.Runs, cfg.Duration, cfg.Readers, cfg.Rate, cfg.Segments = 1, 10*time.Millisecond, 4, 1000, 1000
	res, err := Run(cfg)
	require.NoError(t, err)
	require.Len(t, res.Cases, len(Cases))
	for i, r := range res.Cases {
		assert.Equal(t, Cases[i].ID, r.Case)
		require.Len(t, r.Samples, 1, r.Case)
		s := r.Samples[0]
		assert.Positive(t, s.Commits, "%s: the first commit is always made", r.Case)
		assert.GreaterOrEqual(t, s.Elapsed, cfg.Duration, r.Case)
		assert.LessOrEqual(t, s.Service.Max, s.Late.Max, "%s: service is part of the latency", r.Case)
		assert.Equal(t, s, r.Median, "%s: the median of one run is that run", r.Case)
		assert.NotEmpty(t, r.Label)
	}
}

func TestFmtRate(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 999: "999", 1274: "1,274", 10_000: "10,000", 999_999: "999,999",
		1e6: "1.00 M", 5.3e6: "5.30 M", 12.34e6: "12.3 M", 123.4e6: "123 M",
	} {
		assert.Equal(t, want, fmtRate(v), "%v", v)
	}
}
