import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';

/** The raw machine facts; only their hash leaves the machine. */
export interface MachineFacts {
  hostname: string;
  diskId: string | undefined;
  macs: string[];
}

export interface MachineFingerprint {
  /** The locking code support binds a license to (the `fingerprint` claim). */
  fingerprint: string;
  source: 'ATLASAI_MACHINE_ID' | 'hardware';
  /** Which facts went into the hash (names only, never the values). */
  parts: string[];
}

const VERSION = 'atlasai-locking-code-v1';
// Interfaces that come and go with containers, VPNs and bridges would make the code unstable.
const VIRTUAL_INTERFACE = /^(lo|docker|veth|br-|virbr|vmnet|vboxnet|tun|tap|wg|cni|flannel|cali|kube|zt|utun|llw|awdl|bridge)/i;

/**
 * Seed 004's locking code: SHA-256 of the canonical hostname, disk id and MAC addresses, or of an
 * operator-supplied `ATLASAI_MACHINE_ID` for containers whose hardware ids change on every start.
 */
export function machineFingerprint(env: Record<string, string | undefined> = process.env, facts: () => MachineFacts = readMachineFacts): MachineFingerprint {
  const operatorId = env.ATLASAI_MACHINE_ID?.trim();
  if (operatorId) return { fingerprint: sha256(`${VERSION}\nmachine_id=${operatorId}`), source: 'ATLASAI_MACHINE_ID', parts: ['machine_id'] };
  const machine = facts();
  const lines = [`hostname=${machine.hostname.trim().toLowerCase()}`];
  if (machine.diskId) lines.push(`disk=${machine.diskId.trim().toLowerCase()}`);
  const macs = [...new Set(machine.macs.map((mac) => mac.toLowerCase()))].sort();
  if (macs.length > 0) lines.push(`mac=${macs.join(',')}`);
  return { fingerprint: sha256([VERSION, ...lines].join('\n')), source: 'hardware', parts: lines.map((line) => line.split('=')[0]!) };
}

export function readMachineFacts(): MachineFacts {
  const macs = Object.entries(networkInterfaces())
    .filter(([name]) => !VIRTUAL_INTERFACE.test(name))
    .flatMap(([, addresses]) => addresses ?? [])
    .filter((address) => !address.internal && address.mac !== '00:00:00:00:00:00')
    .map((address) => address.mac);
  return { hostname: hostname(), diskId: rootDiskId(), macs };
}

/** The UUID of the root filesystem's device, else the OS machine id; undefined when neither is readable. */
function rootDiskId(): string | undefined {
  try {
    const root = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .find((fields) => fields[4] === '/');
    const device = root?.[root.indexOf('-') + 2];
    if (device?.startsWith('/dev/')) {
      const target = realpathSync(device);
      for (const uuid of readdirSync('/dev/disk/by-uuid')) {
        if (realpathSync(`/dev/disk/by-uuid/${uuid}`) === target) return `uuid:${uuid}`;
      }
    }
  } catch {
    /* not Linux, or no udev: fall through */
  }
  for (const path of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const id = readFileSync(path, 'utf8').trim();
      if (id) return `machine-id:${id}`;
    } catch {
      /* try the next one */
    }
  }
  return undefined;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
