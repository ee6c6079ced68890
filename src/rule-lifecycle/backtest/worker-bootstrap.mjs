// Starts the backtest worker from TypeScript sources (npm start, the tests): module hooks such as
// tsx's are registered per thread, so the worker registers them itself before loading its code.
// The built service (npm run build) starts worker.js directly and never reads this file.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
