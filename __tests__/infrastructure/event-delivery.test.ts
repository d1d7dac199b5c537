import { EVENT_SOURCE } from '../../config/delivery';
import { ENVIRONMENTS, environmentNames } from '../../config/environments';
import { webhookQueueNames } from '../../config/names';
import { synthesizeAll, synthesizeEntry } from '../helpers/synthesized';

describe.each(environmentNames())('%s: the event log leaves through the bus and the webhooks', (environment) => {
  const synthesized = synthesizeAll();
  const api = synthesized.module(environment, 'api_services').resource;
  const events = synthesized.module(environment, 'events').resource;
  const bus = `vehicle-tracking-${environment}-events`;

  test('the delivery function runs outside the VPC (receivers are on the internet); the others inside', () => {
    expect(api.aws_lambda_function.delivery.vpc_config).toBeUndefined();
    for (const job of ['api', 'events', 'status']) expect([job, api.aws_lambda_function[job].vpc_config?.subnet_ids]).toEqual([job, expect.anything()]);
    // Nor may it manage network interfaces it has no use for.
    expect(api.aws_iam_role_policy.delivery_policy.policy).not.toContain('ec2:CreateNetworkInterface');
  });

  test('the function is told the bus and queues module.events creates, and may use exactly those', () => {
    const variables = api.aws_lambda_function.delivery.environment.variables;
    const queues = webhookQueueNames(environment);
    expect(events.aws_cloudwatch_event_bus.bus.name).toBe(bus);
    expect(variables.EVENT_BUS_NAME).toBe(bus);
    expect(events.aws_sqs_queue.webhook_retries.name).toBe(queues.retries);
    expect(events.aws_sqs_queue.webhook_dead_letters.name).toBe(queues.deadLetters);
    expect(variables.WEBHOOK_RETRY_QUEUE_URL).toMatch(new RegExp(`/${queues.retries}$`));
    expect(variables.WEBHOOK_DEAD_LETTER_QUEUE_URL).toMatch(new RegExp(`/${queues.deadLetters}$`));
    expect(variables.WEBHOOK_ALLOW_PRIVATE_TARGETS).toBeUndefined();
    const statements: { Sid: string; Action: string[]; Resource: string[] }[] = JSON.parse(api.aws_iam_role_policy.delivery_policy.policy).Statement;
    const sid = (name: string) => statements.find((s) => s.Sid === name)!;
    expect(sid('PublishToTheBus').Resource).toEqual([expect.stringMatching(new RegExp(`:event-bus/${bus}$`))]);
    expect(sid('QueueDeliveries').Resource).toEqual([expect.stringMatching(new RegExp(`:${queues.retries}$`)), expect.stringMatching(new RegExp(`:${queues.deadLetters}$`))]);
  });

  test('the events stream drives the delivery function as the positions stream drives the events function', () => {
    const mapping = events.aws_lambda_event_source_mapping.events_stream;
    expect(mapping).toMatchObject({ event_source_arn: '${var.events_stream_arn}', function_name: '${var.delivery_function_alias_arn}', starting_position: 'TRIM_HORIZON', parallelization_factor: 1, bisect_batch_on_function_error: true });
    expect(mapping.destination_config.on_failure.destination_arn).toBe('${var.delivery_dead_letter_queue_arn}');
    expect(JSON.parse(mapping.filter_criteria.filter[0].pattern)).toEqual({ eventName: ['INSERT', 'MODIFY'] });
  });

  test('every rule on the bus: this project\'s events, a retry policy and a dead-letter queue', () => {
    const rules = Object.values(events.aws_cloudwatch_event_rule) as { name: string; event_bus_name: string; event_pattern: string }[];
    expect(rules.map((r) => r.name).sort()).toEqual([`${bus}-log`, `${bus}-webhooks`]);
    for (const rule of rules) expect(JSON.parse(rule.event_pattern).source).toEqual([EVENT_SOURCE]);
    for (const target of Object.values(events.aws_cloudwatch_event_target) as { dead_letter_config: { arn: string }; retry_policy: object }[]) {
      expect(target.dead_letter_config.arn).toBe('${aws_sqs_queue.bus_dead_letters.arn}');
      expect(target.retry_policy).toEqual({ maximum_event_age_in_seconds: 86400, maximum_retry_attempts: 185 });
    }
    expect(events.aws_lambda_permission.webhooks_permission).toMatchObject({ principal: 'events.amazonaws.com', qualifier: 'live', source_arn: '${aws_cloudwatch_event_rule.webhooks_rule.arn}' });
  });

  test('the retry queue: failures per message, hidden long enough for the function, then the dead letters', () => {
    const retries = events.aws_sqs_queue.webhook_retries;
    expect(retries.visibility_timeout_seconds).toBeGreaterThanOrEqual(6 * ENVIRONMENTS[environment].functions.delivery.timeoutSeconds);
    expect(JSON.parse(retries.redrive_policy)).toEqual({ deadLetterTargetArn: '${aws_sqs_queue.webhook_dead_letters.arn}', maxReceiveCount: 5 });
    expect(events.aws_lambda_event_source_mapping.webhook_retries_mapping).toMatchObject({ event_source_arn: '${aws_sqs_queue.webhook_retries.arn}', function_response_types: ['ReportBatchItemFailures'] });
  });
});

test('a consumer in the config gets its own rule (its types only), its queue as target, and an alarm', () => {
  const base = ENVIRONMENTS['test-70v'];
  const queueArn = 'arn:aws:sqs:us-east-1:123456789012:dispatch-events';
  const read = synthesizeEntry({ ...base, events: { consumers: [{ name: 'dispatch', queueArn, eventTypes: ['geofenceEnter', 'geofenceExit'] }] } });
  const events = read('events').resource;
  const rule = events.aws_cloudwatch_event_rule.consumer_dispatch_rule;
  expect(rule.name).toBe('vehicle-tracking-test-70v-events-dispatch');
  expect(JSON.parse(rule.event_pattern)).toEqual({ source: [EVENT_SOURCE], detail: { event: { type: ['geofenceEnter', 'geofenceExit'] } } });
  expect(events.aws_cloudwatch_event_target.consumer_dispatch_target).toMatchObject({ arn: queueArn, rule: '${aws_cloudwatch_event_rule.consumer_dispatch_rule.name}' });
  const alarm = read('monitoring').resource.aws_cloudwatch_metric_alarm.bus_failed_invocations_dispatch;
  expect(alarm).toMatchObject({ alarm_name: 'vehicle-tracking-test-70v-bus-failed-invocations-dispatch', dimensions: { RuleName: rule.name, EventBusName: 'vehicle-tracking-test-70v-events' } });
  // And its dead letters may come from this rule.
  expect(events.aws_sqs_queue_policy.bus_dead_letters_policy.policy).toContain('${aws_cloudwatch_event_rule.consumer_dispatch_rule.arn}');
});

test.each([
  [{ name: 'webhooks', queueArn: 'arn:aws:sqs:us-east-1:123456789012:q' }, /built in/],
  [{ name: 'Dispatch', queueArn: 'arn:aws:sqs:us-east-1:123456789012:q' }, /lower-case slug/],
  [{ name: 'dispatch', queueArn: 'arn:aws:sns:us-east-1:123456789012:topic' }, /SQS queue ARN/],
  [{ name: 'dispatch', queueArn: 'arn:aws:sqs:us-east-1:123456789012:q.fifo' }, /FIFO queues are not supported/],
  [{ name: 'dispatch', queueArn: 'arn:aws:sqs:us-east-1:123456789012:q', eventTypes: ['teleport'] }, /"teleport" is not one of/],
])('a mistyped consumer is refused at synth (%o)', (consumer, message) => {
  const base = ENVIRONMENTS['test-70v'];
  expect(() => synthesizeEntry({ ...base, events: { consumers: [consumer] } })).toThrow(message);
});
