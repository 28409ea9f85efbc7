import { structLayouts } from '../../../src/backends/bpu/libdnn';

// Every figure below is copied from shared/docs/bpu-runtime-api.md §2.4 (aarch64 LP64).
describe('libdnn struct layouts as koffi computes them', () => {
  const layouts = structLayouts();

  it.each([
    ['hbSysMem', 24, 8, { phyAddr: 0, virAddr: 8, memSize: 16 }],
    ['hbDNNTensorShape', 36, 4, { dimensionSize: 0, numDimensions: 32 }],
    ['hbDNNQuantiShift', 16, 8, { shiftLen: 0, shiftData: 8 }],
    ['hbDNNQuantiScale', 32, 8, { scaleLen: 0, scaleData: 8, zeroPointLen: 16, zeroPointData: 24 }],
    [
      'hbDNNTensorProperties',
      176,
      8,
      {
        validShape: 0,
        alignedShape: 36,
        tensorLayout: 72,
        tensorType: 76,
        shift: 80,
        scale: 96,
        quantiType: 128,
        quantizeAxis: 132,
        alignedByteSize: 136,
        stride: 140,
      },
    ],
    ['hbDNNTensor', 272, 8, { sysMem: 0, properties: 96 }],
    ['hbDNNRoi', 16, 4, { left: 0, top: 4, right: 8, bottom: 12 }],
    [
      'hbDNNInferCtrlParam',
      32,
      8,
      { bpuCoreId: 0, dspCoreId: 4, priority: 8, more: 12, customId: 16, reserved1: 24, reserved2: 28 },
    ],
  ] as const)('%s: size %d, align %d, member offsets', (name, size, alignment, offsets) => {
    expect(layouts[name]).toEqual({ size, alignment, offsets });
  });

  it('gives the absolute hbDNNTensor offsets the doc lists', () => {
    const t = layouts.hbDNNTensor.offsets;
    const p = layouts.hbDNNTensorProperties.offsets;
    const mem = layouts.hbSysMem;
    const abs = (base: number | undefined, inner: number | undefined) => (base as number) + (inner as number);
    expect(abs(t.sysMem, mem.offsets.virAddr)).toBe(8);
    expect(abs(t.sysMem, mem.offsets.memSize)).toBe(16);
    expect((t.sysMem as number) + mem.size + (mem.offsets.virAddr as number)).toBe(32); // sysMem[1].virAddr
    expect(abs(t.properties, p.alignedShape)).toBe(132);
    expect(abs(t.properties, p.tensorLayout)).toBe(168);
    expect(abs(t.properties, p.tensorType)).toBe(172);
    expect(abs(t.properties, p.shift)).toBe(176);
    expect(abs(t.properties, p.scale)).toBe(192);
    expect(abs(abs(t.properties, p.scale), layouts.hbDNNQuantiScale.offsets.scaleData)).toBe(200);
    expect(abs(abs(t.properties, p.scale), layouts.hbDNNQuantiScale.offsets.zeroPointData)).toBe(216);
    expect(abs(t.properties, p.quantiType)).toBe(224);
    expect(abs(t.properties, p.quantizeAxis)).toBe(228);
    expect(abs(t.properties, p.alignedByteSize)).toBe(232);
    expect(abs(t.properties, p.stride)).toBe(236);
    // validShape.numDimensions, alignedShape.dimensionSize inside the properties
    expect(abs(p.validShape, layouts.hbDNNTensorShape.offsets.numDimensions)).toBe(32);
    expect(abs(p.alignedShape, layouts.hbDNNTensorShape.offsets.dimensionSize)).toBe(36);
  });
});
