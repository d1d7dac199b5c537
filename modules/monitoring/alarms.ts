import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Construct } from 'constructs';
import { resourceName } from '../../config/names';
import { AlarmThreshold, runbookAnchor } from '../../config/thresholds';

export const RUNBOOK_PATH = 'help/RUNBOOK.md';

export interface AlarmContext {
  readonly environment: string;
  readonly topicArn: string;
}

/** `vehicle-tracking-<env>-<threshold id>[-<subject>]` */
export function alarmName(environment: string, threshold: AlarmThreshold, subject?: string): string {
  return resourceName(environment, subject ? `${threshold.id}-${subject}` : threshold.id);
}

/** Every alarm: named by convention, pointing at its runbook section, notifying the topic on alarm and recovery. */
export function alarm(
  scope: Construct,
  id: string,
  context: AlarmContext,
  threshold: AlarmThreshold,
  subject: string | undefined,
  config: Omit<CloudwatchMetricAlarmConfig, 'alarmName' | 'alarmDescription' | 'alarmActions' | 'okActions' | 'threshold'>,
): CloudwatchMetricAlarm {
  return new CloudwatchMetricAlarm(scope, id, {
    alarmName: alarmName(context.environment, threshold, subject),
    alarmDescription:
      `${threshold.description}${subject ? ` (${subject})` : ''}. ` +
      `Runbook: ${RUNBOOK_PATH}#${runbookAnchor(threshold.runbookSection)}`,
    threshold: threshold.threshold,
    alarmActions: [context.topicArn],
    okActions: [context.topicArn],
    ...config,
  });
}
