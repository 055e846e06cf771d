import { describe, expect, it } from 'vitest';
import { main as connectionPool } from '../../examples/connection-pool';
import { PG_ADMIN_URL, requireServer } from './support/servers';

const available = await requireServer('postgresql');

describe.skipIf(!available)('examples/connection-pool.ts', () => {
  it('follows Vault through twelve simulated hours on a real PostgreSQL: three rotations, four users, no failed query', async () => {
    const lines: string[] = [];
    const result = await connectionPool((line) => lines.push(line), PG_ADMIN_URL);
    expect(result).toEqual({ queries: 720, failures: 0, rotations: 3, users: 4 });
    expect(lines.filter((l) => l.includes('has finished its work and ended'))).toHaveLength(3);
  });
});
