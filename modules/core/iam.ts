/** IAM policy documents as JSON strings, so the synthesized JSON reads like a hand-written one. */
export interface Statement {
  readonly sid?: string;
  readonly effect?: 'Allow' | 'Deny';
  readonly principal?: Record<string, string | string[]> | '*';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export function policyDocument(statements: readonly Statement[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: statements.map((s) => ({
      ...(s.sid ? { Sid: s.sid } : {}),
      Effect: s.effect ?? 'Allow',
      ...(s.principal ? { Principal: s.principal } : {}),
      Action: [...s.actions],
      Resource: [...s.resources],
      ...(s.condition ? { Condition: s.condition } : {}),
    })),
  });
}

export function assumeRolePolicy(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
}
