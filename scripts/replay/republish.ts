import type { EventBus } from '../../functions/api/delivery/event-bus';
import { eventMessage } from '../../functions/api/delivery/event-message';
import type { EventStore } from '../../functions/api/services/event-store';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Publishes again every change of the event log made in [since, until] (the byChange index, UTC
 * day by day, in change order), as the delivery function published them: same messages, same ids,
 * so consumers that already have one drop the repeat. Returns how many were published.
 */
export async function republishChanges(events: EventStore, bus: EventBus, range: { since: number; until: number }, onProgress?: (published: number) => void): Promise<number> {
  const pad = (ms: number) => String(ms).padStart(15, '0');
  const [fromKey, beyondKey] = [pad(range.since), pad(range.until + 1)];
  let published = 0;
  for (let day = Math.floor(range.since / DAY_MS) * DAY_MS; day <= range.until; day += DAY_MS) {
    let startKey: Record<string, string> | undefined;
    do {
      const page = await events.changes({ day: new Date(day).toISOString().slice(0, 10), fromKey, limit: 100, startKey });
      const inRange = page.events.filter((event) => event.changeKey < beyondKey);
      await bus.publish(inRange.map(eventMessage));
      published += inRange.length;
      onProgress?.(published);
      // Past the window: the rest of the day is later still.
      startKey = inRange.length < page.events.length ? undefined : page.lastKey;
    } while (startKey);
  }
  return published;
}
