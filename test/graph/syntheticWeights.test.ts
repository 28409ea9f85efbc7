import {
  EDGENEXT_VARIANT_SPECS,
  EDGENEXT_VARIANTS,
  edgeNeXtParameterSpecs,
  generateSyntheticWeights,
  Lcg,
  syntheticInput,
} from '../../src/graph';

describe('Appendix B generator', () => {
  it('reproduces the documented first stem weights and first inputs', () => {
    const weights = generateSyntheticWeights(edgeNeXtParameterSpecs('xx_small'));
    const stem = weights.get('stem.0.weight');
    expect(stem?.length).toBe(24 * 3 * 4 * 4);
    const expectedStem = [-0.23979867, -0.2417261, 0.02157789];
    expectedStem.forEach((value, i) => expect(stem?.[i]).toBeCloseTo(value, 7));
    const input = syntheticInput(4);
    [0.14878464, 1.02156973, 1.35144544, -0.28166723].forEach((value, i) => expect(input[i]).toBeCloseTo(value, 7));
  });

  it('is the LCG s ← 1664525·s + 1013904223 mod 2^32 with u = (s >>> 8)/2^24·2 − 1', () => {
    const rng = new Lcg(0);
    // s1 = 1013904223 → (s1 >>> 8) = 3960563; s2 = 1664525·s1 + 1013904223 mod 2^32 = 1196435762.
    expect(rng.next()).toBe((3960563 / 2 ** 24) * 2 - 1);
    expect(rng.next()).toBe((Math.floor(1196435762 / 256) / 2 ** 24) * 2 - 1);
  });

  it('applies the fill rule of each tensor kind within its documented range', () => {
    const weights = generateSyntheticWeights(edgeNeXtParameterSpecs('xx_small'));
    const within = (name: string, low: number, high: number): void => {
      const values = weights.get(name);
      expect(values).toBeDefined();
      for (const v of values ?? []) {
        expect(v).toBeGreaterThanOrEqual(low);
        expect(v).toBeLessThanOrEqual(high);
      }
    };
    within('stages.0.blocks.0.gamma', 0.25, 0.75);
    within('stages.1.blocks.1.xca.temperature', 0.5, 1.5);
    within('stem.1.weight', 0.75, 1.25);
    within('stem.1.bias', -0.25, 0.25);
    within('head.fc.bias', -0.1, 0.1);
    const fc1Bound = Math.sqrt(3 / 24);
    within('stages.0.blocks.0.mlp.fc1.weight', -fc1Bound, fc1Bound);
    // The stream continues across tensors: a different seed changes everything.
    const other = generateSyntheticWeights(edgeNeXtParameterSpecs('xx_small'), 1);
    expect(other.get('stem.0.weight')?.[0]).not.toBeCloseTo(-0.23979867, 3);
  });

  it.each(EDGENEXT_VARIANTS)('lists the Appendix A tensors of %s with timm’s parameter count', (variant) => {
    const specs = edgeNeXtParameterSpecs(variant);
    expect(specs.length).toBe(variant === 'xx_small' ? 160 : 214);
    expect(new Set(specs.map((s) => s.name)).size).toBe(specs.length);
    const total = specs.reduce((sum, s) => sum + s.shape.reduce((p, d) => p * d, 1), 0);
    expect(total).toBe(EDGENEXT_VARIANT_SPECS[variant].parameterCount);
    expect(specs[0]?.name).toBe('stem.0.weight');
    expect(specs[specs.length - 1]?.name).toBe('head.fc.bias');
  });

  it('orders an SDTA block as timm’s state_dict (gamma_xca, gamma, convs, pos_embd, norm_xca, xca, norm, mlp)', () => {
    const names = edgeNeXtParameterSpecs('xx_small')
      .map((s) => s.name)
      .filter((n) => n.startsWith('stages.1.blocks.1.'))
      .map((n) => n.slice('stages.1.blocks.1.'.length));
    expect(names).toEqual([
      'gamma_xca',
      'gamma',
      'convs.0.weight',
      'convs.0.bias',
      'pos_embd.token_projection.weight',
      'pos_embd.token_projection.bias',
      'norm_xca.weight',
      'norm_xca.bias',
      'xca.temperature',
      'xca.qkv.weight',
      'xca.qkv.bias',
      'xca.proj.weight',
      'xca.proj.bias',
      'norm.weight',
      'norm.bias',
      'mlp.fc1.weight',
      'mlp.fc1.bias',
      'mlp.fc2.weight',
      'mlp.fc2.bias',
    ]);
  });
});
