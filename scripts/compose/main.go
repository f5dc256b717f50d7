// Loads a compose file the way `docker compose config` does (compose-go, the library Docker Compose itself uses):
// schema validation, interpolation from the given env files, normalisation and the consistency checks. Prints the
// resolved project as JSON, or the first problem on stderr with exit code 1. The machine's own environment is left
// out on purpose, so the result depends only on the files in the repository.
//
// Usage: compose-check <compose file> [env file...]
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check <compose file> [env file...]")
		os.Exit(2)
	}
	file, envFiles := os.Args[1], os.Args[2:]
	options, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithEnvFiles(envFiles...),
		cli.WithDotEnv,
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err == nil {
		var project any
		if project, err = options.LoadProject(context.Background()); err == nil {
			out := json.NewEncoder(os.Stdout)
			out.SetIndent("", "  ")
			err = out.Encode(project)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
