// SPDX-License-Identifier: MIT

// goprof - profiles written by Go's own runtime, for `ember flame` to read:
// a CPU profile of ~300 ms in main.spin, then an allocation profile with
// every allocation recorded (MemProfileRate = 1) in which main.alloc made
// exactly 1000 x 4096 bytes.
//
//	goprof CPU_OUT HEAP_OUT
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

var sink []byte

//go:noinline
func alloc(n int) { sink = make([]byte, n) }

//go:noinline
func spin(d time.Duration) int {
	x, end := 0, time.Now().Add(d)
	for time.Now().Before(end) {
		for i := 0; i < 10000; i++ {
			x += i * i
		}
	}
	return x
}

func write(path string, f func(*os.File) error) {
	out, err := os.Create(path)
	if err == nil {
		err = f(out)
	}
	if err == nil {
		err = out.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "goprof:", err)
		os.Exit(1)
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: goprof CPU_OUT HEAP_OUT")
		os.Exit(2)
	}
	runtime.MemProfileRate = 1
	write(os.Args[1], func(f *os.File) error {
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		spin(300 * time.Millisecond)
		pprof.StopCPUProfile()
		return nil
	})
	for i := 0; i < 1000; i++ {
		alloc(4096)
	}
	write(os.Args[2], func(f *os.File) error { return pprof.Lookup("allocs").WriteTo(f, 0) })
}
