// Generate TypeScript interfaces from an AsyncAPI document with @asyncapi/modelina and print
// them as JSON: [{"name": "PingMessage", "code": "interface PingMessage { ... }"}]
// Usage: node models.js asyncapi.json
"use strict";

const fs = require("fs");
const { TypeScriptGenerator } = require("@asyncapi/modelina");

async function main(file) {
  const document = JSON.parse(fs.readFileSync(file, "utf8"));
  const generator = new TypeScriptGenerator({ modelType: "interface" });
  const models = await generator.generate(document);
  const report = models.map((model) => ({ name: model.modelName, code: model.result }));
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
}

main(process.argv[2]).catch((error) => {
  console.error(error);
  process.exit(2);
});
