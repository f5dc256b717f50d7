// Command ferretdb-portico runs FerretDB v1 (MongoDB wire protocol, SQLite backend) embedded through FerretDB's
// public Go package, for Portico's development and tests. A plain `go install` of FerretDB's own command panics
// at start (its build/version/version.txt is generated, FerretDB issue #2982); embedding sidesteps that.
//
// It exits when its standard input closes, so it never outlives the Node process that started it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	sqliteDir := flag.String("sqlite-dir", "", "directory for the SQLite files (created if missing)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	exitOnStdinEOF := flag.Bool("exit-on-stdin-eof", false, "exit when standard input closes (parent process ended)")
	flag.Parse()

	if *sqliteDir == "" {
		fail("-sqlite-dir is required")
	}
	dir, err := filepath.Abs(*sqliteDir)
	if err != nil {
		fail(err.Error())
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fail(err.Error())
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail("invalid -log-level: " + err.Error())
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// Fail fast with a clear message when the port is taken (FerretDB would only log it).
	probe, err := net.Listen("tcp", *listenAddr)
	if err != nil {
		fail(err.Error())
	}
	probe.Close()

	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listenAddr},
		Logger:   logger,
		Handler:  "sqlite",
		// WAL with synchronous=NORMAL: safe against a crash of this process, and no fsync per write
		// (a development and test database; production runs MongoDB).
		SQLiteURL: "file:" + dir + "/?_pragma=synchronous(normal)",
	})
	if err != nil {
		fail(err.Error())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *exitOnStdinEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	done := make(chan struct{})
	go func() {
		_ = f.Run(ctx)
		close(done)
	}()
	for i := 0; i < 200; i++ {
		if c, err := net.DialTimeout("tcp", *listenAddr, 100*time.Millisecond); err == nil {
			c.Close()
			fmt.Printf("ferretdb listening on %s\n", *listenAddr)
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	<-done
}

func fail(msg string) {
	fmt.Fprintf(os.Stderr, "ferretdb-portico: %s\n", msg)
	os.Exit(1)
}
