/** Image decoding (sharp) and preprocessing (purpose-built sampling for raw frames) into model inputs. */
export { computeResizeGeometry, type GeometrySpec, type ResizeGeometry } from './computeResizeGeometry';
export { decodeCompressed, MAX_DECODED_PIXELS } from './decodeCompressed';
export { preprocessImage } from './preprocessImage';
export { preprocessRaw, type ModelInputBuffer, type PreprocessOptions } from './preprocessRaw';
export { validateRawImage, type RawLayout } from './rawLayout';
export { readImageFile } from './readImageFile';
export { rgbToEncoding, type EncodeOptions } from './rgbToEncoding';
export { sniffImageFormat, type SniffedFormat } from './sniffImageFormat';
export { toRgb8 } from './toRgb8';
export { encodeCompressed, type CompressedFormat, type EncodeCompressedOptions } from './encodeCompressed';
export { setSharpConcurrency, sharpLetterboxRgb } from './sharpLetterbox';
export { calibrationTensor, shortSideSize, ZOO_CALIBRATION, type CalibrationRecipe } from './calibrationTensor';
export { IMAGE_FILE_EXTENSIONS, isImageFileName } from './imageFiles';
