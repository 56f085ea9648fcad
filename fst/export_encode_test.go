package fst

import "io"

// EncodeFrames is Encode with frames of at most limit payload bytes, so that
// small golden files and tests can pin streams of many frames and chunks
// continued over several frames.
func EncodeFrames[K Key, V comparable](w io.Writer, t *Tree[K, V], c Codec[V], limit int) (int64, error) {
	return encode(w, t, c, limit)
}

// MaxFramePayload is the most payload bytes a frame holds.
const MaxFramePayload = maxPayload
