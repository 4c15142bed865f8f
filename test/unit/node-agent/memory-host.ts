import type { FsStats, HostReader } from '../../../node-agent/collect/host-reader';

const enoent = (path: string): Error => Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });

/**
 * A HostReader over an in-memory map of files (path -> content) and symlinks (path -> target),
 * for tests that need broken or vanishing files. Directories are implied by file paths.
 */
export function createMemoryHost(files: Record<string, string>, links: Record<string, string> = {}, statfs?: (path: string) => FsStats): HostReader {
  const paths = Object.keys(files);
  const isDir = (path: string): boolean => paths.some((p) => p.startsWith(`${path}/`));
  return {
    readText: (path) => {
      if (!(path in files)) throw enoent(path);
      return files[path];
    },
    listDirs: (path) => {
      if (!isDir(path)) throw enoent(path);
      return [...new Set(paths.filter((p) => p.startsWith(`${path}/`)).map((p) => p.slice(path.length + 1).split('/')).filter((s) => s.length > 1).map((s) => s[0]))];
    },
    readLink: (path) => {
      if (!(path in links)) throw enoent(path);
      return links[path];
    },
    exists: (path) => path in files || path in links || isDir(path),
    statfs: (path) => {
      if (!statfs) throw enoent(path);
      return statfs(path);
    },
  };
}
