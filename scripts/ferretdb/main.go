// Command ferretdb-portico runs FerretDB v1 (MongoDB wire protocol, SQLite backend) embedded through FerretDB's
// public Go package, for Portico's development and tests. A plain `go install` of FerretDB's own command panics
// at start (its build/version/version.txt is generated, FerretDB issue #2982). The embedded package does not:
// build/version only reads those files when the main module is FerretDB itself, so no -ldflags are needed
// (the server reports version "unknown", package "embedded"). Telemetry is always off in the embedded package.
//
// With -exit-on-stdin-eof it also exits when its standard input closes, so it never outlives the Node process
// that started it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on (port 0 picks a free one)")
	sqliteDir := flag.String("sqlite-dir", "", "directory for the SQLite files (created if missing)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	exitOnStdinEOF := flag.Bool("exit-on-stdin-eof", false, "exit when standard input closes (parent process ended)")
	flag.Parse()

	if flag.NArg() > 0 {
		fail(fmt.Sprintf("unexpected arguments: %q", flag.Args()))
	}
	if *sqliteDir == "" {
		fail("-sqlite-dir is required")
	}
	dir, err := filepath.Abs(*sqliteDir)
	if err != nil {
		fail(err.Error())
	}
	// The directory goes into a file: URI unescaped (FerretDB rebuilds the URI from its path).
	if strings.ContainsAny(dir, "?#%") {
		fail(fmt.Sprintf("-sqlite-dir %q must not contain '?', '#' or '%%'", dir))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fail(err.Error())
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail("invalid -log-level: " + err.Error())
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// New opens the SQLite backend and binds the TCP listener (net.Listen) before returning, so a taken port
	// fails here ("... bind: address already in use"), and once it returns the kernel already accepts
	// connections; Run only starts the accept loop.
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listenAddr},
		Logger:   logger,
		Handler:  "sqlite",
		// WAL (FerretDB's default) with synchronous=NORMAL: safe against a crash of this process, and no fsync
		// per write (a development and test database; production runs MongoDB).
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
	go func() {
		// After the first signal, restore default handling: a second Ctrl-C or SIGTERM kills at once
		// (a clean stop gives open client connections a few seconds to go).
		<-ctx.Done()
		stop()
	}()

	addr := *listenAddr
	if u, err := url.Parse(f.MongoDBURI()); err == nil && u.Host != "" {
		addr = u.Host // the bound address, e.g. the real port for -listen-addr 127.0.0.1:0
	}
	fmt.Printf("ferretdb listening on %s\n", addr)

	_ = f.Run(ctx) // returns once the listener, all connections and the backend are closed
}

func fail(msg string) {
	fmt.Fprintf(os.Stderr, "ferretdb-portico: %s\n", msg)
	os.Exit(1)
}
