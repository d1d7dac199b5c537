/** Backup, maintenance and recovery numbers from the runbook, shared by infrastructure and help/. */

/** "DynamoDB: Point-in-time recovery enabled (35 days)". */
export const PITR_RECOVERY_PERIOD_DAYS = 35;

/** "Sunday 2:00 AM - 4:00 AM UTC", in the format ElastiCache and others take. */
export const MAINTENANCE_WINDOW = 'sun:02:00-sun:04:00';

/** Daily cache snapshots, taken well clear of the maintenance window. */
export const CACHE_SNAPSHOT_WINDOW = '05:00-06:00';
