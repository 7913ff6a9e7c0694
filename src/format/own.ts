// Lookups by a key that comes from a file (a spec's property, a layer class name, a CSV header): own
// properties only, so `constructor`, `valueOf` or `__proto__` find nothing instead of Object.prototype's.
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
