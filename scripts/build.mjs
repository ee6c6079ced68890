// npm run build: compiles src/ to dist/ (or the directory given as the only argument) with tsc,
// then copies the data files the code reads next to itself (the built-in rules, the term
// curation), so `node dist/main.js` finds them where `node --import tsx src/main.ts` does. The
// output directory must sit at the project's root: the code finds migrations/ and node_modules
// from there.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";

const outDir = process.argv[2] ?? "dist";
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
rmSync(outDir, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", outDir], { stdio: "inherit" });
cpSync("src", outDir, { recursive: true, filter: (path) => !path.endsWith(".ts") });
