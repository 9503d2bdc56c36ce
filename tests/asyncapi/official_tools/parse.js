// Parse an AsyncAPI document with @asyncapi/parser and print its diagnostics as JSON:
// [{"code": ..., "severity": "error" | "warning" | "information" | "hint", "path": "...", "message": ...}]
// Usage: node parse.js asyncapi.json
"use strict";

const { Parser, fromFile } = require("@asyncapi/parser");

const SEVERITIES = ["error", "warning", "information", "hint"];

async function main(file) {
  const { diagnostics } = await fromFile(new Parser(), file).parse();
  const report = diagnostics.map((d) => ({
    code: String(d.code),
    severity: SEVERITIES[d.severity],
    path: d.path.join("/"),
    message: d.message,
  }));
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
}

main(process.argv[2]).catch((error) => {
  console.error(error);
  process.exit(2);
});
