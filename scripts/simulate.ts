/**
 * `npm run simulate [-- <options>]` (`-- --help` lists them): drives a fleet around Amsterdam
 * through the HTTP API (JSON batches, and a share of the fleet through the OsmAnd route), printing
 * live progress. Defaults to the dev server on :3000.
 */
import { ParseArgsConfig, parseArgs } from 'util';
import { FleetSimulator, SIMULATED_AREA, progressLine } from './simulator/fleet-simulator';

const OPTIONS = {
  'base-url': { type: 'string', default: process.env.API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}` },
  'api-key': { type: 'string', default: process.env.API_KEY },
  vehicles: { type: 'string', default: '20' },
  interval: { type: 'string', default: '2' },
  duration: { type: 'string', default: '0' },
  'osmand-share': { type: 'string', default: '0.25' },
  fleet: { type: 'string', default: 'sim' },
  depot: { type: 'string', default: '0' },
  help: { type: 'boolean', default: false },
} satisfies ParseArgsConfig['options'];

/** What each option does: `--help` prints one line per option, so none goes undocumented. */
const HELP: Record<keyof typeof OPTIONS, string> = {
  'base-url': 'the API to drive (env API_URL; a deployed stage: https://<id>.execute-api.<region>.amazonaws.com/<env>)',
  'api-key': 'sent as x-api-key (env API_KEY); needed for a deployed stage',
  vehicles: 'how many vehicles to drive',
  interval: "seconds between one vehicle's reports (>= 1)",
  duration: 'seconds to run; 0 runs until Ctrl-C',
  'osmand-share': 'fraction of the fleet that reports like Traccar Client, through /osmand (0-1)',
  fleet: 'the fleet id the vehicles are registered in',
  depot: 'metres: a circular depot geofence of this radius at the centre; vehicles start there and shuttle between it and customers; prints the events the fleet raises (0: none)',
  help: 'print this list',
};

function usage(): string {
  const lines = (Object.keys(OPTIONS) as (keyof typeof OPTIONS)[]).map((name) => {
    const fallback = OPTIONS[name].default;
    return `  --${name.padEnd(13)} ${HELP[name]}${typeof fallback === 'string' ? ` (default ${fallback})` : ''}`;
  });
  return `npm run simulate -- [options]: drives a fleet around Amsterdam through the API, printing live progress.\n${lines.join('\n')}`;
}

function parseOptions() {
  try {
    return parseArgs({ options: OPTIONS, strict: true }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage()}`);
    process.exit(2);
  }
}

const values = parseOptions();
if (values.help) {
  console.log(usage());
  process.exit(0);
}

const positiveNumber = (name: string, value: string | undefined, min: number): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    console.error(`--${name} must be a number >= ${min} (got ${value})`);
    process.exit(2);
  }
  return n;
};

async function main(): Promise<void> {
  const simulator = new FleetSimulator({
    baseUrl: values['base-url']!,
    apiKey: values['api-key'],
    vehicles: Math.floor(positiveNumber('vehicles', values.vehicles, 1)),
    intervalSeconds: positiveNumber('interval', values.interval, 1),
    durationSeconds: positiveNumber('duration', values.duration, 0),
    osmandShare: Math.min(1, positiveNumber('osmand-share', values['osmand-share'], 0)),
    fleetId: values.fleet!,
    ...SIMULATED_AREA,
    depotRadiusMeters: positiveNumber('depot', values.depot, 0),
  });
  process.once('SIGINT', () => simulator.stop());
  try {
    await simulator.setup();
  } catch (error) {
    console.error(`${(error as Error).message}\nIs the API running? Start it with: npm run dev`);
    process.exit(1);
  }
  const seconds = Number(values.duration);
  console.log(`Simulating ${simulator.stats.vehicles} vehicles against ${values['base-url']} (${seconds > 0 ? `for ${seconds} s, or until Ctrl-C` : 'Ctrl-C to stop'})`);
  // On a terminal one line updated in place; piped to a file, a plain line every 10 s.
  let lastLine = 0;
  const progress = process.stdout.isTTY
    ? (s: Parameters<typeof progressLine>[0]) => void process.stdout.write(`\r${progressLine(s)}\x1b[K`)
    : (s: Parameters<typeof progressLine>[0]) => {
        if (Date.now() - lastLine < 10_000) return;
        lastLine = Date.now();
        console.log(progressLine(s));
      };
  // With a depot, the events the fleet raises, as they appear (evaluation follows storage by a moment).
  let lastPoll = 0;
  const withEvents = async (s: Parameters<typeof progressLine>[0]) => {
    progress(s);
    if (!Number(values.depot) || Date.now() - lastPoll < 3000) return;
    lastPoll = Date.now();
    for (const event of await simulator.newEvents().catch(() => [])) {
      if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
      console.log(`event ${event.type} ${event.vehicleId}${event.geofenceName ? ` "${event.geofenceName}"` : ''} at ${event.timestamp}${event.retractedAt ? ' (retracted)' : ''}`);
    }
  };
  const stats = await simulator.run((s) => void withEvents(s));
  if (process.stdout.isTTY) process.stdout.write('\n');
  if (Number(values.depot)) {
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the last fixes' events
    lastPoll = 0;
    await withEvents(stats);
  }
  console.log(`Done: ${stats.stored} of ${stats.sent} positions stored, ${stats.errors} errors, in ${stats.elapsedSeconds.toFixed(1)} s.`);
  console.log(`See them: curl '${values['base-url']}/vehicles?fleetId=${values.fleet}'`);
  process.exit(stats.errors > 0 ? 1 : 0);
}

void main();
