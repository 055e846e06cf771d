import { describe, expect, it } from 'vitest';
import { main as nestApp } from '../../examples/nest-app/main';
import { main as plainService } from '../../examples/plain-service';

// Every example runs here against the embedded mock Vault, so none rots.
describe('examples', () => {
  it('plain-service reads config and follows its database credentials through rotations', async () => {
    const lines: string[] = [];
    const result = await plainService((line) => lines.push(line));
    expect(lines[0]).toMatch(/^config v1: hello from https:\/\/api.example.com$/);
    expect(result.rotations).toBe(2);
    expect(result.users).toHaveLength(2);
  });

  // examples/connection-pool*.ts need a real PostgreSQL: test/databases/*example*.test.ts runs them.

  it('nest-app injects the client, serves a request and reports health', async () => {
    const { hello, health } = await nestApp(() => undefined);
    expect(hello).toMatchObject({
      message: 'hello from https://api.example.com',
      databaseUser: expect.stringMatching(/^v-/),
    });
    expect(health).toMatchObject({
      vault: { status: 'up', token: { valid: true }, secrets: { db: { valid: true } } },
    });
  });
});
