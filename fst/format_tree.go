package fst

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"slices"

	"github.com/flatseg/flatseg/internal/num"
)

// The stream format, version 1, is specified byte by byte in FORMAT.md; the
// golden files in testdata/ pin it. A change to any byte an encoder writes
// needs a new version, and the decoder must keep decoding every older one.
const (
	treeMagic = "FSTS" // flat segment tree snapshot
	treeV1    = 1      // the version Encode writes

	maxFrame      = 64 << 10                 // bytes in a frame, at most
	frameOverhead = 1 + 2 + 4                // type, length, checksum
	maxPayload    = maxFrame - frameOverhead // 65529

	kindHeader   byte = 1
	kindSegments byte = 2
	kindTrailer  byte = 3
	frameMore    byte = 0x80 // the chunk continues in the next frame

	// minReadStep is what a frame's payload buffer first grows by; it
	// then grows by at most what it already holds, so a length field
	// promising more bytes than the stream has cannot make the decoder
	// allocate them.
	minReadStep = 1 << 10
)

// Encode writes t to w in the flatseg binary format (FORMAT.md), encoding
// values with c, and returns the number of bytes written. It streams: the
// segments go out in frames of at most 64 KiB, each ending with a CRC-32C,
// and Encode holds one frame in memory, never the whole tree. The encoding
// of a tree is deterministic: equal trees encode to the same bytes.
//
// Integer boundaries are written as varint deltas and floats as their IEEE
// bits, so a tree decodes bit for bit; with NumberCodec values, 1e6
// segments ten keys apart take about 2 bytes each. O(n) time.
//
// Encode reads t only through its public methods (MinKey, MaxKey,
// DefaultValue, Len, Segments): t must not be written during the call, but
// other goroutines may read it, and a frozen tree (a flatseg.Snapshot's)
// may be encoded by any number of goroutines at once. An error of c
// (wrapped with the segment it was encoding) or of w (wrapped) stops the
// encoding; what was written until then is not a valid stream.
//
// A tree's summaries are never encoded: the stream of a measured tree is
// the stream of the same segments without a Measure, and [WithMeasure]
// rebuilds them after [Decode].
func Encode[K Key, V, M any](w io.Writer, t *Measured[K, V, M], c Codec[V]) (int64, error) {
	return encode(w, t, c, maxPayload)
}

// encode is Encode with frames of at most limit payload bytes (tests use
// small frames to pin multi-frame streams in small golden files). It writes
// the header chunk (the fixed fields and the first segment's value), then
// the other segments in chunks of whole records, then the trailer.
func encode[K Key, V, M any](w io.Writer, t *Measured[K, V, M], c Codec[V], limit int) (int64, error) {
	count := t.Len()
	if count < 1 {
		return 0, fmt.Errorf("fst: Encode: tree has %d segments", count)
	}
	fw := &frameWriter{w: w, limit: limit}
	fw.frame = append(fw.frame, treeMagic...)
	fw.frame = append(fw.frame, treeV1)
	buf, err := appendHeader(make([]byte, 0, min(limit, 4096)), t, c, count)
	if err != nil {
		return 0, err
	}
	var bs boundaries[K]
	i := 0 // segments written
	for s := range t.Segments() {
		if i == 0 { // the first segment, at min: its value ends the header
			if buf, err = c.AppendValue(buf, s.Value); err != nil {
				break
			}
			if err = fw.emit(kindHeader, buf); err != nil {
				break
			}
			buf = buf[:0]
			bs.start(s.Start)
			i++
			continue
		}
		rec := len(buf)
		buf = bs.append(buf, s.Start)
		if buf, err = c.AppendValue(buf, s.Value); err != nil {
			break
		}
		i++
		if len(buf) > limit {
			if buf, err = fw.emitFull(buf, rec); err != nil {
				break
			}
		}
	}
	switch {
	case err != nil && fw.err == nil:
		return fw.n, fmt.Errorf("fst: Encode: value of segment %d: %w", i, err)
	case err != nil:
		return fw.n, err
	case i != count:
		return fw.n, fmt.Errorf("fst: Encode: Len() is %d but Segments() yielded %d: tree written during Encode", count, i)
	}
	if len(buf) > 0 {
		if err := fw.emit(kindSegments, buf); err != nil {
			return fw.n, err
		}
	}
	return fw.n, fw.emit(kindTrailer, nil)
}

// appendHeader appends the fixed fields of the header chunk: the type tags,
// the segment count, the span and the default value.
func appendHeader[K Key, V, M any](buf []byte, t *Measured[K, V, M], c Codec[V], count int) ([]byte, error) {
	buf = append(buf, numberTag[K](), codecTag(c))
	buf = binary.AppendUvarint(buf, uint64(count))
	buf = appendNumber(buf, t.MinKey())
	buf = appendNumber(buf, t.MaxKey())
	buf, err := c.AppendValue(buf, t.DefaultValue())
	if err != nil {
		return nil, fmt.Errorf("fst: Encode: default value: %w", err)
	}
	return buf, nil
}

// boundaries is the rule by which a segment chunk stores the start of each
// segment after the first (FORMAT.md, "Segment chunks"): an integer
// boundary as the uvarint of its distance from the previous boundary
// (computed in uint64, so every integer type takes the same path), a float
// boundary as its IEEE bits, since a float difference would round. append and read are its two
// directions; each holds the previous boundary.
type boundaries[K Key] struct {
	prev uint64 // the previous boundary, as uint64 (integer keys)
}

// start sets the previous boundary to k, the first segment's start (min).
func (b *boundaries[K]) start(k K) {
	if !num.IsFloat[K]() {
		b.prev = uint64(k)
	}
}

// append appends the boundary k, which follows the previous one.
func (b *boundaries[K]) append(dst []byte, k K) []byte {
	if num.IsFloat[K]() {
		return appendNumber(dst, k)
	}
	u := uint64(k)
	dst = binary.AppendUvarint(dst, u-b.prev)
	b.prev = u
	return dst
}

// read reads a boundary from src and returns it with the bytes it used. An
// integer boundary must lie strictly between the previous one and end (max),
// which the delta form can check before the builder sees it; float
// boundaries are checked by the builder.
func (b *boundaries[K]) read(src []byte, end K) (K, int, error) {
	if num.IsFloat[K]() {
		return readNumber[K](src)
	}
	d, n, err := uvarint(src)
	switch {
	case err != nil:
		return 0, 0, err
	case d == 0:
		return 0, 0, fmt.Errorf("%w: the segment starts where the previous one starts", ErrCorrupt)
	case d >= uint64(end)-b.prev:
		return 0, 0, fmt.Errorf("%w: the segment starts at or past max %v", ErrCorrupt, end)
	}
	b.prev += d
	return K(b.prev), n, nil
}

// frameWriter cuts chunks into frames, keeps the running checksum and counts
// the bytes written.
type frameWriter struct {
	w     io.Writer
	limit int    // payload bytes per frame
	crc   uint32 // CRC-32C of every byte written so far
	n     int64
	frame []byte // the frame being built; before the first, the magic and version
	err   error
}

// emit writes payload as one chunk of the given kind: one frame, or several
// with frameMore set on all but the last when it exceeds the limit. One
// Write per frame.
func (fw *frameWriter) emit(kind byte, payload []byte) error {
	for fw.err == nil {
		l := min(len(payload), fw.limit)
		t := kind
		if l < len(payload) {
			t |= frameMore
		}
		f := append(fw.frame, t, byte(l), byte(l>>8))
		f = append(f, payload[:l]...)
		fw.crc = crc32.Update(fw.crc, castagnoli, f)
		f = binary.LittleEndian.AppendUint32(f, fw.crc)
		fw.crc = crc32.Update(fw.crc, castagnoli, f[len(f)-4:])
		n, err := fw.w.Write(f)
		fw.n += int64(n)
		if err != nil {
			fw.err = fmt.Errorf("fst: Encode: %w", err)
		}
		fw.frame = f[:0]
		payload = payload[l:]
		if len(payload) == 0 {
			break
		}
	}
	return fw.err
}

// emitFull emits the records of buf, which exceed the frame limit, and
// returns what is left to keep: the records before rec (the start of the
// last one) form a chunk, and the last record starts the next one, unless
// it is alone too big for a frame, then it is a chunk of several frames on
// its own.
func (fw *frameWriter) emitFull(buf []byte, rec int) ([]byte, error) {
	if rec > 0 {
		if err := fw.emit(kindSegments, buf[:rec]); err != nil {
			return buf, err
		}
		buf = buf[:copy(buf, buf[rec:])]
	}
	if len(buf) > fw.limit {
		if err := fw.emit(kindSegments, buf); err != nil {
			return buf, err
		}
		buf = buf[:0]
	}
	return buf, nil
}

// Decode reads a tree that Encode wrote, decoding values with c, which must
// be the codec (or a codec of the same format) the tree was encoded with. It
// reads r to its end: the stream must end right after its trailer.
//
// Decode builds the tree bottom-up while it reads, in O(n) time; beyond the
// tree it holds one frame (at most 64 KiB) and O(log n) nodes. It verifies
// each frame's checksum before it interprets the frame, and reads input from
// disks and networks safely: it never panics (unless c does), and nothing
// it allocates is sized by a count or length the input claims, only by the
// bytes it has read. With a codec that writes values in about their size in
// memory it allocates less than 4 times the bytes read plus 64 KiB, and at
// least one leaf of the tree (47 values: 193 KiB for V = [4096]byte) for a
// short stream (TestDecode_MemoryLargeValue). Malformed input gives an error
// wrapping [ErrCorrupt] that says what is wrong at which byte or segment:
// bad magic, an unknown version, keys of another type than K, values of
// another codec than c, a checksum mismatch, truncation, bytes after the
// trailer, or contents that are no valid tree (boundaries out of order or
// outside the span, equal neighbouring values under ==). An error of r is
// returned wrapped, without ErrCorrupt.
//
// The tree is new and owned by the caller; to serve it from a Store, pass
// it to flatseg.NewFrom.
func Decode[K Key, V comparable](r io.Reader, c Codec[V]) (*Tree[K, V], error) {
	t := new(Tree[K, V])
	return made(t, decode(t, r, c, equal[V]))
}

// DecodeFunc is Decode for values compared with equal instead of == (see
// NewFunc): the decoder rejects equal neighbouring values under equal, and
// the tree it returns compares with equal. It fails with ErrNilEqual when
// equal is nil.
func DecodeFunc[K Key, V any](r io.Reader, c Codec[V], equal func(a, b V) bool) (*Tree[K, V], error) {
	if equal == nil {
		return nil, fmt.Errorf("%w: DecodeFunc", ErrNilEqual)
	}
	t := new(Tree[K, V])
	return made(t, decode(t, r, c, equal))
}

// decode is Decode into t, with every value comparison made by eq.
func decode[K Key, V any](t *Tree[K, V], r io.Reader, c Codec[V], eq func(a, b V) bool) error {
	fr := &frameReader{r: r}
	var head [len(treeMagic) + 1]byte
	if err := fr.readFull(head[:]); err != nil {
		return err
	}
	if string(head[:len(treeMagic)]) != treeMagic {
		return fmt.Errorf("%w: bad magic %q, want %q", ErrCorrupt, head[:len(treeMagic)], treeMagic)
	}
	if v := head[len(treeMagic)]; v != treeV1 {
		return fmt.Errorf("%w: unknown format version %d (this decoder reads version %d)", ErrCorrupt, v, treeV1)
	}
	fr.crc = crc32.Update(0, castagnoli, head[:])
	return decodeV1(t, fr, c, eq)
}

// decodeV1 reads the frames of a version 1 stream: the header chunk, the
// segment chunks until the header's count is reached, the trailer.
func decodeV1[K Key, V any](t *Tree[K, V], fr *frameReader, c Codec[V], eq func(a, b V) bool) error {
	kind, p, err := fr.next()
	if err != nil {
		return err
	}
	if kind != kindHeader {
		return fmt.Errorf("%w: first frame is of kind %d, not a header", ErrCorrupt, kind)
	}
	h, err := readHeader[K](p, c, eq)
	if err != nil {
		return err
	}
	var bs boundaries[K]
	bs.start(h.min)
	for done := uint64(1); done < h.count; {
		kind, p, err := fr.next()
		if err != nil {
			return err
		}
		switch {
		case kind != kindSegments:
			return fmt.Errorf("%w: frame of kind %d at byte %d after %d of %d segments", ErrCorrupt, kind, fr.frameAt, done, h.count)
		case len(p) == 0:
			return fmt.Errorf("%w: empty segment chunk at byte %d", ErrCorrupt, fr.frameAt)
		}
		for ; len(p) > 0; done++ {
			if done == h.count {
				return fmt.Errorf("%w: more segments than the header's %d (chunk at byte %d)", ErrCorrupt, h.count, fr.frameAt)
			}
			k, n, err := bs.read(p, h.max)
			if err != nil {
				return fmt.Errorf("%w: boundary of segment %d (chunk at byte %d)", err, done, fr.frameAt)
			}
			p = p[n:]
			v, n, err := decodeValue(c, p)
			if err != nil {
				return fmt.Errorf("%w: value of segment %d (chunk at byte %d)", err, done, fr.frameAt)
			}
			p = p[n:]
			if err := h.b.add(k, v); err != nil {
				return fmt.Errorf("%w: segment %d (chunk at byte %d): %w", ErrCorrupt, done, fr.frameAt, err)
			}
		}
	}
	if kind, p, err := fr.next(); err != nil {
		return err
	} else if kind != kindTrailer || len(p) != 0 {
		return fmt.Errorf("%w: frame at byte %d is of kind %d with %d bytes, not the trailer after the header's %d segments",
			ErrCorrupt, fr.frameAt, kind, len(p), h.count)
	}
	if err := fr.atEOF(); err != nil {
		return err
	}
	return h.b.tree(t)
}

// header is what a header chunk holds, with the builder it starts.
type header[K Key, V any] struct {
	count    uint64
	min, max K
	b        *builder[K, V, None]
}

// readHeader parses a header chunk and starts the tree with its first
// segment.
func readHeader[K Key, V any](p []byte, c Codec[V], eq func(a, b V) bool) (header[K, V], error) {
	var h header[K, V]
	if len(p) < 2 {
		return h, fmt.Errorf("%w: header of %d bytes", ErrCorrupt, len(p))
	}
	if want := numberTag[K](); p[0] != want {
		return h, fmt.Errorf("%w: keys are %s, not %s", ErrCorrupt, tagName(p[0]), tagName(want))
	}
	if want := codecTag(c); p[1] != want {
		return h, fmt.Errorf("%w: values were written by %s, not %s", ErrCorrupt, tagName(p[1]), tagName(want))
	}
	p = p[2:]
	var n int
	var err error
	if h.count, n, err = uvarint(p); err != nil {
		return h, fmt.Errorf("%w: header: segment count", err)
	}
	if h.count == 0 {
		return h, fmt.Errorf("%w: header: zero segments", ErrCorrupt)
	}
	p = p[n:]
	if h.min, n, err = readNumber[K](p); err != nil {
		return h, fmt.Errorf("%w: header: min", err)
	}
	p = p[n:]
	if h.max, n, err = readNumber[K](p); err != nil {
		return h, fmt.Errorf("%w: header: max", err)
	}
	p = p[n:]
	init, n, err := decodeValue(c, p)
	if err != nil {
		return h, fmt.Errorf("%w: header: default value", err)
	}
	p = p[n:]
	first, n, err := decodeValue(c, p)
	if err != nil {
		return h, fmt.Errorf("%w: header: value of segment 0", err)
	}
	if p = p[n:]; len(p) != 0 {
		return h, fmt.Errorf("%w: %d bytes after the header's fields", ErrCorrupt, len(p))
	}
	if h.b, err = newBuilder[K, V, None](h.min, h.max, init, eq, nil); err != nil {
		return h, fmt.Errorf("%w: header: %w", ErrCorrupt, err)
	}
	if err := h.b.add(h.min, first); err != nil {
		return h, fmt.Errorf("%w: header: %w", ErrCorrupt, err) // unreachable: the first boundary is min
	}
	return h, nil
}

// frameReader reads chunks of frames, verifying each frame's checksum before
// returning anything from it, and keeps the running checksum and the offset.
type frameReader struct {
	r       io.Reader
	crc     uint32 // CRC-32C of every byte read so far
	off     int64  // bytes read so far
	frameAt int64  // offset of the first frame of the last chunk
	buf     []byte // payload of the last chunk; reused
}

// readFull fills p, as io.ReadFull, turning the end of the stream (io.EOF,
// or io.ErrUnexpectedEOF from the reader) into ErrCorrupt. A reader that returns neither data nor an error 100 times in
// a row is given up on with io.ErrNoProgress, as bufio does, where
// io.ReadFull would loop forever.
func (fr *frameReader) readFull(p []byte) error {
	for empty := 0; len(p) > 0; {
		n, err := fr.r.Read(p)
		fr.off += int64(n)
		p = p[n:]
		switch {
		case len(p) == 0:
			return nil
		case err == io.EOF:
			return fmt.Errorf("%w: truncated: the stream ends at byte %d", ErrCorrupt, fr.off)
		case err == io.ErrUnexpectedEOF: // from a reader that decodes a stream of its own
			return fmt.Errorf("%w: truncated at byte %d: %w", ErrCorrupt, fr.off, err)
		case err != nil:
			return fmt.Errorf("fst: Decode: reading byte %d: %w", fr.off, err)
		case n > 0:
			empty = 0
		default:
			if empty++; empty == 100 {
				return fmt.Errorf("fst: Decode: reading byte %d: %w", fr.off, io.ErrNoProgress)
			}
		}
	}
	return nil
}

// next reads the next chunk: one frame, or several of the same kind of
// which all but the last have frameMore set. It returns the chunk's kind and
// payload, which is valid until the next call.
func (fr *frameReader) next() (kind byte, payload []byte, err error) {
	fr.buf = fr.buf[:0]
	fr.frameAt = fr.off
	for i := 0; ; i++ {
		at := fr.off
		var h [3]byte
		if err := fr.readFull(h[:]); err != nil {
			return 0, nil, err
		}
		k, more, l := h[0]&^frameMore, h[0]&frameMore != 0, int(binary.LittleEndian.Uint16(h[1:]))
		switch {
		case i == 0:
			kind = k
		case k != kind:
			return 0, nil, fmt.Errorf("%w: frame at byte %d of kind %d continues a chunk of kind %d", ErrCorrupt, at, k, kind)
		}
		if l > maxPayload {
			return 0, nil, fmt.Errorf("%w: frame at byte %d claims %d bytes, more than %d", ErrCorrupt, at, l, maxPayload)
		}
		crc := crc32.Update(fr.crc, castagnoli, h[:])
		start := len(fr.buf)
		if fr.buf, err = fr.readAppend(fr.buf, l); err != nil {
			return 0, nil, err
		}
		crc = crc32.Update(crc, castagnoli, fr.buf[start:])
		var sum [4]byte
		if err := fr.readFull(sum[:]); err != nil {
			return 0, nil, err
		}
		if got := binary.LittleEndian.Uint32(sum[:]); got != crc {
			return 0, nil, fmt.Errorf("%w: checksum mismatch in the frame at byte %d: stored %08x, computed %08x", ErrCorrupt, at, got, crc)
		}
		fr.crc = crc32.Update(crc, castagnoli, sum[:])
		if !more {
			return kind, fr.buf, nil
		}
		if l == 0 {
			return 0, nil, fmt.Errorf("%w: empty frame at byte %d marked as continued", ErrCorrupt, at)
		}
	}
}

// readAppend reads l bytes and appends them to buf. It grows buf by at most
// what buf already holds (or minReadStep) before reading the bytes that
// fill the growth, so a truncated stream cannot make it allocate more than
// about twice what it read.
func (fr *frameReader) readAppend(buf []byte, l int) ([]byte, error) {
	for l > 0 {
		step := l
		if free := cap(buf) - len(buf); step > free {
			step = min(step, max(len(buf), minReadStep))
			buf = slices.Grow(buf, step)
		}
		m := len(buf)
		buf = buf[:m+step]
		if err := fr.readFull(buf[m:]); err != nil {
			return buf[:m], err
		}
		l -= step
	}
	return buf, nil
}

// atEOF checks that the stream has no byte left. A reader that keeps
// returning neither data nor an error is given up on, as in readFull.
func (fr *frameReader) atEOF() error {
	var b [1]byte
	for range 100 {
		n, err := fr.r.Read(b[:])
		switch {
		case n > 0:
			return fmt.Errorf("%w: bytes after the trailer, from byte %d", ErrCorrupt, fr.off)
		case err == io.EOF:
			return nil
		case err != nil:
			return fmt.Errorf("fst: Decode: reading byte %d: %w", fr.off, err)
		}
	}
	return fmt.Errorf("fst: Decode: reading byte %d: %w", fr.off, io.ErrNoProgress)
}
