import { packedName, readPackedImage } from '../datasets/packed.js';
import type { ImageSource } from '../datasets/types.js';
import { decodeImage, type SourceImage } from './decode.js';
import type { DecodedImage } from './types.js';

/** Any item's image as PIL would open it: a file, pixels already in memory, or bytes packed in a shard or Parquet file. */
export async function decodeSource(source: ImageSource): Promise<SourceImage | DecodedImage> {
  switch (source.kind) {
    case 'file':
      return decodeImage(source.path);
    case 'pixels':
      return source.image;
    default:
      return decodeImage(await readPackedImage(source), packedName(source));
  }
}
