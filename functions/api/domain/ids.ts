import * as crypto from 'crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const randomBase32 = (length: number) => Array.from(crypto.randomBytes(length), (byte) => BASE32[byte & 31]).join('');

/** Generated ids: `v_` + 20 base32 characters (100 bits), unguessable and URL-safe. */
export const generateVehicleId = () => `v_${randomBase32(20)}`;
/** Generated device ids: 26 base32 characters (130 bits): device protocols authenticate by them alone. */
export const generateDeviceId = () => randomBase32(26);
/** Generated geofence ids: `g_` + 20 base32 characters. */
export const generateGeofenceId = () => `g_${randomBase32(20)}`;
/** Generated webhook ids: `wh_` + 20 base32 characters. */
export const generateWebhookId = () => `wh_${randomBase32(20)}`;
/** Webhook signing secrets: `whsec_` + 32 random bytes. */
export const generateWebhookSecret = () => `whsec_${crypto.randomBytes(32).toString('base64url')}`;
