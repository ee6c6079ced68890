export * from "./decisions.ts";
export * from "./dispatch-attempts.ts";
export * from "./hook-deliveries.ts";
export * from "./messages.ts";
export * from "./moderators.ts";
export * from "./outbox.ts";
export * from "./rule-versions.ts";
export * from "./stats.ts";
