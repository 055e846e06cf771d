import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Vault's sdk/helper/cidrutil as AppRole uses it for `secret_id_bound_cidrs` and a secret ID's
 * `cidr_list`: Go's net.ParseCIDR, which wants a mask on every block (unlike the sockaddr parser
 * behind `token_bound_cidrs`), and the subset rule between a role's blocks and a secret ID's.
 */
interface Cidr {
  address: string;
  bits: number;
  family: 'ipv4' | 'ipv6';
}

function parseCidr(text: string): Cidr | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  if (slash === -1) return undefined;
  const address = trimmed.slice(0, slash);
  const prefix = trimmed.slice(slash + 1);
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!family || !/^\d{1,3}$/.test(prefix)) return undefined;
  const bits = Number(prefix);
  if (bits > (family === 'ipv4' ? 32 : 128)) return undefined;
  return { address, bits, family };
}

/** ValidateCIDRListSlice: Go's ParseError text for the first block that is not a CIDR. */
export function invalidCidr(blocks: readonly string[]): string | undefined {
  const bad = blocks.find((block) => !parseCidr(block));
  return bad === undefined ? undefined : `invalid CIDR address: ${bad.trim()}`;
}

function contains(cidr: Cidr, address: string): boolean {
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!family) return false;
  const list = new BlockList();
  list.addSubnet(cidr.address, cidr.bits, cidr.family);
  return list.check(address, family);
}

/** IPBelongsToCIDRBlocksSlice, for an address Vault took from the connection (IPv4-mapped forms as IPv4). */
export function addressInCidrs(remoteAddress: string, blocks: readonly string[]): boolean {
  const address = remoteAddress.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  return blocks.some((block) => {
    const cidr = parseCidr(block);
    return cidr !== undefined && contains(cidr, address);
  });
}

/** The network address of a block, as Go's IPNet.IP prints it. */
function networkOf(cidr: Cidr): string {
  if (cidr.family === 'ipv4') {
    const value = cidr.address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
    const mask = cidr.bits === 0 ? 0 : (0xffffffff << (32 - cidr.bits)) >>> 0;
    const network = (value & mask) >>> 0;
    return [24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join('.');
  }
  // Only containment is asked of IPv6 networks: the address itself lies in its own block.
  return cidr.address;
}

/**
 * verifyCIDRRoleSecretIDSubset (validation.go) with cidrutil.SubsetBlocks: each of the secret
 * ID's blocks must lie inside one of the role's, whose bare addresses count as /32.
 */
export function cidrSubsetError(
  secretIdBlocks: readonly string[],
  roleBlocks: readonly string[],
): string | undefined {
  if (secretIdBlocks.length === 0 || roleBlocks.length === 0) return undefined;
  const role = roleBlocks.map((block) => (block.includes('/') ? block : `${block}/32`));
  const isSubset = secretIdBlocks.every((inner) => {
    const small = parseCidr(inner);
    return role.some((outer) => {
      const big = parseCidr(outer);
      return (
        small !== undefined && big !== undefined && small.bits >= big.bits && contains(big, networkOf(small))
      );
    });
  });
  if (isSubset) return undefined;
  return `failed to verify subset relationship between CIDR blocks on the role ${goQuoteList(role)} and CIDR blocks on the secret ID ${goQuoteList(secretIdBlocks)}: %!w(<nil>)`;
}

/** fmt's %q of a []string: `["a" "b"]`. */
function goQuoteList(items: readonly string[]): string {
  return `[${items.map((item) => JSON.stringify(item)).join(' ')}]`;
}
