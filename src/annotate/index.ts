/** Pictures of results: the top-k drawn on frames (sharp + Pango with a Debian font) and thumbnails for reports. */
export {
  DEFAULT_FONT_FILE,
  FONT_FILE_ENV,
  FONT_FAMILY_ENV,
  resolveAnnotationFont,
  type AnnotationFont,
} from './annotationFont';
export {
  annotateFrame,
  annotateToJpeg,
  frameToRgb,
  jpegThumbnail,
  WRITE_BACK_ENCODINGS,
  type AnnotatedFrame,
} from './annotateImage';
export { drawOverlay, escapeMarkup, type AnnotatedRgb } from './drawOverlay';
export {
  BANNER_TEXTS,
  isEmulatedBpu,
  layoutOverlay,
  type AnnotationContent,
  type OverlayLayout,
  type Rect,
} from './overlayLayout';
