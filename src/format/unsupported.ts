// Version 1.1 fields that parse but are not implemented yet. Validation refuses a spec that uses one, with
// one error at the field itself, so nothing trains half-understood. Whoever implements a feature deletes
// its entry here (and nothing else needs to change in validation's gate).
import type { JsonPath } from './parse';
import type { Spec } from './types';

export interface UnsupportedFeature {
  /** The field as users write it, e.g. "text" or "task": "sequence". */
  what: string;
  /** Where the error goes. */
  path: JsonPath;
  /** Whether the spec (and its data) uses the feature. */
  used(spec: Spec, data: { imageFolder: boolean }): boolean;
  /** Point at the property name rather than its value. */
  key?: boolean;
}

export const UNSUPPORTED: UnsupportedFeature[] = [
];

export function unsupportedMessage(f: UnsupportedFeature): string {
  return `${f.what} is not supported yet`;
}
