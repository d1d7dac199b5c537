import { startLocalDynamo } from '../../functions/local/local-dynamodb';

/** dynalite in a process of its own: prints its endpoint, serves until killed. */
startLocalDynamo().then((dynamo) => process.stdout.write(`${dynamo.endpoint}\n`));
