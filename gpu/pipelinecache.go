package gpu

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// cacheMagic starts every pipeline cache file vkstyle writes. The file is
// the magic, the SHA-256 of the payload, then the payload: the driver's
// vkGetPipelineCacheData blob.
const cacheMagic = "VKSPIPE1"

// pipelineCache is a VkPipelineCache persisted in the user cache directory,
// one file per device and driver version, so that a second run skips the
// driver's shader compilation.
type pipelineCache struct {
	dev   *Device
	h     vk.PipelineCache
	path  string // "" when not persisted
	dirty bool
}

// CachePath returns the pipeline cache file for the device, or "" when the
// cache is disabled.
func (d *Device) CachePath() string {
	if d.cache == nil {
		return ""
	}
	return d.cache.path
}

func cacheFile(dir string, info *DeviceInfo) string {
	return filepath.Join(dir, fmt.Sprintf("pipelines-%04x-%04x-%08x-%x.bin",
		info.VendorID, info.DeviceID, info.DriverVersion, info.PipelineCacheUUID))
}

// openPipelineCache loads the cache file when it is present and valid; a
// corrupt or foreign file is ignored with a warning.
func openPipelineCache(d *Device) *pipelineCache {
	c := &pipelineCache{dev: d}
	dir := d.opts.CacheDir
	if dir == "" {
		if base, err := os.UserCacheDir(); err == nil {
			dir = filepath.Join(base, "vkstyle")
		}
	}
	var data []byte
	if dir != "" && dir != "-" {
		c.path = cacheFile(dir, &d.Info)
		raw, err := os.ReadFile(c.path)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			d.warn(fmt.Sprintf("ignoring pipeline cache %s: %v", c.path, err))
		default:
			if data, err = c.decode(raw); err != nil {
				d.warn(fmt.Sprintf("ignoring corrupt pipeline cache %s: %v", c.path, err))
				data = nil
			}
		}
	}
	info := vk.PipelineCacheCreateInfo{SType: vk.StructureTypePipelineCacheCreateInfo}
	if len(data) > 0 {
		info.InitialDataSize = uint(len(data))
		info.PInitialData = cBytes(data)
		defer cFree(info.PInitialData)
	}
	var h vk.PipelineCache
	defer info.Free() // vulkan-go copied it into C memory: see cmem.go
	if err := check("vkCreatePipelineCache", vk.CreatePipelineCache(d.h, &info, nil, &h)); err != nil {
		d.warn(err.Error())
		return c
	}
	c.h = h
	return c
}

// decode checks the file's magic and checksum and the Vulkan header of the
// payload against this device, and returns the payload.
func (c *pipelineCache) decode(raw []byte) ([]byte, error) {
	if len(raw) < len(cacheMagic)+sha256.Size || string(raw[:len(cacheMagic)]) != cacheMagic {
		return nil, errors.New("not a vkstyle pipeline cache")
	}
	sum, data := raw[len(cacheMagic):len(cacheMagic)+sha256.Size], raw[len(cacheMagic)+sha256.Size:]
	if got := sha256.Sum256(data); !bytes.Equal(got[:], sum) {
		return nil, errors.New("checksum mismatch")
	}
	// VkPipelineCacheHeaderVersionOne: length, version, vendor, device, UUID.
	if len(data) < 32 {
		return nil, errors.New("payload shorter than a Vulkan pipeline cache header")
	}
	le := binary.LittleEndian
	info := &c.dev.Info
	if le.Uint32(data[4:]) != 1 || le.Uint32(data[8:]) != info.VendorID || le.Uint32(data[12:]) != info.DeviceID ||
		!bytes.Equal(data[16:32], info.PipelineCacheUUID[:]) {
		return nil, errors.New("written by another device or driver")
	}
	return data, nil
}

// save writes the cache atomically when pipelines were created since load.
func (c *pipelineCache) save() error {
	if c.h == nil || c.path == "" || !c.dirty {
		return nil
	}
	d := c.dev
	var n uint
	if err := check("vkGetPipelineCacheData", vk.GetPipelineCacheData(d.h, c.h, &n, nil)); err != nil || n == 0 {
		return err
	}
	p := cAlloc(int(n))
	defer cFree(p)
	if err := check("vkGetPipelineCacheData", vk.GetPipelineCacheData(d.h, c.h, &n, p)); err != nil {
		return err
	}
	data := unsafe.Slice((*byte)(p), n)
	sum := sha256.Sum256(data)
	out := make([]byte, 0, len(cacheMagic)+len(sum)+len(data))
	out = append(append(append(out, cacheMagic...), sum[:]...), data...)
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return fmt.Errorf("gpu: saving pipeline cache: %w", err)
	}
	if err := WriteFileAtomic(c.path, out, 0o644); err != nil {
		return fmt.Errorf("gpu: saving pipeline cache: %w", err)
	}
	c.dirty = false
	return nil
}

func (c *pipelineCache) destroy() {
	if c.h != nil {
		vk.DestroyPipelineCache(c.dev.h, c.h, nil)
		c.h = nil
	}
}

// WriteFileAtomic writes data to a temporary file beside path and renames it
// into place, so a reader never sees a half-written file.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
