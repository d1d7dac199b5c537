import { corsOriginProblem } from './cors';
import { EventConsumer, eventConsumerProblems } from './delivery';
import { TableKey, tableName } from './names';
import { PositionFilterSettings, TRACKER_DEFAULTS, positionFilterProblems } from './trackers';

/**
 * Every knob an operator turns, per environment, in one typed place.
 * Adding an environment is adding one entry to ENVIRONMENTS.
 */

export interface AutoScalingBounds {
  /** Lowest provisioned capacity units. */
  readonly min: number;
  /** Highest provisioned capacity units. */
  readonly max: number;
  /** Target utilisation in percent (Application Auto Scaling target tracking). */
  readonly targetUtilization: number;
}

export type DynamoCapacity =
  | { readonly billingMode: 'PAY_PER_REQUEST' }
  | {
      readonly billingMode: 'PROVISIONED';
      readonly read: AutoScalingBounds;
      readonly write: AutoScalingBounds;
    };

export interface FunctionSettings {
  /** MB; Lambda gives CPU in proportion ("optimize Lambda memory allocation"). */
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Provisioned concurrency on the `live` alias; 0 turns it off. */
  readonly provisionedConcurrency: number;
  /** Reserved concurrency; undefined leaves the function on the account pool. */
  readonly reservedConcurrency?: number;
  /**
   * Rollback only: the published version the `live` alias serves instead of the newest. Set it right
   * after `aws lambda update-alias` (help/RUNBOOK.md) so no later apply moves traffic back to the bad
   * version; remove it when the fix is released.
   */
  readonly pinnedVersion?: string;
}

export interface EnvironmentConfig {
  /** Short slug used in every name: `vehicle-tracking-<name>-…`. */
  readonly name: string;
  readonly region: string;
  /** `CostCenter` tag on every resource. */
  readonly costCenter: string;
  /**
   * Where Terraform state lives, chosen here (tracked), never by whether a site file exists:
   * `s3` — the account's bucket `vehicle-tracking-tfstate-<account>-<region>` (made by the
   * `vehicle-tracking-account` stack) with S3-native locking; the account id comes from
   * config/site/<env>.json, and without it `terraform init` asks for the bucket (synth warns).
   * `local` — `.terraform-state/<stack>/` at the repository root, outside `cdktf.out/`, so no synth
   * can delete it; for trying an environment out. Moving to `s3`: help/RUNBOOK.md, Upgrading.
   */
  readonly stateBackend: 's3' | 'local';
  readonly dynamodb: {
    readonly capacity: DynamoCapacity;
    /** Deletion protection on every table (always on in prod). */
    readonly deletionProtection: boolean;
    /**
     * Recovery only: serve a table under another name (e.g. one restored with point-in-time
     * recovery) after importing it into Terraform state. See help/RUNBOOK.md, DynamoDB Recovery.
     */
    readonly tableNameOverrides?: Partial<Record<TableKey, string>>;
    /**
     * Auto scaling owns table and index capacity, so Terraform ignores the `global_secondary_index`
     * blocks of provisioned tables (else any apply touching a table resets index capacity to the minimum).
     * Set true for the one apply that adds or removes an index of config/tables.ts, then remove it.
     */
    readonly applyIndexChanges?: boolean;
  };
  /** How long position history is kept, enforced with DynamoDB TTL. Older timestamps are rejected. */
  readonly positionRetentionDays: number;
  readonly trackers: {
    /** A vehicle whose newest fix arrived longer ago than this is `offline` (else `online`). */
    readonly offlineAfterMinutes: number;
    /** `GET /positions/nearby` leaves out vehicles whose latest fix is older, unless `maxAge` says otherwise. */
    readonly nearbyMaxAgeMinutes: number;
    /** Which fixes are stored as filtered (never the latest position), for fleets that do not override it. */
    readonly positionFilter: PositionFilterSettings;
  };
  readonly cache: {
    /** "Scale up node type" = change this value. */
    readonly nodeType: string;
    /** Read replicas per shard; > 0 turns on multi-AZ automatic failover. */
    readonly replicas: number;
    /** Days of daily snapshots kept. */
    readonly snapshotRetentionDays: number;
    /**
     * Recovery only: seed a replacement replication group from this *manual* snapshot (copy an
     * automatic one first: deleting the group deletes its automatic snapshots). See help/RUNBOOK.md.
     */
    readonly restoreFromSnapshot?: string;
  };
  readonly functions: {
    readonly api: FunctionSettings;
    /** The event log's stream consumer (one batch at a time per shard). */
    readonly events: FunctionSettings;
    /** The every-minute status sweep (deviceOffline / deviceOnline). */
    readonly status: FunctionSettings;
    /** Publishes the event log's changes to the bus and delivers them to webhooks. */
    readonly delivery: FunctionSettings;
  };
  readonly events: {
    /**
     * Who else reads the event bus, besides the webhooks: one rule per consumer, sending the events it
     * asks for to its SQS queue (the queue's policy must let events.amazonaws.com send, see help/EVENTS.md).
     */
    readonly consumers: readonly EventConsumer[];
  };
  readonly logRetentionDays: number;
  readonly network: {
    /** IPv4 range of the VPC; private subnets are carved from it, one per availability zone. */
    readonly vpcCidr: string;
    readonly availabilityZones: number;
  };
  readonly api: {
    /**
     * Origins of browser dashboards allowed to call the API (CORS), e.g. `https://fleet.example.com`;
     * none by default. The app answers their preflights and API Gateway routes OPTIONS to it without a key.
     */
    readonly corsOrigins: readonly string[];
    /** Steady-state requests per second allowed by the usage plan ("rate limiting in API Gateway"). */
    readonly throttleRateLimit: number;
    /** Burst bucket size of the usage plan. */
    readonly throttleBurstLimit: number;
    /**
     * Names of the API keys to issue. AWS generates each value; rotating a key = replacing its name
     * here (add the new one, deploy, move clients, remove the old one, deploy).
     */
    readonly apiKeyNames: readonly string[];
    /**
     * Keys cut off (after `aws apigateway update-api-key … enabled=false`): kept disabled by every
     * apply, and left out of the secret the API checks keys against. Names from apiKeyNames.
     */
    readonly disabledApiKeyNames?: readonly string[];
    /**
     * WAFv2 web ACL with a rate-based rule in front of the stage; requests per 5 minutes per IP. Must
     * let one IP send a key's full usage-plan rate (a gateway behind one address): >= throttleRateLimit × 300.
     */
    readonly waf: { readonly enabled: boolean; readonly rateLimitPer5Minutes: number };
  };
  readonly storage: {
    /** Audit logs (CloudTrail): days to Standard-IA, to Glacier, then deletion. */
    readonly transitionToInfrequentAccessDays: number;
    readonly transitionToGlacierDays: number;
    readonly expireAfterDays: number;
  };
  /** Monthly AWS Budgets limit in USD. */
  readonly monthlyBudgetUsd: number;
}

/** The retention periods CloudWatch Logs accepts. */
export const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** RFC 1123-ish slug: AWS names, the API Gateway stage and Terraform paths all accept it. */
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{1,14}$/;

export const ENVIRONMENTS: Readonly<Record<string, EnvironmentConfig>> = {
  /** The runbook's environment. */
  'test-70v': {
    name: 'test-70v',
    region: 'us-east-1',
    costCenter: 'fleet-platform-test',
    stateBackend: 'local',
    dynamodb: {
      capacity: {
        billingMode: 'PROVISIONED',
        read: { min: 5, max: 50, targetUtilization: 70 },
        write: { min: 5, max: 50, targetUtilization: 70 },
      },
      deletionProtection: false,
    },
    positionRetentionDays: 30,
    trackers: { ...TRACKER_DEFAULTS },
    cache: { nodeType: 'cache.t4g.micro', replicas: 0, snapshotRetentionDays: 1 },
    functions: {
      api: { memoryMb: 512, timeoutSeconds: 15, provisionedConcurrency: 0 },
      events: { memoryMb: 512, timeoutSeconds: 30, provisionedConcurrency: 0 },
      status: { memoryMb: 256, timeoutSeconds: 50, provisionedConcurrency: 0 },
      delivery: { memoryMb: 256, timeoutSeconds: 60, provisionedConcurrency: 0 },
    },
    events: { consumers: [] },
    logRetentionDays: 14,
    network: { vpcCidr: '10.70.0.0/16', availabilityZones: 2 },
    api: {
      corsOrigins: [],
      throttleRateLimit: 50,
      throttleBurstLimit: 100,
      apiKeyNames: ['fleet-apps-2026-11'],
      waf: { enabled: false, rateLimitPer5Minutes: 15_000 },
    },
    storage: { transitionToInfrequentAccessDays: 30, transitionToGlacierDays: 90, expireAfterDays: 365 },
    monthlyBudgetUsd: 100,
  },
  prod: {
    name: 'prod',
    region: 'us-east-1',
    costCenter: 'fleet-platform',
    stateBackend: 's3',
    dynamodb: {
      capacity: {
        billingMode: 'PROVISIONED',
        read: { min: 25, max: 1000, targetUtilization: 70 },
        write: { min: 25, max: 1000, targetUtilization: 70 },
      },
      deletionProtection: true,
    },
    positionRetentionDays: 365,
    trackers: { ...TRACKER_DEFAULTS },
    cache: { nodeType: 'cache.r7g.large', replicas: 1, snapshotRetentionDays: 7 },
    functions: {
      api: { memoryMb: 1024, timeoutSeconds: 15, provisionedConcurrency: 5, reservedConcurrency: 500 },
      events: { memoryMb: 1024, timeoutSeconds: 30, provisionedConcurrency: 0 },
      status: { memoryMb: 512, timeoutSeconds: 50, provisionedConcurrency: 0 },
      delivery: { memoryMb: 512, timeoutSeconds: 60, provisionedConcurrency: 0 },
    },
    events: { consumers: [] },
    logRetentionDays: 90,
    network: { vpcCidr: '10.80.0.0/16', availabilityZones: 3 },
    api: {
      corsOrigins: [],
      throttleRateLimit: 1000,
      throttleBurstLimit: 2000,
      apiKeyNames: ['fleet-apps-2026-11', 'telematics-gateway-2026-11'],
      waf: { enabled: true, rateLimitPer5Minutes: 300_000 },
    },
    storage: { transitionToInfrequentAccessDays: 30, transitionToGlacierDays: 90, expireAfterDays: 2555 },
    monthlyBudgetUsd: 2000,
  },
};

export class UnknownEnvironmentError extends Error {
  constructor(name: string) {
    super(
      `Unknown environment "${name}". Known environments: ${Object.keys(ENVIRONMENTS).join(', ')}. ` +
        'Add one in config/environments.ts.',
    );
    this.name = 'UnknownEnvironmentError';
  }
}

export function environmentNames(): string[] {
  return Object.keys(ENVIRONMENTS);
}

export function getEnvironment(name: string): EnvironmentConfig {
  const config = Object.prototype.hasOwnProperty.call(ENVIRONMENTS, name) ? ENVIRONMENTS[name] : undefined;
  if (!config) throw new UnknownEnvironmentError(name);
  validateEnvironment(config);
  return config;
}

/** Catches a mistyped entry at synth time, before Terraform or AWS would. */
export function validateEnvironment(config: EnvironmentConfig): void {
  const problems: string[] = [];
  if (!ENVIRONMENT_NAME.test(config.name)) {
    problems.push(`name must match ${ENVIRONMENT_NAME} (lower-case slug, 2-15 characters)`);
  }
  const { capacity } = config.dynamodb;
  if (capacity.billingMode === 'PROVISIONED') {
    for (const [kind, bounds] of [['read', capacity.read], ['write', capacity.write]] as const) {
      if (!(bounds.min >= 1 && bounds.max >= bounds.min)) {
        problems.push(`dynamodb.capacity.${kind}: need 1 <= min <= max`);
      }
      if (!(bounds.targetUtilization >= 20 && bounds.targetUtilization <= 90)) {
        problems.push(`dynamodb.capacity.${kind}.targetUtilization must be 20-90 (AWS limits)`);
      }
    }
  }
  if (!(config.positionRetentionDays >= 1)) problems.push('positionRetentionDays must be >= 1');
  for (const knob of ['offlineAfterMinutes', 'nearbyMaxAgeMinutes'] as const) {
    if (!(Number.isInteger(config.trackers[knob]) && config.trackers[knob] >= 1)) problems.push(`trackers.${knob} must be a whole number >= 1`);
  }
  problems.push(...positionFilterProblems(config.trackers.positionFilter).map(({ field, message }) => `trackers.positionFilter.${field} ${message}`));
  if (!(config.cache.snapshotRetentionDays >= 1)) problems.push('cache.snapshotRetentionDays must be >= 1');
  if (config.name === 'prod' && config.cache.snapshotRetentionDays < 7) {
    problems.push('cache.snapshotRetentionDays must be >= 7 in prod');
  }
  for (const [job, fn] of Object.entries(config.functions)) {
    if (!(fn.memoryMb >= 128 && fn.memoryMb <= 10240)) problems.push(`functions.${job}.memoryMb must be 128-10240`);
    if (job === 'api' && !(fn.timeoutSeconds >= 1 && fn.timeoutSeconds <= 29)) {
      problems.push(`functions.${job}.timeoutSeconds must be 1-29 (API Gateway's integration limit)`);
    }
    if (!(fn.timeoutSeconds >= 1 && fn.timeoutSeconds <= 900)) problems.push(`functions.${job}.timeoutSeconds must be 1-900 (Lambda's limit)`);
    if (!(fn.provisionedConcurrency >= 0)) problems.push(`functions.${job}.provisionedConcurrency must be >= 0`);
  }
  problems.push(...eventConsumerProblems(config.events.consumers));
  if (!CLOUDWATCH_RETENTION_DAYS.includes(config.logRetentionDays)) {
    problems.push(`logRetentionDays must be one of CloudWatch's values: ${CLOUDWATCH_RETENTION_DAYS.join(', ')}`);
  }
  if (!/^10\.\d{1,3}\.0\.0\/16$/.test(config.network.vpcCidr)) problems.push('network.vpcCidr must be a 10.x.0.0/16 range');
  if (!(config.network.availabilityZones >= 2 && config.network.availabilityZones <= 4)) {
    problems.push('network.availabilityZones must be 2-4 (Multi-AZ needs at least 2)');
  }
  for (const origin of config.api.corsOrigins) {
    const problem = corsOriginProblem(origin);
    if (problem) problems.push(`api.corsOrigins: ${problem}`);
  }
  if (config.api.apiKeyNames.length === 0) problems.push('api.apiKeyNames needs at least one key');
  for (const key of config.api.disabledApiKeyNames ?? []) {
    if (!config.api.apiKeyNames.includes(key)) problems.push(`api.disabledApiKeyNames: "${key}" is not in api.apiKeyNames`);
  }
  for (const [job, fn] of Object.entries(config.functions)) {
    if (fn.pinnedVersion !== undefined && !/^[1-9]\d*$/.test(fn.pinnedVersion)) problems.push(`functions.${job}.pinnedVersion must be a published version number`);
  }
  if (new Set(config.api.apiKeyNames).size !== config.api.apiKeyNames.length) problems.push('api.apiKeyNames has duplicates');
  for (const key of config.api.apiKeyNames) {
    if (!/^[a-z0-9][a-z0-9-]{2,40}$/.test(key)) problems.push(`api.apiKeyNames: "${key}" must be a lower-case slug`);
  }
  if (config.api.waf.rateLimitPer5Minutes < 10) problems.push('api.waf.rateLimitPer5Minutes must be >= 10 (AWS minimum)');
  if (config.api.waf.rateLimitPer5Minutes < config.api.throttleRateLimit * 300) {
    problems.push(
      `api.waf.rateLimitPer5Minutes must be >= api.throttleRateLimit × 300 (${config.api.throttleRateLimit * 300}): ` +
        'otherwise the WAF blocks a client behind one IP that stays within its usage plan',
    );
  }
  if (config.cache.restoreFromSnapshot?.startsWith('automatic.')) {
    problems.push(
      'cache.restoreFromSnapshot names an automatic snapshot, which is deleted with the group it restores into: ' +
        'copy it first (aws elasticache copy-snapshot, see help/RUNBOOK.md ElastiCache Recovery) and name the copy',
    );
  }
  const { storage } = config;
  if (!(storage.transitionToInfrequentAccessDays >= 30 && storage.transitionToGlacierDays >= storage.transitionToInfrequentAccessDays + 30 && storage.expireAfterDays > storage.transitionToGlacierDays)) {
    problems.push('storage: need IA >= 30 days, Glacier >= IA + 30, expiry after Glacier (S3 minimums)');
  }
  if (!(config.api.throttleBurstLimit >= config.api.throttleRateLimit)) {
    problems.push('api.throttleBurstLimit must be >= api.throttleRateLimit');
  }
  if (problems.length > 0) {
    throw new Error(`Environment "${config.name}" is invalid:\n- ${problems.join('\n- ')}`);
  }
}

type Paths<T, Depth extends unknown[] = []> = Depth['length'] extends 5
  ? never
  : T extends readonly unknown[]
    ? never
    : T extends object
      ? { [K in keyof T & string]: K | `${K}.${Paths<NonNullable<T[K]>, [...Depth, unknown]>}` }[keyof T & string]
      : never;

/** Every key path of an environment entry, e.g. `functions.api.memoryMb`. */
export type ConfigPath = Paths<EnvironmentConfig>;

/** Keys an environment may leave out; help/ may name them though no environment sets them. */
export const OPTIONAL_CONFIG_KEYS = [
  'dynamodb.applyIndexChanges',
  'functions.api.reservedConcurrency',
  'functions.api.pinnedVersion',
  'api.disabledApiKeyNames',
  'dynamodb.tableNameOverrides',
  'cache.restoreFromSnapshot',
] as const satisfies readonly ConfigPath[];

/** The table's name in AWS: `vehicle-tracking-<env>-<key>`, or the recovery override. */
export function physicalTableName(config: EnvironmentConfig, table: TableKey): string {
  return config.dynamodb.tableNameOverrides?.[table] ?? tableName(config.name, table);
}
