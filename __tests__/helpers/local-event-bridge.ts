import * as crypto from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface PutEventsEntry {
  readonly EventBusName: string;
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly Time?: number;
}

export interface SentMessage {
  readonly QueueUrl: string;
  readonly MessageBody: string;
  readonly DelaySeconds?: number;
}

/**
 * EventBridge's PutEvents and SQS's SendMessage, GetQueueUrl, ReceiveMessage and DeleteMessage on a local port, speaking their JSON wire protocols,
 * so the real @aws-sdk clients run (neither service runs locally). Records what was sent; `refuse`
 * makes the next PutEvents answers fail entries, as EventBridge does under throttling.
 */
export class LocalEventBridge {
  readonly published: PutEventsEntry[] = [];
  readonly sent: SentMessage[] = [];
  /** Per PutEvents call, from the first: how many leading entries to fail. */
  refuse: number[] = [];
  /** Messages waiting in queues by name (ReceiveMessage hides what it returns; DeleteMessage removes it). */
  readonly queues = new Map<string, { body: string; receipt: string; hidden: boolean }[]>();

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<LocalEventBridge> {
    let self!: LocalEventBridge;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => self.answer(String(req.headers['x-amz-target']), JSON.parse(body || '{}'), res));
    });
    self = new LocalEventBridge(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Puts letters in a queue, as a failure destination or a rule's dead-letter queue would. */
  letters(queueName: string, bodies: readonly string[]): void {
    this.queues.set(queueName, [...(this.queues.get(queueName) ?? []), ...bodies.map((body) => ({ body, receipt: crypto.randomUUID(), hidden: false }))]);
  }

  private answer(target: string, input: Record<string, unknown>, res: http.ServerResponse): void {
    const reply = (payload: unknown) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(payload));
    };
    if (target === 'AWSEvents.PutEvents') {
      const entries = input.Entries as PutEventsEntry[];
      const failing = this.refuse.shift() ?? 0;
      entries.slice(failing).forEach((entry) => this.published.push(entry));
      return reply({
        FailedEntryCount: Math.min(failing, entries.length),
        Entries: entries.map((_, i) => (i < failing ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } : { EventId: crypto.randomUUID() })),
      });
    }
    if (target === 'AmazonSQS.GetQueueUrl') {
      return reply({ QueueUrl: `${this.endpoint}/123456789012/${String(input.QueueName)}` });
    }
    if (target === 'AmazonSQS.ReceiveMessage') {
      const queue = this.queues.get(String(input.QueueUrl).split('/').pop()!) ?? [];
      const visible = queue.filter((message) => !message.hidden).slice(0, Number(input.MaxNumberOfMessages ?? 1));
      visible.forEach((message) => (message.hidden = true));
      const md5 = (body: string) => crypto.createHash('md5').update(body).digest('hex');
      return reply({ Messages: visible.map((message) => ({ MessageId: message.receipt, ReceiptHandle: message.receipt, Body: message.body, MD5OfBody: md5(message.body) })) });
    }
    if (target === 'AmazonSQS.DeleteMessage') {
      for (const queue of this.queues.values()) {
        const at = queue.findIndex((message) => message.receipt === input.ReceiptHandle);
        if (at >= 0) queue.splice(at, 1);
      }
      return reply({});
    }
    if (target === 'AmazonSQS.SendMessage') {
      this.sent.push(input as unknown as SentMessage);
      const body = String(input.MessageBody);
      return reply({ MessageId: crypto.randomUUID(), MD5OfMessageBody: crypto.createHash('md5').update(body).digest('hex') });
    }
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ __type: 'UnknownOperationException', message: target }));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
