export { openBag } from './openBag';
export { McapBagWriter, type McapBagWriterOptions } from './McapBagWriter';
export { Db3BagWriter, HUMBLE_DDL } from './Db3BagWriter';
export type { BagWriterOptions } from './bagWriterCommon';
export { JsonLinesWriter } from './JsonLinesWriter';
export { parseBagMetadata, formatBagMetadataV5, type BagMetadata, type MetadataTopic } from './bagMetadata';
export { offeredQosProfilesYaml, type OfferedQos } from './qosProfile';
export {
  BAG_STORAGES,
  type BagStorage,
  type BagMessage,
  type BagReader,
  type BagTopic,
  type ReadMessagesOptions,
} from './types';
