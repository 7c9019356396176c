/**
 * Kubernetes resource quantities (`100m`, `1.5`, `256Mi`, `1G`) as numbers, and back. CPU is counted in
 * millicores, memory in bytes, both rounded up, as the API server rounds requests it cannot represent.
 */

const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** The value of a quantity in base units (cores, bytes). */
export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = QUANTITY.exec(value.trim());
  if (!match) throw new Error(`'${value}' is not a Kubernetes quantity`);
  return Number(match[1]) * SUFFIXES[match[2] ?? ''];
}

export function milliCpu(value: string | number): number {
  return Math.ceil(Math.round(parseQuantity(value) * 1e6) / 1e3);
}

export function bytes(value: string | number): number {
  return Math.ceil(parseQuantity(value));
}

/** Millicores as a quantity: whole cores where exact (`2`), else millicores (`1500m`). */
export function formatCpu(milli: number): string {
  if (milli === 0) return '0';
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Bytes as a binary quantity, rounded up to a whole MiB (`Gi` where exact). */
export function formatMemory(value: number): string {
  const mib = Math.ceil(value / 2 ** 20);
  if (mib === 0) return '0';
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}
