import { EVENT_SOURCE, GEOFENCE_DETAIL_TYPE, VEHICLE_DETAIL_TYPE } from '../../../config/delivery';
import type { EventType } from '../domain/events';
import type { StoredEvent } from '../services/event-store';
import { toEventView } from '../services/event-view';

/** Amazon Location's `EventType` for ours (ENTER / EXIT are its own; the rest follow its style). */
const LOCATION_EVENT_TYPE: Record<EventType, string> = {
  geofenceEnter: 'ENTER',
  geofenceExit: 'EXIT',
  overspeed: 'OVERSPEED',
  alarm: 'ALARM',
  deviceOffline: 'DEVICE_OFFLINE',
  deviceOnline: 'DEVICE_ONLINE',
};

/**
 * One change of the event log as it leaves the platform: the EventBridge entry's fields, and the
 * body of a webhook delivery. `detail` starts with Amazon Location's geofence-event fields
 * (EventType, GeofenceId, DeviceId, SampleTime, Position as [lon, lat], GeofenceProperties), so rules
 * and code written for its events carry over; `DeviceId` is the vehicle id (a vehicle's tracker can
 * change). Then ours: the change (`raised` or `retracted`), its id, and the event as GET /events shows it.
 */
export interface EventMessage {
  /** `<event id>@<change time ms>`: the same for every copy of one change; receivers drop repeats by it (on the bus: detail.changeId). */
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  /** When the change happened (ISO-8601; to the second on the bus, to the millisecond in detail.changedAt). */
  readonly time: string;
  readonly detail: {
    readonly EventType: string;
    readonly GeofenceId?: string;
    readonly DeviceId: string;
    readonly SampleTime: string;
    readonly Position: readonly [number, number];
    readonly GeofenceProperties?: { readonly name: string };
    readonly change: 'raised' | 'retracted';
    /** The message id (on the bus EventBridge gives the envelope its own id: drop repeats by this). */
    readonly changeId: string;
    /** When the change was made, to the millisecond (EventBridge rounds the envelope's `time` to seconds): order changes by it. */
    readonly changedAt: string;
    readonly event: ReturnType<typeof toEventView>;
  };
}

/** The change time the item was stamped with (`changed()` in event-store.ts). */
export const changeTime = (event: StoredEvent): number => Number(event.changeKey.slice(0, 15));

export function eventMessage(event: StoredEvent): EventMessage {
  const view = toEventView(event);
  const changedAt = changeTime(event);
  const changeId = `${event.id}@${changedAt}`;
  const geofence = event.type === 'geofenceEnter' || event.type === 'geofenceExit';
  return {
    id: changeId,
    source: EVENT_SOURCE,
    'detail-type': geofence ? GEOFENCE_DETAIL_TYPE : VEHICLE_DETAIL_TYPE,
    time: new Date(changedAt).toISOString(),
    detail: {
      EventType: LOCATION_EVENT_TYPE[event.type],
      ...(event.geofenceId !== undefined && { GeofenceId: event.geofenceId }),
      DeviceId: event.vehicleId,
      SampleTime: view.timestamp,
      Position: [event.lon, event.lat],
      ...(event.geofenceName !== undefined && { GeofenceProperties: { name: event.geofenceName } }),
      change: event.retractedAt === undefined ? 'raised' : 'retracted',
      changeId,
      changedAt: new Date(changedAt).toISOString(),
      event: view,
    },
  };
}
