import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a sampled frame's code lives: an npm package, our own code, Node's internals, or V8's buckets. */
function ownerOf({ url, functionName }: ProfileNode['callFrame']): string {
  if (!url) return functionName.startsWith('(') ? functionName : `native: ${functionName || '(anonymous)'}`; // (garbage collector), (program), (idle); C++ bindings
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return `node: ${url.slice(5).replace(/^internal\//, '').split('/')[0]}`;
  const own = /\/(src|dist\/src)\/(.+)$/.exec(url);
  return own ? `kit: ${own[2]!.replace(/\.(js|ts)$/, '')}` : url;
}

/**
 * Self time by owner (package, our module, Node core, GC), as shares of the busy (non-idle)
 * time; samples in the first `skipMs` (the process's start-up) are left out.
 */
export function selfTimeByOwner(profileFile: string, skipMs = 0): { owner: string; share: number; ms: number }[] {
  const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let at = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (at < skipMs * 1000) continue;
    const node = byId.get(profile.samples[i]!)!;
    const owner = ownerOf(node.callFrame);
    totals.set(owner, (totals.get(owner) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  totals.delete('(idle)');
  const busy = [...totals.values()].reduce((a, b) => a + b, 0);
  return [...totals.entries()]
    .map(([owner, us]) => ({ owner, share: us / busy, ms: us / 1000 }))
    .sort((a, b) => b.share - a.share);
}

/** The one .cpuprofile Node wrote into `dir` (`node --cpu-prof --cpu-prof-dir dir`). */
export function profileIn(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length !== 1) throw new Error(`expected one .cpuprofile in ${dir}, found ${files.length}`);
  return join(dir, files[0]!);
}
