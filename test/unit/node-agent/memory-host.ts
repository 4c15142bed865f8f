import type { FsStats, HostReader } from '../../../node-agent/collect/host-reader';

const enoent = (path: string): Error => Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });

/**
 * A HostReader over an in-memory map of files (path -> content) and symlinks (path -> target),
 * for tests that need broken or vanishing files. Directories are implied by file and link paths
 * (an empty directory is a path ending in `/`). A directory's modification time is a number made
 * from the names it holds, so it changes exactly when an entry is added or removed.
 */
export function createMemoryHost(files: Record<string, string>, links: Record<string, string> = {}, statfs?: (path: string) => FsStats): HostReader {
  const entries = [...Object.keys(files), ...Object.keys(links)];
  const isDir = (path: string): boolean => entries.some((p) => p.startsWith(`${path}/`));
  /** Direct children of a directory: [name, is a directory]. */
  const children = (path: string): Map<string, boolean> => {
    if (!isDir(path)) throw enoent(path);
    const out = new Map<string, boolean>();
    for (const p of entries.filter((e) => e.startsWith(`${path}/`))) {
      const parts = p.slice(path.length + 1).split('/');
      if (parts[0] !== '') out.set(parts[0], (out.get(parts[0]) ?? false) || parts.length > 1);
    }
    return out;
  };
  return {
    readText: (path) => {
      if (!(path in files)) throw enoent(path);
      return files[path];
    },
    listDirs: (path) => [...children(path)].filter(([, dir]) => dir).map(([name]) => name),
    listNames: (path) => [...children(path).keys()],
    modifiedMs: (path) => {
      let hash = 0;
      for (const name of [...children(path).keys()].sort().join('/')) hash = (hash * 31 + name.charCodeAt(0)) % 2 ** 31;
      return hash;
    },
    readLink: (path) => {
      if (!(path in links)) throw enoent(path);
      return links[path];
    },
    // Every file its own: tests that need two paths of one file wrap this.
    fileId: (path) => {
      if (!(path in files)) throw enoent(path);
      return path;
    },
    exists: (path) => path in files || path in links || isDir(path),
    statfs: (path) => {
      if (!statfs) throw enoent(path);
      return statfs(path);
    },
  };
}
