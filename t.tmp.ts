import { readFileSync } from "node:fs";
import { parseRuleSet } from "./src/rules/index.ts";
import { chatLine, seededRandom } from "./test/bench/corpus.ts";
const terms = readFileSync("src/rules/data/ldnoobw-en.txt","utf8");
const rules = parseRuleSet("rules:\n  - id: terms\n    action: reject\n    when:\n      text_has_any_file: t.txt\n", "b.yaml", { readFile: () => terms });
const r = seededRandom(1); const lines = Array.from({length: 20000}, () => chatLine(r));
for (let k=0;k<5;k++){ const t=performance.now(); for (const l of lines) rules.evaluate({message:{id:"m",text:l},metadata:{},requestInfo:null}); const e=performance.now()-t; console.log((lines.length/e*1000)|0, "msg/s"); }
