// Independent cross-check of certanchor's ledger with Go's
// golang.org/x/mod/sumdb/note (C2SP signed notes) and
// golang.org/x/mod/sumdb/tlog (RFC 6962/9162 proofs).
//
// Input: the JSON printed by `cargo run --example interop -- ledger-vectors`.
// Every signed checkpoint must open with the ledger's verifier key, its root
// must be the tlog tree hash of the leaves, and every inclusion and
// consistency proof must verify; tampered notes and proofs must be refused.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type vectors struct {
	Vkey        string   `json:"vkey"`
	Leaves      []string `json:"leaves"`
	Checkpoints []struct {
		TreeSize int64  `json:"tree_size"`
		Note     string `json:"note"`
	} `json:"checkpoints"`
	Inclusion []struct {
		Index    int64    `json:"index"`
		TreeSize int64    `json:"tree_size"`
		Path     []string `json:"path"`
	} `json:"inclusion"`
	Consistency []struct {
		OldSize int64    `json:"old_size"`
		NewSize int64    `json:"new_size"`
		Path    []string `json:"path"`
	} `json:"consistency"`
}

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", a...)
	os.Exit(1)
}

func hash(s string) tlog.Hash {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		fail("bad hash %q", s)
	}
	var h tlog.Hash
	copy(h[:], b)
	return h
}

func path(p []string) []tlog.Hash {
	out := make([]tlog.Hash, len(p))
	for i, s := range p {
		out[i] = hash(s)
	}
	return out
}

func main() {
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		fail("%v", err)
	}
	verifier, err := note.NewVerifier(v.Vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	verifiers := note.VerifierList(verifier)
	// leaf hashes and a hash reader over the complete tree
	leafHashes := make([]tlog.Hash, len(v.Leaves))
	for i, l := range v.Leaves {
		data, _ := hex.DecodeString(l)
		leafHashes[i] = tlog.RecordHash(data)
	}
	var stored []tlog.Hash
	for i := range leafHashes {
		hs, err := tlog.StoredHashes(int64(i), mustHex(v.Leaves[i]), tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(idx))
			for j, k := range idx {
				out[j] = stored[k]
			}
			return out, nil
		}))
		if err != nil {
			fail("stored hashes: %v", err)
		}
		stored = append(stored, hs...)
	}
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for j, k := range idx {
			out[j] = stored[k]
		}
		return out, nil
	})
	roots := map[int64]tlog.Hash{}
	for _, c := range v.Checkpoints {
		n, err := note.Open([]byte(c.Note), verifiers)
		if err != nil {
			fail("note for size %d does not open: %v", c.TreeSize, err)
		}
		lines := strings.Split(n.Text, "\n")
		size, _ := strconv.ParseInt(lines[1], 10, 64)
		rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
		if err != nil || size != c.TreeSize || len(rootBytes) != 32 {
			fail("checkpoint body for size %d: %q", c.TreeSize, n.Text)
		}
		var root tlog.Hash
		copy(root[:], rootBytes)
		want, err := tlog.TreeHash(size, reader)
		if err != nil || want != root {
			fail("root of size %d differs from tlog.TreeHash", size)
		}
		roots[size] = root
		// a flipped byte in the text or the signature is refused
		bad := []byte(c.Note)
		bad[1] ^= 1
		if _, err := note.Open(bad, verifiers); err == nil {
			fail("tampered note opened")
		}
		// The ledger's signature line comes first; the last line is the
		// ledger's timestamp (cosignature/v1, SPEC §9.7), whose key id is
		// not the note key's: Go's verifier leaves it unverified.
		if len(n.Sigs) != 1 || len(n.UnverifiedSigs) != 1 {
			fail("size %d: want 1 verified and 1 unverified (timestamp) line, got %d and %d",
				c.TreeSize, len(n.Sigs), len(n.UnverifiedSigs))
		}
		sigStart := strings.LastIndex(c.Note, "\n\n") + 2
		firstEnd := sigStart + strings.Index(c.Note[sigStart:], "\n")
		bad = []byte(c.Note)
		bad[firstEnd-6] ^= 1
		if _, err := note.Open(bad, verifiers); err == nil {
			fail("note with a tampered signature opened")
		}
	}
	for _, p := range v.Inclusion {
		root := roots[p.TreeSize]
		if err := tlog.CheckRecord(path(p.Path), p.TreeSize, root, p.Index, leafHashes[p.Index]); err != nil {
			fail("inclusion %d/%d: %v", p.Index, p.TreeSize, err)
		}
		if p.TreeSize > 1 {
			other := leafHashes[(p.Index+1)%p.TreeSize]
			if tlog.CheckRecord(path(p.Path), p.TreeSize, root, p.Index, other) == nil {
				fail("inclusion %d/%d verified the wrong leaf", p.Index, p.TreeSize)
			}
		}
	}
	for _, p := range v.Consistency {
		if err := tlog.CheckTree(path(p.Path), p.NewSize, roots[p.NewSize], p.OldSize, roots[p.OldSize]); err != nil {
			fail("consistency %d->%d: %v", p.OldSize, p.NewSize, err)
		}
	}
	fmt.Printf("go cross-check: %d checkpoints, %d inclusion and %d consistency proofs verified by golang.org/x/mod/sumdb\n",
		len(v.Checkpoints), len(v.Inclusion), len(v.Consistency))
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		fail("bad hex %q", s)
	}
	return b
}
