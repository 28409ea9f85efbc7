import { computeResizeGeometry } from '../../src/image';
import { spec } from './fixtures';

const letterbox = spec({ resize: { policy: 'letterbox' } });
const crop = (cropPct: number) => spec({ resize: { policy: 'center_crop', cropPct } });

describe('computeResizeGeometry', () => {
  it.each([
    // [w, h, resizedW, resizedH, padLeft, padTop, padRight, padBottom]
    [640, 480, 224, 168, 0, 28, 0, 28],
    [1920, 1080, 224, 126, 0, 49, 0, 49],
    // 720 * (224 / 1280) is 125.99999999999999 in doubles: the model zoo's int() truncates it to 125.
    [1280, 720, 224, 125, 0, 49, 0, 50],
    [1200, 1600, 168, 224, 28, 0, 28, 0],
    [220, 530, 92, 224, 66, 0, 66, 0],
    [411, 120, 224, 65, 0, 79, 0, 80],
    [75, 56, 224, 167, 0, 28, 0, 29],
    [224, 224, 224, 224, 0, 0, 0, 0],
    // Extreme aspect: never a zero-height resize.
    [10000, 10, 224, 1, 0, 111, 0, 112],
  ])('letterbox %ix%i -> %ix%i, pads l%i t%i r%i b%i', (w, h, rw, rh, pl, pt, pr, pb) => {
    expect(computeResizeGeometry(w, h, letterbox)).toEqual({
      policy: 'letterbox',
      resizedWidth: rw,
      resizedHeight: rh,
      cropLeft: 0,
      cropTop: 0,
      padLeft: pl,
      padTop: pt,
      padRight: pr,
      padBottom: pb,
    });
  });

  it.each([
    // [w, h, cropPct, resizedW, resizedH, cropLeft, cropTop]
    [640, 480, 0.875, 341, 256, 58, 16], // (341-224)/2 = 58.5 rounds half to even -> 58
    [1920, 1080, 0.875, 455, 256, 116, 16], // 115.5 -> 116
    [640, 480, 0.9, 330, 248, 53, 12], // floor(224/0.9) = 248, trunc(248*640/480) = 330
    [1200, 1600, 0.875, 256, 341, 16, 58],
    [500, 375, 0.95, 313, 235, 44, 6], // floor(224/0.95) = 235
    [224, 224, 1, 224, 224, 0, 0],
  ])('center_crop %ix%i crop_pct %f -> resize %ix%i, crop at (%i, %i)', (w, h, pct, rw, rh, cl, ct) => {
    expect(computeResizeGeometry(w, h, crop(pct))).toEqual({
      policy: 'center_crop',
      resizedWidth: rw,
      resizedHeight: rh,
      cropLeft: cl,
      cropTop: ct,
      padLeft: 0,
      padTop: 0,
      padRight: 0,
      padBottom: 0,
    });
  });

  it('stretch always resizes to the target', () => {
    const g = computeResizeGeometry(1920, 1080, spec({ resize: { policy: 'stretch' } }));
    expect([g.resizedWidth, g.resizedHeight, g.padTop, g.cropLeft]).toEqual([224, 224, 0, 0]);
  });

  it('rejects bad sizes and crop percentages with invalid_argument', () => {
    expect(() => computeResizeGeometry(0, 10, letterbox)).toThrow(
      expect.objectContaining({ code: 'invalid_argument', message: expect.stringContaining('0x10') }),
    );
    expect(() => computeResizeGeometry(10, 10, crop(1.5))).toThrow(
      expect.objectContaining({ code: 'invalid_argument', message: expect.stringContaining('1.5') }),
    );
  });
});
