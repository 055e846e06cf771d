import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { goQuote } from './go-format';

/**
 * Address blocks as Vault's auth methods bind tokens and secret IDs to them: parseutil.ParseAddrs
 * (go-sockaddr's NewSockAddr) to read them, cidrutil to match a client's address.
 *
 * go-sockaddr takes a bare IP as a /32 (or /128) block, and anything else that starts with '.'
 * or '/', or holds a '/', as a UNIX socket path: a block no IP address ever falls in. The mock
 * keeps that quirk, since it decides whether a typo is refused (400) or silently never matches.
 */
export interface AddressBlock {
  /** As written by the operator; Vault echoes these strings back in role reads. */
  readonly text: string;
  readonly kind: 'ip' | 'unix';
  readonly list?: BlockList;
}

export function parseAddressBlock(text: string): AddressBlock | undefined {
  const [address = '', prefix, ...rest] = text.split('/');
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (family && rest.length === 0) {
    const max = family === 'ipv4' ? 32 : 128;
    const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
    if (bits >= 0 && bits <= max) {
      const list = new BlockList();
      list.addSubnet(address, bits, family);
      return { text, kind: 'ip', list };
    }
  }
  if (text.length > 1 && (text.startsWith('.') || text.startsWith('/') || text.includes('/'))) {
    return { text, kind: 'unix' };
  }
  return undefined;
}

/** parseutil.ParseAddrs: every entry must parse, with go-sockaddr's message for the first that does not. */
export function parseAddressBlocks(texts: readonly string[]): AddressBlock[] {
  return texts.map((text) => {
    const block = parseAddressBlock(text);
    if (!block) {
      throw new Error(
        `error parsing address ${goQuote(text)}: Unable to convert ${goQuote(text)} to an IPv4 or IPv6 address, or a UNIX Socket`,
      );
    }
    return block;
  });
}

/**
 * cidrutil.RemoteAddrIsOk: the client's address falls in one of the blocks. Node reports IPv4
 * clients of a dual-stack listener as `::ffff:a.b.c.d`; Go's net.IP compares those as IPv4.
 */
export function addressAllowed(remoteAddress: string | undefined, blocks: readonly AddressBlock[]): boolean {
  if (blocks.length === 0) return true;
  if (!remoteAddress) return false;
  const address = remoteAddress.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!family) return false;
  return blocks.some((block) => block.list?.check(address, family) ?? false);
}
