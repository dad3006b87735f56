export { loadDataset, loadAnyDataset, listDatasetNames, type LoadOptions } from './load.js';
export { selectSubset, selectRetrievalSubset } from './subset.js';
export { holdoutSplit, type HoldoutSplit } from './split.js';
export { loadCocoCaptions } from './coco.js';
export { loadKarpathySplit } from './karpathy.js';
export { loadCaptionPairs } from './pairs.js';
export { loadFolderDataset, IMAGE_EXTENSIONS, type FolderOptions } from './folder.js';
export { loadManifestDataset, type ManifestOptions } from './manifest.js';
export { loadIdxDataset, SPLITS, type IdxOptions, type Split } from './idx.js';
export { loadDescriptorDataset, readDescriptor, type DatasetDescriptor } from './descriptor.js';
export type { ClassNameMapping } from './classnames.js';
export { compareCodePoints } from './order.js';
export {
  InputError,
  type ClassificationDataset,
  type ClassificationItem,
  type Dataset,
  type RetrievalDataset,
  type RetrievalImage,
  type Caption,
  type DatasetFormat,
  type ImageSource,
  type SubsetOptions,
} from './types.js';
export { loadImageCollection, type CollectionImage, type ImageCollection } from './collection.js';
