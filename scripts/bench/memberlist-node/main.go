// memberlist-node runs one HashiCorp memberlist node with the LAN defaults
// (memberlist.DefaultLANConfig(), nothing tuned) for scripts/bench/memberlist, the
// side-by-side comparison with Lashup's membership.
//
// It prints one JSON object per line on stdout, each with "t", the CLOCK_MONOTONIC time in
// seconds (the clock Python's time.monotonic() reads on Linux):
//
//	{"t":…,"event":"ready","name":"m000","members":1}
//	{"t":…,"event":"join","node":"m003","members":5}        NotifyJoin
//	{"t":…,"event":"leave","node":"m003","members":4}       NotifyLeave (dead or left)
//	{"t":…,"event":"update","node":"m003","members":5}      NotifyUpdate
//	{"t":…,"event":"stats",…}                               every -stats seconds, running totals:
//	    members, udp_sent / udp_received / tcp_sent (bytes, memberlist's own go-metrics
//	    counters), probes (probeNode rounds), failed_pings (direct probes that timed out),
//	    suspects ("Suspect X has failed" lines: a whole probe round, indirect probes
//	    included, went unanswered), deaths ("Marking X as failed"), refutes (this node
//	    refuted a suspicion or death of itself)
//
// memberlist's log goes to stderr as well, unchanged.
//
// Build offline (Debian's golang-go and golang-github-hashicorp-memberlist-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode:$TMP go build -o $TMP/memberlist-node .
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	metrics "github.com/armon/go-metrics"
	"github.com/hashicorp/memberlist"
)

// monotonic reads CLOCK_MONOTONIC (Go's own monotonic reading is not exposed).
func monotonic() float64 {
	var ts syscall.Timespec
	const clockMonotonic = 1
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, uintptr(unsafe.Pointer(&ts)), 0)
	return float64(ts.Sec) + float64(ts.Nsec)/1e9
}

var out = struct {
	sync.Mutex
	encoder *json.Encoder
}{encoder: json.NewEncoder(os.Stdout)}

func emit(event string, fields map[string]interface{}) {
	fields["t"] = monotonic()
	fields["event"] = event
	out.Lock()
	defer out.Unlock()
	out.encoder.Encode(fields)
}

// counters is a go-metrics sink that keeps the running total of every counter, and the
// number of samples of every timer, by its dotted key.
type counters struct {
	mutex  sync.Mutex
	totals map[string]float64
}

func (c *counters) add(key []string, value float64) {
	c.mutex.Lock()
	c.totals[strings.Join(key, ".")] += value
	c.mutex.Unlock()
}

func (c *counters) get(key string) float64 {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	return c.totals[key]
}

func (c *counters) SetGauge(key []string, val float32)                                   {}
func (c *counters) SetGaugeWithLabels(key []string, val float32, labels []metrics.Label) {}
func (c *counters) EmitKey(key []string, val float32)                                    {}
func (c *counters) IncrCounter(key []string, val float32)                                { c.add(key, float64(val)) }
func (c *counters) IncrCounterWithLabels(key []string, val float32, labels []metrics.Label) {
	c.add(key, float64(val))
}
func (c *counters) AddSample(key []string, val float32) { c.add(append(key, "count"), 1) }
func (c *counters) AddSampleWithLabels(key []string, val float32, labels []metrics.Label) {
	c.add(append(key, "count"), 1)
}

// logCounter passes memberlist's log through to stderr and counts the lines that matter.
type logCounter struct {
	pending                                []byte
	suspects, failedPings, deaths, refutes int64
	mutex                                  sync.Mutex
	sink                                   io.Writer
}

func (l *logCounter) Write(p []byte) (int, error) {
	l.mutex.Lock()
	defer l.mutex.Unlock()
	l.sink.Write(p)
	l.pending = append(l.pending, p...)
	for {
		end := bytes.IndexByte(l.pending, '\n')
		if end < 0 {
			break
		}
		line := string(l.pending[:end])
		l.pending = l.pending[end+1:]
		switch {
		case strings.Contains(line, "memberlist: Suspect ") && strings.Contains(line, " has failed"):
			atomic.AddInt64(&l.suspects, 1)
		case strings.Contains(line, "memberlist: Failed ping: "):
			atomic.AddInt64(&l.failedPings, 1)
		case strings.Contains(line, "memberlist: Marking ") && strings.Contains(line, " as failed"):
			atomic.AddInt64(&l.deaths, 1)
		case strings.Contains(line, "memberlist: Refuting a suspect") || strings.Contains(line, "memberlist: Refuting a dead"):
			atomic.AddInt64(&l.refutes, 1)
		}
	}
	return len(p), nil
}

// events keeps this node's own view of the alive members from the delegate's calls.
type events struct {
	mutex sync.Mutex
	alive map[string]bool
}

func (e *events) note(event string, node *memberlist.Node, alive bool) {
	e.mutex.Lock()
	if alive {
		e.alive[node.Name] = true
	} else {
		delete(e.alive, node.Name)
	}
	count := len(e.alive)
	e.mutex.Unlock()
	emit(event, map[string]interface{}{"node": node.Name, "members": count})
}

func (e *events) count() int {
	e.mutex.Lock()
	defer e.mutex.Unlock()
	return len(e.alive)
}

func (e *events) NotifyJoin(node *memberlist.Node)   { e.note("join", node, true) }
func (e *events) NotifyLeave(node *memberlist.Node)  { e.note("leave", node, false) }
func (e *events) NotifyUpdate(node *memberlist.Node) { e.note("update", node, true) }

func main() {
	name := flag.String("name", "", "node name (unique)")
	bind := flag.String("bind", "127.0.0.1", "address to bind")
	port := flag.Int("port", 0, "UDP and TCP port to bind")
	join := flag.String("join", "", "comma-separated host:port of seeds (empty: first node)")
	statsEvery := flag.Float64("stats", 1, "seconds between stats lines")
	flag.Parse()
	if *name == "" || *port == 0 {
		fmt.Fprintln(os.Stderr, "memberlist-node: -name and -port are required")
		os.Exit(2)
	}

	sink := &counters{totals: map[string]float64{}}
	metricsConfig := metrics.DefaultConfig("")
	metricsConfig.EnableHostname = false
	metricsConfig.EnableRuntimeMetrics = false
	if _, err := metrics.NewGlobal(metricsConfig, sink); err != nil {
		fmt.Fprintln(os.Stderr, "memberlist-node: metrics:", err)
		os.Exit(1)
	}

	logs := &logCounter{sink: os.Stderr}
	delegate := &events{alive: map[string]bool{}}
	config := memberlist.DefaultLANConfig()
	config.Name = *name
	config.BindAddr = *bind
	config.BindPort = *port
	config.AdvertiseAddr = *bind
	config.AdvertisePort = *port
	config.LogOutput = logs
	config.Events = delegate

	list, err := memberlist.Create(config)
	if err != nil {
		fmt.Fprintln(os.Stderr, "memberlist-node: create:", err)
		os.Exit(1)
	}
	emit("ready", map[string]interface{}{"name": *name, "members": delegate.count()})

	if *join != "" {
		seeds := strings.Split(*join, ",")
		go func() {
			// The seeds may not be up yet: retry until one answers.
			for {
				joined, err := list.Join(seeds)
				if err == nil && joined > 0 {
					emit("joined", map[string]interface{}{"contacted": joined})
					return
				}
				time.Sleep(200 * time.Millisecond)
			}
		}()
	}

	for range time.Tick(time.Duration(*statsEvery * float64(time.Second))) {
		emit("stats", map[string]interface{}{
			"members":      delegate.count(),
			"num_members":  list.NumMembers(),
			"udp_sent":     sink.get("memberlist.udp.sent"),
			"udp_received": sink.get("memberlist.udp.received"),
			"tcp_sent":     sink.get("memberlist.tcp.sent"),
			"probes":       sink.get("memberlist.probeNode.count"),
			"failed_pings": atomic.LoadInt64(&logs.failedPings),
			"suspects":     atomic.LoadInt64(&logs.suspects),
			"deaths":       atomic.LoadInt64(&logs.deaths),
			"refutes":      atomic.LoadInt64(&logs.refutes),
		})
	}
}
