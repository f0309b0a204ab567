package gpu

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"testing"
)

// The pipeline cache file is read before any device call: any bytes, raw
// or behind a valid magic and checksum (so the fuzzer reaches the Vulkan
// header checks), give an error of one line or a payload that starts with
// a version-one header of this device; never a panic.
func FuzzPipelineCacheDecode(f *testing.F) {
	info := DeviceInfo{VendorID: 0x10005, DeviceID: 7}
	copy(info.PipelineCacheUUID[:], "0123456789abcdef")
	c := &pipelineCache{dev: &Device{Info: info}}
	wrap := func(payload []byte) []byte {
		sum := sha256.Sum256(payload)
		return append(append([]byte(cacheMagic), sum[:]...), payload...)
	}
	header := make([]byte, 32, 48)
	binary.LittleEndian.PutUint32(header[0:], 32)
	binary.LittleEndian.PutUint32(header[4:], 1)
	binary.LittleEndian.PutUint32(header[8:], info.VendorID)
	binary.LittleEndian.PutUint32(header[12:], info.DeviceID)
	copy(header[16:], info.PipelineCacheUUID[:])
	f.Add(header)
	f.Add(append(header, "driver data"...))
	f.Add([]byte(cacheMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, raw := range [][]byte{data, wrap(data)} {
			payload, err := c.decode(raw)
			if err != nil {
				if strings.ContainsAny(err.Error(), "\n\r") {
					t.Errorf("not one line: %q", err)
				}
				continue
			}
			if len(payload) < 32 || binary.LittleEndian.Uint32(payload[4:]) != 1 || binary.LittleEndian.Uint32(payload[8:]) != info.VendorID {
				t.Errorf("accepted a payload without this device's header: % x", payload[:min(len(payload), 32)])
			}
		}
	})
}
