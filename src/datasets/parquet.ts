import type { ContainerFormat } from './containers.js';
import { InputError } from './types.js';

export const parquetFormat: ContainerFormat = {
  name: 'parquet',
  claimsSpec: () => false,
  claimsFile: () => false,
  claimsFolder: () => false,
  load: (spec) => Promise.reject(new InputError(`${spec}: parquet datasets are not readable yet`)),
};
