import { statfsSync } from 'node:fs';
import {
  arch,
  cpus,
  freemem,
  hostname,
  loadavg,
  platform,
  release,
  totalmem,
  uptime,
  version,
} from 'node:os';
import { field } from '../../core/fields';
import { rfc3339 } from '../../core/go-format';
import { type DeclaredRoute, defineRoute } from '../../core/routes';
import type { VaultCore } from '../../core/vault-core';

/**
 * `sys/host-info` (hostutil.CollectHostInfo's shape, filled from node:os), the token counter of
 * `sys/internal/counters/tokens` (counters.go countActiveTokens) and `sys/metrics`
 * (metricsutil.ResponseForFormat: go-metrics' in-memory JSON; Prometheus is not enabled, as in a
 * Vault without `telemetry { prometheus_retention_time }`).
 */
export function hostRoutes(core: VaultCore): DeclaredRoute[] {
  return [
    defineRoute({
      pattern: 'host-info',
      handlers: { read: () => ({ data: hostInfo(core.now()) }) },
    }),
    defineRoute({
      pattern: 'internal/counters/tokens',
      handlers: {
        read: () => {
          core.expire();
          // Batch tokens are never stored, so they are not counted.
          const total = core.tokens.all().filter((token) => token.type === 'service').length;
          return { data: { counters: { service_tokens: { total } } } };
        },
      },
    }),
    defineRoute({
      pattern: 'metrics',
      fields: {
        format: field('string', 'Format to export metrics into. Currently accepts only "prometheus".'),
      },
      handlers: {
        read: (req, { fields }) => {
          const accept = req.headers.accept ?? '';
          const format =
            fields.format || (accept.includes('application/openmetrics-text') ? 'prometheus' : '');
          if (format === 'prometheus') {
            return { status: 400, raw: { contentType: 'text/plain', body: 'prometheus is not enabled' } };
          }
          return { raw: { contentType: 'application/json', body: JSON.stringify(metrics(core)) } };
        },
      },
    }),
  ];
}

function hostInfo(now: number): Record<string, unknown> {
  const processors = cpus();
  let disk: Record<string, unknown>[] = [];
  try {
    const stats = statfsSync('/');
    const total = stats.blocks * stats.bsize;
    const free = stats.bavail * stats.bsize;
    const used = total - stats.bfree * stats.bsize;
    disk = [{ path: '/', fstype: '', total, free, used, usedPercent: total > 0 ? (used / total) * 100 : 0 }];
  } catch {
    // CollectHostInfo reports what it could not read as a warning; the mock leaves the disk out.
  }
  const total = totalmem();
  const free = freemem();
  return {
    timestamp: rfc3339(now),
    cpu: processors.map((cpu, i) => ({
      cpu: i,
      vendorId: '',
      family: '',
      model: '',
      stepping: 0,
      physicalId: '',
      coreId: String(i),
      cores: 1,
      modelName: cpu.model,
      mhz: cpu.speed,
      cacheSize: 0,
      flags: [],
      microcode: '',
    })),
    cpu_times: processors.map((cpu, i) => ({
      cpu: `cpu${i}`,
      user: cpu.times.user / 1000,
      system: cpu.times.sys / 1000,
      idle: cpu.times.idle / 1000,
      nice: cpu.times.nice / 1000,
      iowait: 0,
      irq: cpu.times.irq / 1000,
      softirq: 0,
      steal: 0,
      guest: 0,
      guestNice: 0,
    })),
    disk,
    host: {
      hostname: hostname(),
      uptime: Math.floor(uptime()),
      bootTime: Math.floor(Date.now() / 1000 - uptime()),
      procs: 0,
      os: platform(),
      platform: platform(),
      platformFamily: '',
      platformVersion: version(),
      kernelVersion: release(),
      kernelArch: arch(),
      virtualizationSystem: '',
      virtualizationRole: '',
      hostid: '',
    },
    memory: {
      total,
      available: free,
      used: total - free,
      usedPercent: total > 0 ? ((total - free) / total) * 100 : 0,
      free,
      load1: loadavg()[0],
    },
  };
}

/** go-metrics InmemSink.DisplayMetrics, with the gauges a client's dashboard looks at first. */
function metrics(core: VaultCore): Record<string, unknown> {
  const at = new Date(core.now());
  const pad = (n: number) => String(n).padStart(2, '0');
  const timestamp = `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} +0000 UTC`;
  const gauge = (name: string, value: number) => ({ Name: name, Value: value, Labels: {} });
  return {
    Timestamp: timestamp,
    Gauges: [
      gauge('vault.core.unsealed', core.sealed ? 0 : 1),
      gauge('vault.expire.num_leases', core.leases.all().length),
      gauge('vault.token.count', core.tokens.all().filter((token) => token.type === 'service').length),
    ],
    Points: [],
    Counters: [],
    Samples: [],
  };
}
