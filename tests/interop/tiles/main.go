// Independent check of `certanchor ledger publish` (C2SP tlog-tiles) with
// Go's golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog.
//
// Usage: go run tests/interop/tiles/main.go SITE VKEY [OLD_CHECKPOINT]
//
//   - SITE/checkpoint opens with VKEY (note.Open); its body gives origin,
//     size and root.
//   - A tlog.TileHashReader over the files in SITE (Go's tile paths
//     tile/8/L/N map to tlog-tiles' tile/L/N, tile/8/data/N to
//     tile/entries/N) authenticates every tile it reads against the root;
//     tlog.ProveRecord / tlog.CheckRecord verify several entries, whose leaf
//     hashes are tlog.RecordHash of the entries in the entry bundles.
//   - With OLD_CHECKPOINT (the site's checkpoint at an earlier publish):
//     tlog.ProveTree / tlog.CheckTree prove the new tree extends it, and a
//     reader for the old size still finds its (partial) tiles in SITE.
//   - The other direction: Go recomputes every tile of the tree from the
//     entry bundles alone (tlog.StoredHashes, tlog.ReadTileData) and
//     compares bytes with the published tiles.
//   - Altered and truncated tiles are refused.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", a...)
	os.Exit(1)
}

// sitePath maps Go's tile path (tile/H/L/N[.p/W], tile/H/data/N[.p/W]) to
// the C2SP tlog-tiles path (tile/L/N[.p/W], tile/entries/N[.p/W]).
func sitePath(t tlog.Tile) string {
	p := t.Path()
	prefix := fmt.Sprintf("tile/%d/", height)
	if !strings.HasPrefix(p, prefix) {
		fail("unexpected Go tile path %s", p)
	}
	rest := strings.TrimPrefix(p, prefix)
	if strings.HasPrefix(rest, "data/") {
		rest = "entries/" + strings.TrimPrefix(rest, "data/")
	}
	return "tile/" + rest
}

// siteReader is a tlog.TileReader over a published directory; tamper, when
// set, alters the bytes of one tile path as they are read.
type siteReader struct {
	dir    string
	tamper map[string]func([]byte) []byte
	reads  int
}

func (r *siteReader) Height() int { return height }

func (r *siteReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		p := sitePath(t)
		b, err := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(p)))
		if err != nil {
			return nil, err
		}
		if f, ok := r.tamper[p]; ok {
			b = f(b)
		}
		r.reads++
		out[i] = b
	}
	return out, nil
}

func (r *siteReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func openCheckpoint(path string, verifiers note.Verifiers) checkpoint {
	raw, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	n, err := note.Open(raw, verifiers)
	if err != nil {
		fail("%s does not open with the ledger's key: %v", path, err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("%s: short checkpoint body %q", path, n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size <= 0 {
		fail("%s: bad size line %q", path, lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		fail("%s: bad root line %q", path, lines[2])
	}
	var c checkpoint
	c.origin, c.size = lines[0], size
	copy(c.root[:], root)
	return c
}

// entries reads every entry bundle of a tree of n entries.
func entries(dir string, n int64) [][]byte {
	var out [][]byte
	for k := int64(0); k*256 < n; k++ {
		w := 256
		if (k+1)*256 > n {
			w = int(n - k*256)
		}
		p := sitePath(tlog.Tile{H: height, L: -1, N: k, W: w})
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			fail("entry bundle: %v", err)
		}
		got := 0
		for len(b) > 0 {
			if len(b) < 2 {
				fail("%s: length prefix cut short", p)
			}
			l := int(binary.BigEndian.Uint16(b))
			if len(b) < 2+l {
				fail("%s: entry %d cut short", p, got)
			}
			out = append(out, b[2:2+l])
			b = b[2+l:]
			got++
		}
		if got != w {
			fail("%s: %d entries, expected %d", p, got, w)
		}
	}
	return out
}

// publishedTiles: the tiles a tree of n entries is published as (full tiles
// and the one partial tile per level), in Go's coordinates.
func publishedTiles(n int64) []tlog.Tile {
	var out []tlog.Tile
	for _, t := range tlog.NewTiles(height, 0, n) {
		levelN := n >> (uint(height) * uint(t.L))
		if t.W == 1<<height || (t.N == levelN>>height && int64(t.W) == levelN&255) {
			out = append(out, t)
		}
	}
	return out
}

func indices(n int64) []int64 {
	var out []int64
	seen := map[int64]bool{}
	for _, i := range []int64{0, 1, 2, 127, 255, 256, 257, 511, 512, n / 3, n / 2, n - 2, n - 1} {
		if i >= 0 && i < n && !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out
}

func main() {
	if len(os.Args) < 3 {
		fail("usage: main.go SITE VKEY [OLD_CHECKPOINT]")
	}
	dir, vkey := os.Args[1], os.Args[2]
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	verifiers := note.VerifierList(v)
	cp := openCheckpoint(filepath.Join(dir, "checkpoint"), verifiers)
	if cp.origin != v.Name() {
		fail("checkpoint origin %q is not the key's name %q", cp.origin, v.Name())
	}
	tree := tlog.Tree{N: cp.size, Hash: cp.root}
	reader := &siteReader{dir: dir}
	hr := tlog.TileHashReader(tree, reader)

	// entries and their leaf hashes
	ents := entries(dir, cp.size)
	leaves := make([]tlog.Hash, len(ents))
	for i, e := range ents {
		leaves[i] = tlog.RecordHash(e)
	}

	// Go verifies our tiles: root and inclusion proofs
	th, err := tlog.TreeHash(cp.size, hr)
	if err != nil || th != cp.root {
		fail("tlog.TreeHash from the tiles: %v (%x vs %x)", err, th, cp.root)
	}
	proved := 0
	for _, i := range indices(cp.size) {
		p, err := tlog.ProveRecord(cp.size, i, hr)
		if err != nil {
			fail("ProveRecord %d/%d: %v", i, cp.size, err)
		}
		if err := tlog.CheckRecord(p, cp.size, cp.root, i, leaves[i]); err != nil {
			fail("CheckRecord %d/%d: %v", i, cp.size, err)
		}
		if cp.size > 1 && tlog.CheckRecord(p, cp.size, cp.root, i, leaves[(i+1)%cp.size]) == nil {
			fail("CheckRecord %d/%d accepted another entry", i, cp.size)
		}
		proved++
	}

	// consistency with an earlier publish
	consistency := ""
	if len(os.Args) > 3 {
		old := openCheckpoint(os.Args[3], verifiers)
		if old.origin != cp.origin || old.size > cp.size {
			fail("old checkpoint %s/%d does not precede %s/%d", old.origin, old.size, cp.origin, cp.size)
		}
		p, err := tlog.ProveTree(cp.size, old.size, hr)
		if err != nil {
			fail("ProveTree %d->%d: %v", old.size, cp.size, err)
		}
		if err := tlog.CheckTree(p, cp.size, cp.root, old.size, old.root); err != nil {
			fail("CheckTree %d->%d: %v", old.size, cp.size, err)
		}
		var other tlog.Hash
		other[0] = 1
		if tlog.CheckTree(p, cp.size, cp.root, old.size, other) == nil {
			fail("CheckTree accepted another old root")
		}
		// a reader of the old checkpoint still finds its tiles
		oldHr := tlog.TileHashReader(tlog.Tree{N: old.size, Hash: old.root}, &siteReader{dir: dir})
		if th, err := tlog.TreeHash(old.size, oldHr); err != nil || th != old.root {
			fail("old tree of %d from the tiles: %v", old.size, err)
		}
		for _, i := range indices(old.size) {
			p, err := tlog.ProveRecord(old.size, i, oldHr)
			if err != nil {
				fail("ProveRecord %d/%d (old): %v", i, old.size, err)
			}
			if err := tlog.CheckRecord(p, old.size, old.root, i, leaves[i]); err != nil {
				fail("CheckRecord %d/%d (old): %v", i, old.size, err)
			}
		}
		consistency = fmt.Sprintf(", consistency %d->%d", old.size, cp.size)
	}

	// the other direction: Go computes the tiles from the entries alone
	var stored []tlog.Hash
	storedReader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for j, k := range idx {
			if k < 0 || k >= int64(len(stored)) {
				return nil, errors.New("index out of range")
			}
			out[j] = stored[k]
		}
		return out, nil
	})
	for i, e := range ents {
		hs, err := tlog.StoredHashes(int64(i), e, storedReader)
		if err != nil {
			fail("StoredHashes %d: %v", i, err)
		}
		stored = append(stored, hs...)
	}
	compared := map[int]int{}
	for _, t := range publishedTiles(cp.size) {
		want, err := tlog.ReadTileData(t, storedReader)
		if err != nil {
			fail("ReadTileData %s: %v", sitePath(t), err)
		}
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(sitePath(t))))
		if err != nil {
			fail("published tile missing: %v", err)
		}
		if !bytes.Equal(got, want) {
			fail("%s differs from Go's tile computed from the entries", sitePath(t))
		}
		compared[t.L]++
	}

	// altered and truncated tiles are refused
	var lateRefusals []string
	if cp.size > 300 {
		t := sitePath(tlog.Tile{H: height, L: 0, N: 1, W: 256})
		if cp.size < 512 {
			t = sitePath(tlog.Tile{H: height, L: 0, N: 1, W: int(cp.size - 256)})
		}
		for name, f := range map[string]func([]byte) []byte{
			// the hash of entry 256, the sibling in entry 257's proof
			"flipped": func(b []byte) []byte { c := append([]byte(nil), b...); c[5] ^= 1; return c },
			"cut":     func(b []byte) []byte { return b[:len(b)-1] },
		} {
			bad := tlog.TileHashReader(tree, &siteReader{dir: dir, tamper: map[string]func([]byte) []byte{t: f}})
			p, err := tlog.ProveRecord(cp.size, 257, bad)
			if err == nil && tlog.CheckRecord(p, cp.size, cp.root, 257, leaves[257]) == nil {
				fail("a %s tile %s was accepted", name, t)
			}
			if err == nil {
				// Go 0.7.0's tileHashReader authenticates child tiles in a
				// loop that starts at len(stx) in a list where the tree-hash
				// tiles were deduplicated, so it can skip a tile: the altered
				// hash then reaches the proof, which CheckRecord refuses.
				lateRefusals = append(lateRefusals, name)
			}
		}
	}

	levels := []string{}
	for l := 0; l < 8; l++ {
		if compared[l] > 0 {
			levels = append(levels, fmt.Sprintf("L%d:%d", l, compared[l]))
		}
	}
	late := ""
	if len(lateRefusals) > 0 {
		late = fmt.Sprintf("; altered tiles refused (%s: by CheckRecord, not by TileHashReader)", strings.Join(lateRefusals, ", "))
	}
	fmt.Printf("go tiles check: %s size %d: %d inclusion proofs%s verified by golang.org/x/mod/sumdb/tlog over %d tile reads; tiles recomputed by Go from %d entries equal ours (%s)%s\n",
		cp.origin, cp.size, proved, consistency, reader.reads, len(ents), strings.Join(levels, " "), late)
}
