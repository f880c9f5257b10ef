import { access } from 'node:fs/promises';
import path from 'node:path';

import { ensureDatabase } from './ensure-database';
import { findFreePort } from './free-port';
import { clearLeftoverPostmaster, isRunning, readPostmasterPid } from './leftover-postmaster';
import { EmbeddedPostgresClass, loadEmbeddedPostgres } from './load-embedded-postgres';
import { OutputTail } from './output-tail';
import { runsAsRoot } from './postgres-user';
import { prepareForPostgresUser } from './postgres-user-access';

export const DEFAULT_EMBEDDED_DATABASE_NAME = 'tollgate';

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  /** 0 or undefined: any free port. */
  port?: number;
  databaseName?: string;
  /** Receives PostgreSQL's output; without it PostgreSQL stays quiet. */
  log?: (line: string) => void;
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

type EmbeddedPostgres = InstanceType<EmbeddedPostgresClass>;

const SUPERUSER = 'postgres';
const SUPERUSER_PASSWORD = 'postgres';
const HOST = '127.0.0.1';

/** Ports tried when any free port will do: another process may take the one found before PostgreSQL binds it. */
const FREE_PORT_ATTEMPTS = 3;

export async function startEmbeddedPostgres(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const databaseName = options.databaseName ?? DEFAULT_EMBEDDED_DATABASE_NAME;
  const libraryFile = await prepareForPostgresUser(dataDir);
  for (let attempt = 1; ; attempt++) {
    const port = options.port || (await findFreePort(HOST));
    const output = new OutputTail(options.log);
    const server = await newEmbeddedPostgres(dataDir, port, output, libraryFile);
    if (!(await isCluster(dataDir))) await server.initialise();
    await clearLeftoverPostmaster(dataDir);
    const started = await server.start().then(
      () => true,
      () => false,
    );
    if (started) return connect(server, dataDir, port, databaseName);
    const portTaken = output.text().includes('Address already in use');
    if (options.port || !portTaken || attempt === FREE_PORT_ATTEMPTS) {
      throw new Error(`PostgreSQL did not start on port ${port} with data in ${dataDir}:\n${output.text()}`);
    }
  }
}

async function connect(
  server: EmbeddedPostgres,
  dataDir: string,
  port: number,
  databaseName: string,
): Promise<EmbeddedDatabase> {
  const stop = stopOnce(server, await readPostmasterPid(dataDir));

  try {
    await ensureDatabase(connectionUrl(port, 'postgres'), databaseName);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: connectionUrl(port, databaseName), stop };
}

async function newEmbeddedPostgres(
  dataDir: string,
  port: number,
  output: OutputTail,
  libraryFile: string | undefined,
): Promise<EmbeddedPostgres> {
  const EmbeddedPostgres = await loadEmbeddedPostgres(libraryFile);
  return new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password: SUPERUSER_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    postgresFlags: ['-c', `listen_addresses=${HOST}`, '-c', 'unix_socket_directories='],
    // PostgreSQL refuses to run as root; as root the library runs it as the `postgres` user
    // (created when missing) and hands it the data directory.
    createPostgresUser: runsAsRoot(),
    onLog: output.push,
    onError: output.push,
  });
}

function isCluster(dataDir: string): Promise<boolean> {
  return access(path.join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}

function stopOnce(server: EmbeddedPostgres, postmasterPid: number | undefined): () => Promise<void> {
  const signalStopOnExit = () => {
    if (postmasterPid !== undefined) signalIfRunning(postmasterPid, 'SIGINT');
  };
  process.once('exit', signalStopOnExit);

  let stopping: Promise<void> | undefined;
  // The library waits for the postmaster's exit event, which never comes if it has already died.
  const stop = async () => {
    process.removeListener('exit', signalStopOnExit);
    if (postmasterPid === undefined || (await isRunning(postmasterPid))) await server.stop();
  };
  return () => (stopping ??= stop());
}

function signalIfRunning(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
}

function connectionUrl(port: number, databaseName: string): string {
  return `postgresql://${SUPERUSER}:${SUPERUSER_PASSWORD}@${HOST}:${port}/${encodeURIComponent(databaseName)}`;
}
