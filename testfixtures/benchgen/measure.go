package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"time"
)

// sample is one run of the measured command.
type sample struct {
	wall     time.Duration
	cpu      time.Duration // user + system, less sensitive than wall to a busy machine
	maxRSSKB int64
}

func measureMain(args []string) error {
	fs := flag.NewFlagSet("benchgen measure", flag.ContinueOnError)
	runs := fs.Int("runs", 5, "timed runs")
	warmup := fs.Int("warmup", 0, "untimed runs first (page cache, binary loading)")
	out := fs.String("out", os.DevNull, "file receiving the standard output of the timed runs")
	warmupOut := fs.String("warmup-out", os.DevNull, "file receiving the standard output of the warmup runs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	argv := fs.Args()
	switch {
	case len(argv) == 0:
		return errors.New("measure: no command given (benchgen measure [flags] -- COMMAND [ARG...])")
	case *runs < 1:
		return fmt.Errorf("measure: -runs %d: want at least 1", *runs)
	case *warmup < 0:
		return fmt.Errorf("measure: -warmup %d is negative", *warmup)
	}
	var samples []sample
	for range *warmup {
		if _, err := runOnce(argv, *warmupOut); err != nil {
			return err
		}
	}
	for range *runs {
		s, err := runOnce(argv, *out)
		if err != nil {
			return err
		}
		samples = append(samples, s)
	}
	med, lo, hi, rss := summarize(samples)
	fmt.Printf("%.1f %.1f %.1f %d %.1f\n", ms(med), ms(lo), ms(hi), rss, ms(medianCPU(samples)))
	return nil
}

// runOnce runs argv with stdout to outPath, timing from just before the
// fork to just after the wait, and reads the child's peak RSS from
// wait4's rusage.
func runOnce(argv []string, outPath string) (sample, error) {
	out, err := os.Create(outPath)
	if err != nil {
		return sample{}, err
	}
	defer out.Close()
	var stderr bytes.Buffer
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, &limitedWriter{buf: &stderr, left: 64 << 10}
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%q failed: %w\n%s", argv, err, stderr.String())
	}
	s := sample{wall: wall}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.maxRSSKB = ru.Maxrss // kilobytes on Linux
		s.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return s, nil
}

// summarize returns the median, min and max wall time and the largest
// peak RSS of samples (at least one).
func summarize(samples []sample) (med, lo, hi time.Duration, rss int64) {
	walls := make([]time.Duration, len(samples))
	for i, s := range samples {
		walls[i] = s.wall
		rss = max(rss, s.maxRSSKB)
	}
	med = median(walls)
	return med, slices.Min(walls), slices.Max(walls), rss
}

// median of at least one duration; ds is reordered.
func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	n := len(ds)
	if n%2 == 0 {
		return (ds[n/2-1] + ds[n/2]) / 2
	}
	return ds[n/2]
}

func medianCPU(samples []sample) time.Duration {
	cpus := make([]time.Duration, len(samples))
	for i, s := range samples {
		cpus[i] = s.cpu
	}
	return median(cpus)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// limitedWriter keeps the first bytes of a command's stderr for the error
// message, so a chatty failing command cannot eat memory.
type limitedWriter struct {
	buf  *bytes.Buffer
	left int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if w.left > 0 {
		k := min(len(p), w.left)
		w.buf.Write(p[:k])
		w.left -= k
	}
	return len(p), nil
}
