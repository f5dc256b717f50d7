#!/usr/bin/env node
// The `portico` command. Node 22.18+ runs our TypeScript directly (type stripping); npm/npx put the
// project's own Node 24 first on PATH, so `npx portico` works even where the system Node is older.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`portico needs Node.js 22.18 or newer (this is ${process.version}); run it as \`npx portico\` after \`npm ci\`.\n`);
  process.exit(1);
}
await import('../server/cli.ts');
