import type { ContainerFormat } from './containers.js';
import { InputError } from './types.js';

export const webDatasetFormat: ContainerFormat = {
  name: 'webdataset',
  claimsSpec: () => false,
  claimsFile: () => false,
  claimsFolder: () => false,
  load: (spec) => Promise.reject(new InputError(`${spec}: webdataset datasets are not readable yet`)),
};
