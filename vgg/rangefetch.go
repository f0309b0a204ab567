package vgg

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// featuresPlan is what fetchFeatures writes: the header of the smaller
// file and, in output order, the runs of source bytes that form its data.
type featuresPlan struct {
	header []byte // length prefix and JSON, padded
	runs   []byteRun
	size   int64 // bytes of the output file
}

// byteRun is a contiguous range [src, src+n) of the source's data
// section that lands at dst in the output's data section.
type byteRun struct{ src, dst, n int64 }

// planFeatures selects the features.* tensors of a safetensors header,
// checks them against arch (every convolution's weight and bias present,
// right shape, a readable dtype) and lays them out contiguously in source
// order, merging source ranges that touch into one run.
func planFeatures(h *stHeader, arch *Arch, url string, conv Convention) (*featuresPlan, error) {
	for _, l := range arch.Convs(nil) {
		k := int64(l.Kernel)
		for _, want := range []struct {
			name  string
			shape []int64
		}{{l.Key + ".weight", []int64{int64(l.Out), int64(l.In), k, k}}, {l.Key + ".bias", []int64{int64(l.Out)}}} {
			e, ok := h.Tensors[want.name]
			switch {
			case !ok:
				return nil, fmt.Errorf("the safetensors header has no %s: not a %s file", want.name, arch.Name)
			case !slices.Equal(e.Shape, want.shape):
				return nil, fmt.Errorf("%s is %s, want %s for %s %s", want.name, fmtShape(e.Shape), fmtShape(want.shape), arch.Name, l.Name)
			case !e.DType.readable():
				return nil, fmt.Errorf("%s is %v; want float32 (float16 and bfloat16 are converted)", want.name, e.DType)
			}
		}
	}
	out := map[string]stEntry{}
	p := &featuresPlan{}
	var dst int64
	for _, name := range h.sorted() {
		if !strings.HasPrefix(name, "features.") {
			continue
		}
		e := h.Tensors[name]
		n := e.Offsets[1] - e.Offsets[0]
		out[name] = stEntry{DType: e.DType, Shape: e.Shape, Offsets: []int64{dst, dst + n}}
		if k := len(p.runs) - 1; k >= 0 && p.runs[k].src+p.runs[k].n == e.Offsets[0] {
			p.runs[k].n += n
		} else if n > 0 {
			p.runs = append(p.runs, byteRun{src: e.Offsets[0], dst: dst, n: n})
		}
		dst += n
	}
	meta := map[string]string{"format": "pt", "vkstyle_source": url,
		"vkstyle_arch": arch.Name, "vkstyle_convention": conv.Name}
	var err error
	if p.header, err = encodeSafetensorsHeader(out, meta); err != nil {
		return nil, err
	}
	p.size = int64(len(p.header)) + dst
	return p, nil
}

// fetchFeatures writes into final a safetensors file holding only the
// features.* tensors of the safetensors file at url, fetched by Range
// requests: the 8-byte length, the header, then the tensors' bytes.
// final.part starts with the output header; when it is there with the
// same header, the download resumes after the bytes it holds.
func (o *FetchOptions) fetchFeatures(ctx context.Context, f File, url, final string) error {
	arch, err := f.arch()
	if err != nil {
		return err
	}
	h, err := o.remoteHeader(ctx, url)
	if err != nil {
		return err
	}
	plan, err := planFeatures(h, arch, url, f.Convention)
	if err != nil {
		return err
	}
	part := final + ".part"
	var done int64 // data bytes already in part
	if fi, err := os.Stat(part); err == nil && fi.Size() >= int64(len(plan.header)) && fi.Size() <= plan.size {
		head := make([]byte, len(plan.header))
		if fh, err := os.Open(part); err == nil {
			_, rerr := io.ReadFull(fh, head)
			fh.Close()
			if rerr == nil && bytes.Equal(head, plan.header) {
				done = fi.Size() - int64(len(plan.header))
				o.logf("resuming %s at %s of %s", f.Name, fmtBytes(done), fmtBytes(plan.size-int64(len(plan.header))))
			}
		}
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if done == 0 {
		flags |= os.O_TRUNC
	}
	out, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return err
	}
	if done == 0 {
		if _, err := out.Write(plan.header); err != nil {
			out.Close()
			return err
		}
	}
	dataLen := plan.size - int64(len(plan.header))
	bar := o.progress(f.Name, done, dataLen)
	copyErr := o.copyRuns(ctx, url, h.DataStart, plan.runs, done, io.MultiWriter(out, bar))
	closeProgress(bar)
	syncErr := out.Sync()
	if err := out.Close(); err != nil && syncErr == nil {
		syncErr = err
	}
	if copyErr != nil {
		return fmt.Errorf("%v; %s is kept: fetch again to resume", copyErr, part)
	}
	if syncErr != nil {
		return syncErr
	}
	return o.finish(f, part, final)
}

// copyRuns writes to w the runs' source bytes from output data offset
// done on, one Range request per run.
func (o *FetchOptions) copyRuns(ctx context.Context, url string, dataStart int64, runs []byteRun, done int64, w io.Writer) error {
	for _, r := range runs {
		if r.dst+r.n <= done {
			continue
		}
		skip := max(0, done-r.dst)
		first := dataStart + r.src + skip
		last := dataStart + r.src + r.n - 1
		body, err := o.openRange(ctx, url, first, last)
		if err != nil {
			return err
		}
		n, err := io.Copy(w, body)
		body.Close()
		done = r.dst + skip + n
		if err == nil && n != r.n-skip {
			err = fmt.Errorf("got %d of %d bytes", n, r.n-skip)
		}
		if err != nil {
			return fmt.Errorf("interrupted at byte %d of the data (%v)", done, err)
		}
	}
	return nil
}

// remoteHeader reads and validates the safetensors header at url with
// two Range requests.
func (o *FetchOptions) remoteHeader(ctx context.Context, url string) (*stHeader, error) {
	lenBytes, total, err := o.getRange(ctx, url, 0, 7)
	if err != nil {
		return nil, fmt.Errorf("safetensors header length: %v", err)
	}
	n := int64(binary.LittleEndian.Uint64(lenBytes))
	if n < 2 || n > maxSafetensorsHeader || (total >= 0 && 8+n > total) {
		return nil, fmt.Errorf("safetensors header of %d bytes in a file of %d: not a safetensors file", n, total)
	}
	raw, _, err := o.getRange(ctx, url, 8, 8+n-1)
	if err != nil {
		return nil, fmt.Errorf("safetensors header: %v", err)
	}
	dataLen := int64(1 << 62)
	if total >= 0 {
		dataLen = total - 8 - n
	}
	return parseSafetensorsHeader(raw, dataLen)
}

// getRange returns bytes [first, last] of url and the file's total size
// (−1 if unknown).
func (o *FetchOptions) getRange(ctx context.Context, url string, first, last int64) ([]byte, int64, error) {
	body, err := o.openRange(ctx, url, first, last)
	if err != nil {
		return nil, 0, err
	}
	defer body.Close()
	buf := make([]byte, last-first+1)
	if _, err := io.ReadFull(body, buf); err != nil {
		return nil, 0, noEOF(err)
	}
	return buf, body.total, nil
}
