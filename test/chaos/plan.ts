import type { VaultKubernetesClient } from 'vault-kubernetes-client';
import type { MockVault } from 'vault-kubernetes-client/testing';
import type { Sabotage } from './judge';
import type { Rng } from './random';
import type { ProxyMode, TcpProxy } from './tcp-proxy';
import type { Wire } from './wire';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const INFINITE = Number.POSITIVE_INFINITY;

/** A stretch of time with one fault active. `outage`: Vault answers nothing useful while it lasts. */
export interface Episode {
  kind: string;
  start: number;
  end: number;
  outage: boolean;
  detail: string;
  /** For a fault in two stages (failover): when the second begins. */
  switchAt?: number;
}

/** A one-off act of sabotage at an instant. */
export interface Blip {
  kind: string;
  at: number;
}

export interface Plan {
  episodes: Episode[];
  blips: Blip[];
  kvWrites: number[];
}

/**
 * Kinds of episode with their simulated durations. Drop and half-open cost real time (each
 * attempt waits out the client's per-attempt timeout), so they are kept short.
 */
const EPISODES: [kind: string, outage: boolean, minMs: number, maxMs: number, weight: number][] = [
  ['refuse', true, 2 * MINUTE, 12 * MINUTE, 2],
  ['seal', true, 2 * MINUTE, 12 * MINUTE, 2],
  ['http-5xx', true, 2 * MINUTE, 10 * MINUTE, 2],
  ['html', true, 2 * MINUTE, 8 * MINUTE, 2],
  ['rate-limited', true, 2 * MINUTE, 8 * MINUTE, 2],
  ['reset-body', true, MINUTE, 5 * MINUTE, 2],
  ['drop', true, 10 * SECOND, 40 * SECOND, 1],
  ['half-open', true, 10 * SECOND, 30 * SECOND, 1],
  ['delay', false, 5 * MINUTE, 30 * MINUTE, 2],
  // Vault HA failover: the active node goes away (refused connections for a few seconds), then the
  // standbys answer 500 "local node not active but active cluster node not found" until one of
  // them is elected; then service again, with every token and lease intact (one storage).
  ['failover', true, 40 * SECOND, 2 * MINUTE, 2],
];
export const EPISODE_KINDS = EPISODES.map(([kind]) => kind);
export const BLIPS = [
  'revoke-lease',
  'revoke-token',
  'fail-once',
  '429-once',
  'html-once',
  'reset-once',
  'slow-blip',
];

/** The whole run's faults, drawn from the seed before it starts, so a replay sees the same plan. */
export function makePlan(rng: Rng, start: number, end: number, quietMs: number): Plan {
  const episodes: Episode[] = [];
  const nextEpisode = deck(rng, EPISODES, (e) => e[4]);
  for (let t = start + rng.int(20, 60) * MINUTE; ; ) {
    const [kind, outage, min, max] = nextEpisode();
    const duration = rng.int(min / SECOND, max / SECOND) * SECOND;
    if (t + duration + quietMs > end) break;
    const episode: Episode = { kind, outage, start: t, end: t + duration, detail: '' };
    if (kind === 'failover') episode.switchAt = t + rng.int(3, 15) * SECOND;
    episodes.push(episode);
    t += duration + quietMs + rng.int(45, 165) * MINUTE;
  }
  // Blips keep clear of episodes: a slow blip lasts 2 minutes, and recovery is judged in the quiet after.
  const busy = (at: number) => episodes.some((e) => at > e.start - 4 * MINUTE && at < e.end + quietMs);
  const blips: Blip[] = [];
  const nextBlip = deck(rng, BLIPS);
  for (let t = start + 10 * MINUTE; t < end - quietMs; t += rng.int(15, 75) * MINUTE) {
    if (!busy(t)) blips.push({ kind: nextBlip(), at: t + rng.int(0, 59_999) });
  }
  const kvWrites: number[] = [];
  for (let t = start + rng.int(5, 40) * MINUTE; t < end; t += rng.int(10, 60) * MINUTE) kvWrites.push(t);
  return { episodes, blips, kvWrites };
}

/**
 * Draws like dealing from a shuffled deck: the first hand has every kind once, so even a short
 * plan meets them all; later hands hold `weight` copies of each, reshuffled when empty.
 */
function deck<T>(rng: Rng, items: readonly T[], weight: (item: T) => number = () => 1): () => T {
  let hand = shuffle(rng, [...items]);
  return () => {
    if (hand.length === 0)
      hand = shuffle(
        rng,
        items.flatMap((item) => Array(weight(item)).fill(item)),
      );
    return hand.pop()!;
  };
}

function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export interface Saboteur {
  mock: MockVault;
  proxy: TcpProxy;
  client: VaultKubernetesClient;
  wire: Wire;
  sabotage: Sabotage;
  rng: Rng;
}

/** Turns an episode's fault on; returns what turns it off. */
export async function begin(s: Saboteur, episode: Episode): Promise<() => Promise<void>> {
  const { mock, proxy, rng } = s;
  const viaProxy = async (mode: ProxyMode) => {
    episode.detail = JSON.stringify(mode);
    await proxy.setMode(mode);
    return () => proxy.setMode({ kind: 'pass' });
  };
  const viaMock = (detail: string, arm: () => void) => {
    episode.detail = detail;
    arm();
    return async () => mock.faults.clear();
  };
  switch (episode.kind) {
    case 'refuse':
      return viaProxy({ kind: 'refuse' });
    case 'drop':
      return viaProxy({ kind: 'drop' });
    case 'half-open':
      return viaProxy({ kind: 'half-open' });
    case 'reset-body':
      return viaProxy({ kind: 'reset', bodyBytes: rng.int(0, 40) });
    case 'delay':
      return viaProxy({ kind: 'delay', ms: rng.int(2, 30) });
    case 'failover': {
      const refusedS = Math.round(((episode.switchAt ?? episode.start) - episode.start) / 1000);
      episode.detail = `refused ${refusedS}s, then 500 no active node`;
      await proxy.setMode({ kind: 'refuse' });
      return async () => {
        await proxy.setMode({ kind: 'pass' });
        mock.faults.clear();
      };
    }
    case 'seal':
      episode.detail = 'sealed';
      mock.seal();
      return async () => mock.unseal();
    case 'http-5xx': {
      const status = rng.pick([500, 502, 503, 504]);
      return viaMock(`${status}`, () => mock.faults.failNext({ status, times: INFINITE }));
    }
    case 'html':
      return viaMock('502 html', () => mock.faults.htmlError({ status: 502, times: INFINITE }));
    case 'rate-limited': {
      const retryAfter = rng.int(1, 20);
      return viaMock(`429 Retry-After ${retryAfter}`, () =>
        mock.faults.failNext({
          status: 429,
          retryAfter,
          errors: ['request path "x": rate limit quota exceeded'],
          times: INFINITE,
        }),
      );
    }
  }
  throw new Error(`unknown episode kind ${episode.kind}`);
}

/** A failover's second stage: the old active is gone for good, and no standby has taken over yet. */
export async function switchOver(s: Saboteur): Promise<void> {
  await s.proxy.setMode({ kind: 'pass' });
  s.mock.faults.failNext({
    status: 500,
    errors: ['local node not active but active cluster node not found'],
    times: INFINITE,
  });
}

/** Performs a blip; returns a description for the log, and an undo for a blip that lasts. */
export async function blip(s: Saboteur, b: Blip): Promise<{ text: string; undo?: () => Promise<void> }> {
  const text = await act(s, b);
  if (b.kind !== 'slow-blip') return { text };
  return { text, undo: () => s.proxy.setMode({ kind: 'pass' }) };
}

async function act(s: Saboteur, b: Blip): Promise<string> {
  const { mock, proxy, client, rng, sabotage } = s;
  const now = mock.clock.now();
  switch (b.kind) {
    case 'revoke-lease': {
      const mine = new Set(s.wire.accessors());
      const leases = mock.leases().filter((l) => mine.has(l.tokenAccessor));
      if (leases.length === 0) return 'revoke-lease: none held';
      const lease = rng.pick(leases);
      sabotage.leases.set(lease.id, now);
      sabotage.owners.set(lease.id, lease.tokenAccessor);
      mock.revokeLease(lease.id);
      return `revoke-lease ${lease.path}`;
    }
    case 'revoke-token': {
      const accessor = client.tokenInfo()?.accessor;
      if (!accessor) return 'revoke-token: no token';
      for (const lease of mock.leases({ tokenAccessor: accessor })) {
        sabotage.leases.set(lease.id, now);
        sabotage.owners.set(lease.id, accessor);
      }
      mock.revokeToken(accessor);
      return 'revoke-token';
    }
    case 'fail-once': {
      const status = rng.pick([500, 502, 503, 504]);
      mock.faults.failNext({ status, times: rng.int(1, 3) });
      return `fail-once ${status}`;
    }
    case '429-once': {
      const retryAfter = rng.int(1, 10);
      mock.faults.failNext({ status: 429, retryAfter, times: rng.int(1, 3) });
      return `429-once Retry-After ${retryAfter}`;
    }
    case 'html-once':
      mock.faults.htmlError({ status: rng.pick([502, 504]), times: rng.int(1, 3) });
      return 'html-once';
    case 'reset-once':
      mock.faults.resetConnection({ afterHeaders: rng.chance(0.5), times: rng.int(1, 3) });
      return 'reset-once';
    case 'slow-blip': {
      const ms = rng.int(20, 80);
      await proxy.setMode({ kind: 'delay', ms });
      return `slow-blip ${ms} ms`;
    }
  }
  throw new Error(`unknown blip ${b.kind}`);
}
