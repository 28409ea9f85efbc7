import {
  escapeHtml,
  histogramBins,
  ItemSampler,
  renderReportHtml,
  throughputSeries,
  type ReportData,
} from '../../src/report';

const EVIL = `<script>alert("x")</script>&'`;

function data(overrides: Partial<ReportData> = {}): ReportData {
  return {
    title: `report ${EVIL}`,
    generatedAt: '2026-01-01T00:00:00.000Z',
    modelCard: [{ key: `modelName${EVIL}`, value: `m ${EVIL}` }],
    syntheticWeights: false,
    emulator: false,
    sections: [
      {
        kind: 'items',
        title: `items ${EVIL}`,
        total: 2,
        items: [
          {
            name: `/cam${EVIL}`,
            caption: `frame ${EVIL}`,
            thumbnailJpeg: Uint8Array.of(0xff, 0xd8, 0xff),
            topK: [{ label: `label ${EVIL}`, classId: 3, score: 0.75 }],
            unknown: true,
          },
          { name: 'broken.jpg', topK: [], unknown: false, error: `cannot decode ${EVIL}` },
        ],
      },
      { kind: 'table', id: 'drops', title: 'drops', columns: ['topic', `cause ${EVIL}`], rows: [[`/t${EVIL}`, 3]] },
      {
        kind: 'histogram',
        title: 'latency',
        unit: 'ms',
        bins: histogramBins([1, 2, 3]),
        percentiles: [{ label: 'p50', value: 2 }],
      },
      {
        kind: 'series',
        title: 'rate',
        xLabel: 's',
        yLabel: '/s',
        points: [
          { x: 0, y: 1 },
          { x: 1, y: 3 },
        ],
      },
      { kind: 'accuracy', title: 'accuracy', rows: [{ name: `class ${EVIL}`, count: 10, top1: 0.5, top5: 0.9 }] },
    ],
    ...overrides,
  };
}

describe('renderReportHtml', () => {
  it('escapes every text that comes from the data', () => {
    const html = renderReportHtml(data());
    expect(html).not.toContain('<script');
    expect(html).not.toContain(`"x")`);
    expect(html.match(/&#60;script&#62;alert\(&#34;x&#34;\)&#60;\/script&#62;&#38;&#39;/g)?.length).toBe(13); // title twice, card key and value, section title, item name (and alt), caption, label, error, column, cell, accuracy group
  });

  it('is self-contained: no script, no external reference, images as data: URIs, a CSP that forbids the network', () => {
    const html = renderReportHtml(data());
    expect(html).not.toMatch(/<script|<link|<iframe|@import|url\(/i);
    expect(html.match(/src="([^"]*)"/g)).toEqual(['src="data:image/jpeg;base64,/9j/"']);
    expect(html).toContain(`content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"`);
    // The only URL is the SVG namespace (an identifier, never fetched).
    expect(html.match(/https?:\/\/[^"]*/g)?.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
  });

  it('shows the banners only when asked, the sample note, the accuracy table and the scores as bars', () => {
    const plain = renderReportHtml(data());
    expect(plain).not.toContain('synthetic-banner');
    expect(plain).not.toContain('emulator-banner');
    expect(plain).toContain('<p class="note">2 in all.</p>');
    const flagged = renderReportHtml(data({ syntheticWeights: true, emulator: true }));
    expect(flagged).toContain('id="synthetic-banner">SYNTHETIC WEIGHTS');
    expect(flagged).toContain('id="emulator-banner">BPU EMULATOR');
    const sampled = renderReportHtml(
      data({
        sections: [{ kind: 'items', title: 'r', total: 5000, items: [{ name: 'a', topK: [], unknown: false }] }],
      }),
    );
    expect(sampled).toContain('Showing 1 of 5000 (evenly sampled');
    expect(plain).toMatch(/<table id="accuracy">.*<td class="num">10<\/td><td>50\.0%<\/td><td>90\.0%<\/td>/);
    expect(plain).toContain('<div class="bar" style="width:75.0%"></div><span>75.0% label');
  });
});

describe('report helpers', () => {
  it('escapeHtml covers the five special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });

  it('histogramBins: equal widths over [min, max], every value counted once', () => {
    const bins = histogramBins([0, 1, 2, 3, 10], 5);
    expect(bins.map((b) => [b.from, b.to, b.count])).toEqual([
      [0, 2, 2],
      [2, 4, 2],
      [4, 6, 0],
      [6, 8, 0],
      [8, 10, 1],
    ]);
    expect(histogramBins([])).toEqual([]);
    expect(histogramBins([4, 4])).toEqual([{ from: 4, to: 5, count: 2 }]);
  });

  it('throughputSeries: results per second in each bucket', () => {
    expect(throughputSeries([0, 100, 200, 1000, 2500], 1000)).toEqual([
      { x: 0, y: 3 },
      { x: 1, y: 1 },
      { x: 2, y: 1 },
    ]);
    expect(throughputSeries([])).toEqual([]);
  });

  it('ItemSampler keeps an evenly spaced sample of at most `limit` items, and makes only kept items', async () => {
    const sampler = new ItemSampler<number>(4);
    let made = 0;
    for (let i = 0; i < 10; i++)
      await sampler.offer(() => {
        made++;
        return i;
      });
    expect(sampler.items).toEqual([0, 4, 8]);
    expect(sampler.seen).toBe(10);
    expect(made).toBeLessThan(10);
    const small = new ItemSampler<number>(4);
    for (let i = 0; i < 3; i++) await small.offer(() => i);
    expect(small.items).toEqual([0, 1, 2]);
    expect(() => new ItemSampler(0)).toThrow('sample limit must be an integer >= 1, got 0');
  });
});
