// npm run build: compiles src/ to dist/ with tsc, then copies the data files the code reads
// next to itself (the built-in rules, the term curation), so `node dist/main.js` finds them
// where `node --import tsx src/main.ts` does.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
rmSync("dist", { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });
cpSync("src", "dist", { recursive: true, filter: (path) => !path.endsWith(".ts") });
