import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { WIDEN_AFTER_MS, WIDEN_BEFORE_MS } from './window-args';

export interface Window {
  readonly since: number;
  readonly until: number;
}

/**
 * The changes a dead letter stands for, as a window of change times:
 * - a stream batch the delivery function gave up on (`DDBStreamBatchInfo`): its records' arrival
 *   times, widened (a change is stamped just before its write reaches the stream, to the second);
 * - a bus event the delivery function gave up on (Lambda's `requestPayload`) or a bus rule did (the
 *   event itself): its change's own time, exactly.
 * Undefined for anything else (the letter is left in its queue).
 */
export function letterWindow(body: string): Window | undefined {
  let letter: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    letter = JSON.parse(body);
  } catch {
    return undefined;
  }
  const batch = letter?.DDBStreamBatchInfo;
  if (batch) {
    const [first, last] = [Date.parse(batch.approximateArrivalOfFirstRecord), Date.parse(batch.approximateArrivalOfLastRecord)];
    return Number.isFinite(first) && Number.isFinite(last) ? { since: first - WIDEN_BEFORE_MS, until: last + WIDEN_AFTER_MS } : undefined;
  }
  const event = letter?.requestPayload ?? letter;
  const changedAt = Date.parse(event?.detail?.changedAt);
  return Number.isFinite(changedAt) ? { since: changedAt, until: changedAt } : undefined;
}

/** Overlapping or touching windows as one. */
export function mergeWindows(windows: readonly Window[]): Window[] {
  const sorted = [...windows].sort((a, b) => a.since - b.since);
  const merged: Window[] = [];
  for (const window of sorted) {
    const last = merged[merged.length - 1];
    if (last && window.since <= last.until + 1) merged[merged.length - 1] = { since: last.since, until: Math.max(last.until, window.until) };
    else merged.push(window);
  }
  return merged;
}

export interface Letter {
  readonly queueUrl: string;
  readonly receiptHandle: string;
  readonly window?: Window;
}

/** Every letter of a queue, each hidden for 10 minutes while this runs (a second run meanwhile sees none of them). */
export async function readLetters(sqs: SQSClient, queueName: string): Promise<Letter[]> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
  const letters: Letter[] = [];
  // Short polls sample the queue's servers: it is empty after a few empty answers in a row.
  for (let empty = 0; empty < 3; ) {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600, WaitTimeSeconds: 0 }));
    if (!Messages?.length) {
      empty += 1;
      continue;
    }
    empty = 0;
    letters.push(...Messages.map((message) => ({ queueUrl: QueueUrl!, receiptHandle: message.ReceiptHandle!, window: letterWindow(message.Body ?? '') })));
  }
  return letters;
}

export async function deleteLetter(sqs: SQSClient, letter: Letter): Promise<void> {
  await sqs.send(new DeleteMessageCommand({ QueueUrl: letter.queueUrl, ReceiptHandle: letter.receiptHandle }));
}
