/**
 * Places for work under way, out of a fixed capacity. A place is taken before a row is claimed
 * (so claims never exceed the capacity) and given back when its work is done or was not needed.
 * The count cannot go negative or past the capacity: giving back more than was taken is a bug,
 * and throws instead of silently letting the dispatcher overrun its limit later.
 */
export class Slots {
  private taken = 0;

  constructor(readonly capacity: number) {}

  get free(): number {
    return this.capacity - this.taken;
  }

  get busy(): number {
    return this.taken;
  }

  /** Takes up to `wanted` places; answers how many it got (0 when full). */
  take(wanted: number): number {
    const granted = Math.max(0, Math.min(wanted, this.free));
    this.taken += granted;
    return granted;
  }

  give(count = 1): void {
    if (!Number.isInteger(count) || count < 0 || count > this.taken) {
      throw new Error(`cannot give back ${count} places: ${this.taken} taken`);
    }
    this.taken -= count;
  }
}
