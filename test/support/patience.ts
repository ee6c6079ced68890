/**
 * How long a test waits for something that must happen (a process ready, a status reached, a
 * call made) before it fails. It only bounds a hang: every wait polls or listens and returns as
 * soon as the thing happens, so a generous limit costs nothing on a quiet machine and keeps the
 * suite passing on a busy one (a migrated embedded database can take half a minute to start with
 * both cores loaded). GATEHOUSE_TEST_PATIENCE_MS changes it.
 */
export const PATIENCE_MS = Number(process.env.GATEHOUSE_TEST_PATIENCE_MS) || 120_000;
