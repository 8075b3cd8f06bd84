/**
 * Where notifications may be sent: the operator's allow-list (WEBHOOK_ALLOWED_HOSTS) and the rule
 * that keeps a registered URL from reaching the service's own network. Names say who may be
 * called; addresses say where the connection may go. A URL's host must be listed (by name, by a
 * `*.` suffix, or, for an address written in the URL, by address or range), and every address its
 * name resolves to, at the moment of delivery, must be a public unicast address or lie within a
 * listed address or range. So loopback, private, link-local (cloud metadata) and other special
 * addresses are reached only when the operator lists them as addresses, never through a name whose
 * DNS answer changed.
 */
import { BlockList, isIP } from "node:net";

export type AllowedHost =
  | { kind: "name"; name: string }
  /** `*.example.com`: any name ending in `.example.com` (not `example.com` itself). */
  | { kind: "suffix"; suffix: string }
  | { kind: "network"; entry: string; address: string; prefix: number; family: "ipv4" | "ipv6" };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function isHostName(name: string): boolean {
  return name.length <= 253 && name.split(".").every((label) => LABEL.test(label));
}

/** A host as URLs spell it, lowercased, without IPv6 brackets or a final dot. */
export function normaliseHost(host: string): string {
  const lower = host.toLowerCase();
  const unbracketed = lower.startsWith("[") && lower.endsWith("]") ? lower.slice(1, -1) : lower;
  return unbracketed.endsWith(".") ? unbracketed.slice(0, -1) : unbracketed;
}

function familyOf(address: string): "ipv4" | "ipv6" | undefined {
  const version = isIP(address);
  return version === 4 ? "ipv4" : version === 6 ? "ipv6" : undefined;
}

function parseEntry(raw: string): AllowedHost {
  const entry = normaliseHost(raw);
  const slash = entry.indexOf("/");
  if (slash >= 0) {
    const address = entry.slice(0, slash);
    const family = familyOf(address);
    const prefixText = entry.slice(slash + 1);
    const prefix = Number(prefixText);
    const bits = family === "ipv4" ? 32 : 128;
    if (family === undefined || !/^\d{1,3}$/.test(prefixText) || prefix > bits) {
      throw new Error(`"${raw}" is not an address range such as 10.20.0.0/16 or fd00::/8`);
    }
    return { kind: "network", entry, address, prefix, family };
  }
  const family = familyOf(entry);
  if (family !== undefined) {
    return { kind: "network", entry, address: entry, prefix: family === "ipv4" ? 32 : 128, family };
  }
  if (entry.startsWith("*.") && isHostName(entry.slice(2))) return { kind: "suffix", suffix: entry.slice(1) };
  if (isHostName(entry)) return { kind: "name", name: entry };
  throw new Error(`"${raw}" is not a host name, *.suffix, address or address range`);
}

/** Parses WEBHOOK_ALLOWED_HOSTS: comma-separated entries. Throws naming the first bad one. */
export function parseAllowedHosts(text: string): AllowedHost[] {
  return text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map(parseEntry);
}

/** Addresses that are not public unicast: this network, private, shared, loopback, link-local, documentation, multicast, reserved. */
const SPECIAL = new BlockList();
for (const [address, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  SPECIAL.addSubnet(address, prefix, "ipv4");
}
for (const [address, prefix] of [
  ["::", 128],
  ["::1", 128],
  // Addresses that embed an IPv4 address or translate to one: NAT64, 6to4, Teredo.
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["2002::", 16],
  ["2001::", 23],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  SPECIAL.addSubnet(address, prefix, "ipv6");
}

/** The operator's allow-list, applied to registered URLs and to the addresses deliveries connect to. */
export class HostPolicy {
  private readonly listed = new BlockList();

  constructor(private readonly entries: readonly AllowedHost[]) {
    for (const entry of entries) {
      if (entry.kind === "network") this.listed.addSubnet(entry.address, entry.prefix, entry.family);
    }
  }

  /** False when no host is allowed: notifications are then off. */
  get enabled(): boolean {
    return this.entries.length > 0;
  }

  /** Why the URL's host may not be called, or undefined when it may (no DNS is asked). */
  hostRefusal(hostname: string): string | undefined {
    const host = normaliseHost(hostname);
    if (!this.enabled) return "no host is allowed: the operator has not set WEBHOOK_ALLOWED_HOSTS";
    const family = familyOf(host);
    if (family !== undefined) {
      return this.listed.check(host, family) ? undefined : `${host} is not among the allowed addresses`;
    }
    const allowed = this.entries.some(
      (entry) =>
        (entry.kind === "name" && entry.name === host) || (entry.kind === "suffix" && host.endsWith(entry.suffix)),
    );
    return allowed ? undefined : `${host} is not among the allowed hosts`;
  }

  /** Why a delivery may not connect to `address`, or undefined when it may. */
  addressRefusal(address: string): string | undefined {
    const family = familyOf(address);
    if (family === undefined) return `${address} is not an IP address`;
    if (this.listed.check(address, family)) return undefined;
    return SPECIAL.check(address, family)
      ? `${address} is not a public address and is not listed in WEBHOOK_ALLOWED_HOSTS`
      : undefined;
  }
}
