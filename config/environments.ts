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
}

export interface EnvironmentConfig {
  /** Short slug used in every name: `vehicle-tracking-<name>-…`. */
  readonly name: string;
  readonly region: string;
  /** `CostCenter` tag on every resource. */
  readonly costCenter: string;
  /** S3 bucket holding Terraform state; without one the state stays local (synth and tests need no AWS). */
  readonly stateBucket?: string;
  readonly dynamodb: {
    readonly capacity: DynamoCapacity;
    /** Deletion protection on every table (always on in prod). */
    readonly deletionProtection: boolean;
  };
  /** How long position history is kept, enforced with DynamoDB TTL. Older timestamps are rejected. */
  readonly positionRetentionDays: number;
  readonly cache: {
    /** "Scale up node type" = change this value. */
    readonly nodeType: string;
    /** Read replicas per shard; > 0 turns on multi-AZ automatic failover. */
    readonly replicas: number;
    /** Days of daily snapshots kept. */
    readonly snapshotRetentionDays: number;
  };
  readonly functions: {
    readonly api: FunctionSettings;
  };
  readonly logRetentionDays: number;
  readonly api: {
    /** Steady-state requests per second allowed by the usage plan. */
    readonly throttleRateLimit: number;
    /** Burst bucket size of the usage plan. */
    readonly throttleBurstLimit: number;
  };
  readonly alarmEmail?: string;
  /** Monthly AWS Budgets limit in USD. */
  readonly monthlyBudgetUsd: number;
}

/** RFC 1123-ish slug: AWS names, the API Gateway stage and Terraform paths all accept it. */
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{1,14}$/;

export const ENVIRONMENTS: Readonly<Record<string, EnvironmentConfig>> = {
  /** The runbook's environment. */
  'test-70v': {
    name: 'test-70v',
    region: 'us-east-1',
    costCenter: 'fleet-platform-test',
    dynamodb: {
      capacity: {
        billingMode: 'PROVISIONED',
        read: { min: 5, max: 50, targetUtilization: 70 },
        write: { min: 5, max: 50, targetUtilization: 70 },
      },
      deletionProtection: false,
    },
    positionRetentionDays: 30,
    cache: { nodeType: 'cache.t4g.micro', replicas: 0, snapshotRetentionDays: 1 },
    functions: {
      api: { memoryMb: 512, timeoutSeconds: 15, provisionedConcurrency: 0 },
    },
    logRetentionDays: 14,
    api: { throttleRateLimit: 50, throttleBurstLimit: 100 },
    monthlyBudgetUsd: 100,
  },
  prod: {
    name: 'prod',
    region: 'us-east-1',
    costCenter: 'fleet-platform',
    stateBucket: 'vehicle-tracking-prod-terraform-state',
    dynamodb: {
      capacity: {
        billingMode: 'PROVISIONED',
        read: { min: 25, max: 1000, targetUtilization: 70 },
        write: { min: 25, max: 1000, targetUtilization: 70 },
      },
      deletionProtection: true,
    },
    positionRetentionDays: 365,
    cache: { nodeType: 'cache.r7g.large', replicas: 1, snapshotRetentionDays: 7 },
    functions: {
      api: { memoryMb: 1024, timeoutSeconds: 15, provisionedConcurrency: 5, reservedConcurrency: 500 },
    },
    logRetentionDays: 90,
    api: { throttleRateLimit: 1000, throttleBurstLimit: 2000 },
    alarmEmail: 'oncall@example.com',
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
  if (!(config.cache.snapshotRetentionDays >= 1)) problems.push('cache.snapshotRetentionDays must be >= 1');
  if (config.name === 'prod' && config.cache.snapshotRetentionDays < 7) {
    problems.push('cache.snapshotRetentionDays must be >= 7 in prod');
  }
  for (const [job, fn] of Object.entries(config.functions)) {
    if (!(fn.memoryMb >= 128 && fn.memoryMb <= 10240)) problems.push(`functions.${job}.memoryMb must be 128-10240`);
    if (!(fn.timeoutSeconds >= 1 && fn.timeoutSeconds <= 29)) {
      problems.push(`functions.${job}.timeoutSeconds must be 1-29 (API Gateway's integration limit)`);
    }
    if (!(fn.provisionedConcurrency >= 0)) problems.push(`functions.${job}.provisionedConcurrency must be >= 0`);
  }
  if (!(config.api.throttleBurstLimit >= config.api.throttleRateLimit)) {
    problems.push('api.throttleBurstLimit must be >= api.throttleRateLimit');
  }
  if (problems.length > 0) {
    throw new Error(`Environment "${config.name}" is invalid:\n- ${problems.join('\n- ')}`);
  }
}
