import type { CliCommand } from './command';
import { demoCommand } from './demo';
import { doctorCommand } from './doctor-command';
import { mockVaultCommand } from './mock-vault-command';

/** The CLI's command table: one line per command (its options and help live with the command). */
export const commands: readonly CliCommand[] = [mockVaultCommand, demoCommand, doctorCommand];
