/** The track's colours: the period light, the part up to the time slider dark (the browser test looks for them on screen). */
export const TRACK_COLOURS = { period: '#f4a3c0', travelled: '#c2185b' } as const;
/** A geofence's outline. */
export const GEOFENCE_OUTLINE = '#b08900';
/** The map's background where no base map is drawn (no tiles, or no style). */
export const PLAIN_BACKGROUND = '#e8eef2';
