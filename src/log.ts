import pino, { type DestinationStream, type Logger } from "pino";

/** Structured JSON logs; credentials never reach them, even when an object carrying one is logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "gatehouse" },
      redact: {
        paths: [
          "*.authorization",
          "*.Authorization",
          "*.x-signature",
          "*.apiSecret",
          "*.secret",
          "*.secrets",
          "*.token",
          "*.adminToken",
          "headers.authorization",
        ],
        censor: "[redacted]",
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
