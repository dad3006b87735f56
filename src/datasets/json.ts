import { readJsonValue } from '../util/json.js';

export { isRecord } from '../util/json.js';

/** Parses a JSON file (see util/json.ts); `what` names it when it is missing. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  return readJsonValue(file, { what });
}
