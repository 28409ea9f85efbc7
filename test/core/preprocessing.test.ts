import { withResizePolicy, type ResizeSpec } from '../../src/core/preprocessing';

const letterbox: ResizeSpec = { policy: 'letterbox', interpolation: 'bilinear', padValue: 127, cropPct: 0.9 };
const centerCrop: ResizeSpec = { policy: 'center_crop', interpolation: 'bicubic', padValue: 127, cropPct: 0.95 };

describe('withResizePolicy', () => {
  it('resizes center_crop with bicubic (timm evaluation) whatever the base interpolation', () => {
    expect(withResizePolicy(letterbox, 'center_crop')).toEqual({
      ...letterbox,
      policy: 'center_crop',
      interpolation: 'bicubic',
    });
  });

  it('keeps the base interpolation for letterbox and stretch, and bilinear when leaving center_crop', () => {
    expect(withResizePolicy(letterbox, 'stretch')).toEqual({ ...letterbox, policy: 'stretch' });
    expect(withResizePolicy({ ...letterbox, interpolation: 'nearest' }, 'stretch').interpolation).toBe('nearest');
    expect(withResizePolicy(centerCrop, 'letterbox')).toEqual({
      ...centerCrop,
      policy: 'letterbox',
      interpolation: 'bilinear',
    });
  });

  it("returns the base unchanged for its own policy (the catalogue's explicit choice wins)", () => {
    const bilinearCrop: ResizeSpec = { ...centerCrop, interpolation: 'bilinear' };
    expect(withResizePolicy(bilinearCrop, 'center_crop')).toBe(bilinearCrop);
  });
});
