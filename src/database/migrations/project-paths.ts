import { existsSync } from 'node:fs';
import path from 'node:path';

export interface ProjectPaths {
  schemaFile: string;
  migrationsDir: string;
}

/** Where schema.prisma and the migrations live; by default under the folder holding package.json. */
export function resolveProjectPaths(overrides: Partial<ProjectPaths> = {}): ProjectPaths {
  const prismaDir = path.join(findProjectRoot(__dirname), 'prisma');
  return {
    schemaFile: path.resolve(overrides.schemaFile ?? path.join(prismaDir, 'schema.prisma')),
    migrationsDir: path.resolve(overrides.migrationsDir ?? path.join(prismaDir, 'migrations')),
  };
}

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (dir === path.dirname(dir)) return process.cwd();
  }
}
